"""The SQLite backend: one file, WAL (readers never block the writer), foreign keys on,
a busy timeout so a second process waits instead of failing, FTS5 trigram search."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..facts import storage as facts_storage
from ..facts.model import NoticeFacts
from ..model import Extraction, ExtractionStatus, Flag, Page, Risk, ScanResult, Severity
from ..settings import Settings
from .base import (
    BACKENDS,
    Capture,
    Decision,
    DecisionStatus,
    DocumentNotFound,
    DocumentRecord,
    DocumentScan,
    InputError,
    MentionRole,
    NewDocument,
    SearchHit,
    SourceKind,
    StoredPage,
    StoreError,
    StoreStats,
    VendorMatch,
    VendorMention,
    VendorProcurements,
)
from .migrations import migrations_for
from .search import PageMatch, SearchPlan, plan_search, rank_documents, snippets_for

if TYPE_CHECKING:
    from ..facts.processes import Process
    from ..vendors.judgements import Judgement

# Seconds a writer waits for another process's transaction before giving up; ingest
# commits are milliseconds, so this only trips on a stuck process.
BUSY_TIMEOUT_MS = 30_000


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()


def _in(column: str, values: Sequence[object]) -> str:
    return f"{column} IN ({', '.join('?' for _ in values)})"


class SQLiteStore:
    """:class:`~tenderwatch.store.base.Store` on one SQLite file."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode: a commit survives a process crash (kill -9); only an OS
            # crash may lose the last transactions, never corrupt the file.
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open SQLite database {path}: {exc}") from exc
        self.migrate()

    @classmethod
    def from_settings(cls, settings: Settings) -> SQLiteStore:
        url = settings.database_url or ""
        # SQLAlchemy's form: sqlite:///relative/path, sqlite:////absolute/path.
        location = url.removeprefix("sqlite:").removeprefix("///")
        return cls(Path(location) if location else settings.data_dir / "tenderwatch.db")

    def close(self) -> None:
        self._db.close()

    # -- transactions and migrations ------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout
        # instead of one failing half-way with "database is locked".
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def applied_migrations(self) -> list[str]:
        rows = self._db.execute("SELECT version FROM schema_migrations ORDER BY version")
        return [r[0] for r in rows]

    def migrate(self) -> list[str]:
        """Apply pending migrations in order; returns the versions applied now."""
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            " (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = set(self.applied_migrations())
        applied = []
        for migration in migrations_for(self.dialect):
            if migration.version in done:
                continue
            # executescript commits any open transaction first, so the BEGIN lives in the
            # script. The version row goes first: a process that lost a race to apply the
            # same migration fails on its primary key before touching the schema.
            script = (
                "BEGIN IMMEDIATE;\n"
                f"INSERT INTO schema_migrations VALUES ('{migration.version}', '{_now()}');\n"
                f"{migration.sql}\n;COMMIT;"
            )
            try:
                self._db.executescript(script)
            except sqlite3.DatabaseError as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                if migration.version in self.applied_migrations():
                    continue
                raise StoreError(f"migration {migration.version} failed: {exc}") from exc
            applied.append(migration.version)
        return applied

    # -- writes ---------------------------------------------------------------------------

    def has_document(self, doc_id: str) -> bool:
        row = self._db.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return row is not None

    def add_documents(
        self, documents: Sequence[NewDocument], captures: Sequence[Capture] = ()
    ) -> None:
        with self._transaction() as db:
            for new in documents:
                self._write_document(db, new)
            for capture in captures:
                self._write_capture(db, capture)

    def _write_document(self, db: sqlite3.Connection, new: NewDocument) -> None:
        r = new.record
        inserted = db.execute(
            "INSERT INTO documents (id, size, media_type, status, title, extractor, charset,"
            " error, warnings, full_text, extracted_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            (
                r.id,
                r.size,
                r.media_type,
                r.status.value,
                r.title,
                r.extractor,
                r.charset,
                r.error,
                json.dumps(new.warnings, ensure_ascii=False),
                new.full_text,
                _time(r.extracted_at),
            ),
        ).rowcount
        if inserted:
            db.executemany(
                "INSERT INTO pages (doc_id, number, text, normalized, ocr) VALUES (?, ?, ?, ?, ?)",
                [(r.id, p.number, p.text, p.normalized, int(p.ocr)) for p in new.pages],
            )
            if new.scan is not None:
                self._write_scan(db, r.id, new.scan)
            if new.facts is not None:
                facts_storage.write_facts(db, r.id, new.facts)
            self._write_mentions(db, r.id, new.vendor_mentions)
        self._write_capture(db, new.capture)

    def add_capture(self, capture: Capture) -> bool:
        with self._transaction() as db:
            return self._write_capture(db, capture)

    @staticmethod
    def _write_capture(db: sqlite3.Connection, c: Capture) -> bool:
        cursor = db.execute(
            "INSERT INTO captures (id, doc_id, kind, source, member, url, captured_at, size,"
            " media_type, http_status, headers, warc_file, warc_offset, warc_record_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            (
                c.id,
                c.doc_id,
                c.kind.value,
                c.source,
                c.member,
                c.url,
                _time(c.captured_at),
                c.size,
                c.media_type,
                c.http_status,
                json.dumps(c.headers, ensure_ascii=False),
                c.warc_file,
                c.warc_offset,
                c.warc_record_id,
            ),
        )
        return cursor.rowcount > 0

    def record_error(self, error: InputError) -> None:
        at = _time(error.at)
        key = "\x1f".join((error.source, error.member, error.reason, at))
        with self._transaction() as db:
            db.execute(
                "INSERT INTO errors (id, source, member, reason, at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                (
                    hashlib.sha256(key.encode()).hexdigest(),
                    error.source,
                    error.member,
                    error.reason,
                    at,
                ),
            )

    def store_scan(self, doc_id: str, scan: ScanResult) -> None:
        with self._transaction() as db:
            self._write_scan(db, doc_id, scan)

    @staticmethod
    def _write_scan(db: sqlite3.Connection, doc_id: str, scan: ScanResult) -> None:
        db.execute("DELETE FROM flags WHERE doc_id = ?", (doc_id,))
        db.executemany(
            "INSERT INTO flags (doc_id, seq, rule, category, severity, signal, text, page,"
            " start_offset, end_offset, context, ruleset_version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    doc_id,
                    seq,
                    f.rule,
                    f.category,
                    f.severity.value,
                    int(f.signal),
                    f.text,
                    f.page,
                    f.start,
                    f.end,
                    f.context,
                    f.ruleset_version,
                )
                for seq, f in enumerate(scan.flags)
            ],
        )
        db.execute(
            "INSERT INTO doc_scans (doc_id, risk, reasons, ruleset_version, scanned_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (doc_id) DO UPDATE SET risk = excluded.risk,"
            " reasons = excluded.reasons, ruleset_version = excluded.ruleset_version,"
            " scanned_at = excluded.scanned_at",
            (
                doc_id,
                scan.risk.value,
                json.dumps(scan.reasons, ensure_ascii=False),
                scan.ruleset_version,
                _now(),
            ),
        )

    def store_analysis(
        self,
        doc_id: str,
        scan: ScanResult,
        facts: NoticeFacts | None,
        vendor_mentions: Sequence[VendorMention],
    ) -> None:
        with self._transaction() as db:
            self._write_scan(db, doc_id, scan)
            if facts is None:
                facts_storage.delete_facts(db, doc_id)
            else:
                facts_storage.write_facts(db, doc_id, facts)
            self._write_mentions(db, doc_id, vendor_mentions)

    def store_processes(self, processes: Sequence[Process]) -> None:
        with self._transaction() as db:
            facts_storage.write_processes(db, processes)

    @staticmethod
    def _write_mentions(
        db: sqlite3.Connection, doc_id: str, mentions: Sequence[VendorMention]
    ) -> None:
        db.execute(
            "DELETE FROM vendor_matches WHERE mention_id IN"
            " (SELECT id FROM vendor_mentions WHERE doc_id = ?)",
            (doc_id,),
        )
        db.execute("DELETE FROM vendor_mentions WHERE doc_id = ?", (doc_id,))
        now = _now()
        for m in mentions:
            mention_id = m.id
            # The same mention may be found twice (a name in two facts): one row.
            db.execute(
                "INSERT INTO vendor_mentions (id, doc_id, role, text, mention_key, page,"
                " start_offset, end_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                (mention_id, doc_id, m.role.value, m.text, m.mention_key, m.page, m.start, m.end),
            )
            db.executemany(
                "INSERT INTO vendor_matches (mention_id, entity_id, score, decision, features,"
                " dataset_version, matched_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [
                    (mention_id, x.entity_id, x.score, x.decision,
                     json.dumps(x.features, ensure_ascii=False), x.dataset_version, now)
                    for x in m.matches
                ],
            )  # fmt: skip

    def add_vendor_judgement(self, judgement: Judgement) -> None:
        j = judgement
        key = "\x1f".join((j.mention_key, j.entity_id, j.user, j.created_at, j.verdict.value))
        with self._transaction() as db:
            db.execute(
                "INSERT INTO vendor_judgements (id, mention_key, mention, entity_id, verdict,"
                " reviewer, created_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                (hashlib.sha256(key.encode()).hexdigest(), j.mention_key, j.mention, j.entity_id,
                 j.verdict.value, j.user, j.created_at, j.note),
            )  # fmt: skip

    def add_decision(self, decision: Decision) -> None:
        d = decision
        at = _time(d.decided_at)
        key = "\x1f".join((d.doc_id, d.rule, d.reviewer, at))
        with self._transaction() as db:
            db.execute(
                "INSERT INTO decisions (id, doc_id, rule, status, note, reviewer, decided_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    hashlib.sha256(key.encode()).hexdigest(),
                    d.doc_id,
                    d.rule,
                    d.status.value,
                    d.note,
                    d.reviewer,
                    at,
                ),
            )

    # -- reads ----------------------------------------------------------------------------

    def resolve_id(self, id_or_prefix: str) -> str:
        prefix = id_or_prefix.strip().lower()
        if not prefix or any(c not in "0123456789abcdef" for c in prefix):
            raise DocumentNotFound(f"{id_or_prefix!r} is not a document id (hex sha256 or prefix)")
        rows = self._db.execute(
            "SELECT id FROM documents WHERE id >= ? AND id < ? ORDER BY id LIMIT 2",
            (prefix, prefix + "g"),
        ).fetchall()
        if not rows:
            raise DocumentNotFound(f"no document with id {prefix!r}; `tenderwatch ls` lists them")
        if len(rows) > 1:
            raise DocumentNotFound(f"id prefix {prefix!r} is ambiguous; give more characters")
        return str(rows[0][0])

    _DOC_COLUMNS = (
        "d.id, d.size, d.media_type, d.status, d.title, d.extractor, d.charset, d.error,"
        " d.extracted_at, s.risk"
    )

    @staticmethod
    def _document_row(row: Sequence[Any]) -> DocumentRecord:
        return DocumentRecord(
            id=row[0],
            size=row[1],
            media_type=row[2],
            status=ExtractionStatus(row[3]),
            title=row[4],
            extractor=row[5],
            charset=row[6],
            error=row[7],
            extracted_at=datetime.fromisoformat(row[8]),
            risk=Risk(row[9]) if row[9] is not None else None,
        )

    def document(self, doc_id: str) -> DocumentRecord:
        row = self._db.execute(
            f"SELECT {self._DOC_COLUMNS} FROM documents d LEFT JOIN doc_scans s"
            " ON s.doc_id = d.id WHERE d.id = ?",
            (doc_id,),
        ).fetchone()
        if row is None:
            raise DocumentNotFound(f"no document with id {doc_id!r}")
        return self._document_row(row)

    def extraction(self, doc_id: str) -> Extraction:
        record = self.document(doc_id)
        full_text, warnings = self._db.execute(
            "SELECT full_text, warnings FROM documents WHERE id = ?", (doc_id,)
        ).fetchone()
        return Extraction(
            media_type=record.media_type,
            extractor=record.extractor or "",
            status=record.status,
            pages=[Page(number=p.number, text=p.text, ocr=p.ocr) for p in self.pages(doc_id)],
            title=record.title,
            full_text=full_text,
            charset=record.charset,
            error=record.error,
            warnings=json.loads(warnings),
        )

    def pages(self, doc_id: str) -> list[StoredPage]:
        rows = self._db.execute(
            "SELECT number, text, normalized, ocr FROM pages WHERE doc_id = ? ORDER BY number",
            (doc_id,),
        )
        return [StoredPage(number=n, text=t, normalized=nt, ocr=bool(o)) for n, t, nt, o in rows]

    def captures(self, doc_id: str) -> list[Capture]:
        rows = self._db.execute(
            "SELECT doc_id, kind, source, member, url, captured_at, size, media_type, http_status,"
            " headers, warc_file, warc_offset, warc_record_id FROM captures WHERE doc_id = ?"
            " ORDER BY captured_at, id",
            (doc_id,),
        )
        return [
            Capture(
                doc_id=r[0],
                kind=SourceKind(r[1]),
                source=r[2],
                member=r[3],
                url=r[4],
                captured_at=datetime.fromisoformat(r[5]),
                size=r[6],
                media_type=r[7],
                http_status=r[8],
                headers=[tuple(h) for h in json.loads(r[9])],
                warc_file=r[10],
                warc_offset=r[11],
                warc_record_id=r[12],
            )
            for r in rows
        ]

    def flags(self, doc_id: str) -> list[Flag]:
        rows = self._db.execute(
            "SELECT rule, category, severity, signal, text, page, start_offset, end_offset,"
            " context, ruleset_version FROM flags WHERE doc_id = ? ORDER BY seq",
            (doc_id,),
        )
        return [
            Flag(
                rule=r[0],
                category=r[1],
                severity=Severity(r[2]),
                signal=bool(r[3]),
                text=r[4],
                page=r[5],
                start=r[6],
                end=r[7],
                context=r[8],
                ruleset_version=r[9],
            )
            for r in rows
        ]

    def latest_scan(self, doc_id: str) -> DocumentScan | None:
        row = self._db.execute(
            "SELECT risk, reasons, ruleset_version, scanned_at FROM doc_scans WHERE doc_id = ?",
            (doc_id,),
        ).fetchone()
        if row is None:
            return None
        return DocumentScan(
            doc_id=doc_id,
            risk=Risk(row[0]),
            reasons=json.loads(row[1]),
            ruleset_version=row[2],
            scanned_at=datetime.fromisoformat(row[3]),
        )

    def decisions(self, doc_id: str) -> list[Decision]:
        rows = self._db.execute(
            "SELECT rule, status, note, reviewer, decided_at FROM decisions WHERE doc_id = ?"
            " ORDER BY decided_at, id",
            (doc_id,),
        )
        return [
            Decision(
                doc_id=doc_id,
                rule=r[0],
                status=DecisionStatus(r[1]),
                note=r[2],
                reviewer=r[3],
                decided_at=datetime.fromisoformat(r[4]),
            )
            for r in rows
        ]

    def facts(self, doc_id: str) -> NoticeFacts | None:
        return facts_storage.read_facts(self._db, doc_id)

    def all_facts(self) -> Iterator[tuple[str, NoticeFacts]]:
        return iter(list(facts_storage.stored_facts(self._db)))

    def vendor_mentions(self, doc_id: str) -> list[VendorMention]:
        rows = self._db.execute(
            "SELECT m.id, m.role, m.text, m.mention_key, m.page, m.start_offset, m.end_offset,"
            " x.dataset_version, x.entity_id, x.score, x.decision, x.features"
            " FROM vendor_mentions m LEFT JOIN vendor_matches x ON x.mention_id = m.id"
            " WHERE m.doc_id = ? ORDER BY m.start_offset, m.end_offset, m.id, x.score DESC,"
            " x.entity_id",
            (doc_id,),
        )
        mentions: dict[str, VendorMention] = {}
        for r in rows:
            mention = mentions.get(r[0])
            if mention is None:
                mention = mentions[r[0]] = VendorMention(
                    doc_id=doc_id,
                    role=MentionRole(r[1]),
                    text=r[2],
                    mention_key=r[3],
                    page=r[4],
                    start=r[5],
                    end=r[6],
                )
            if r[8] is not None:
                mention.matches.append(
                    VendorMatch(
                        entity_id=r[8],
                        score=r[9],
                        decision=r[10],
                        features=json.loads(r[11]),
                        dataset_version=r[7],
                    )
                )
        return list(mentions.values())

    def vendor_procurements(self) -> list[VendorProcurements]:
        rows = self._db.execute(
            "SELECT x.entity_id, count(DISTINCT m.doc_id), count(DISTINCT fl.doc_id),"
            " count(DISTINCT m.id) FROM vendor_matches x"
            " JOIN vendor_mentions m ON m.id = x.mention_id"
            " LEFT JOIN flags fl ON fl.doc_id = m.doc_id AND fl.signal = 0"
            " WHERE x.decision = 'match' GROUP BY x.entity_id ORDER BY 2 DESC, 1"
        )
        return [
            VendorProcurements(entity_id=e, documents=d, flagged_documents=f, mentions=n)
            for e, d, f, n in rows
        ]

    def vendor_judgements(self) -> list[Judgement]:
        from ..vendors.judgements import Judgement, Verdict

        rows = self._db.execute(
            "SELECT mention_key, mention, entity_id, verdict, reviewer, created_at, note"
            " FROM vendor_judgements WHERE deleted_at IS NULL ORDER BY created_at, id"
        )
        return [
            Judgement(
                mention_key=k, mention=m, entity_id=e, verdict=Verdict(v), user=u, created_at=c,
                note=n,
            )
            for k, m, e, v, u, c, n in rows
        ]  # fmt: skip

    def document_ids(self) -> Iterator[str]:
        # Materialised so callers may write (re-scan) while iterating.
        ids = [r[0] for r in self._db.execute("SELECT id FROM documents ORDER BY id")]
        return iter(ids)

    def count_documents(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def list_documents(
        self,
        *,
        status: list[str] | None = None,
        risk: list[str] | None = None,
        media_type: list[str] | None = None,
        region: str | None = None,
        vendor: str | None = None,
        limit: int | None = None,
    ) -> list[DocumentRecord]:
        where, params = ["1 = 1"], []
        for column, values in (
            ("d.status", status),
            ("s.risk", risk),
            ("d.media_type", media_type),
        ):
            if values:
                where.append(_in(column, values))
                params.extend(values)
        if region:
            from ..review import region_prefix

            where.append(
                "EXISTS (SELECT 1 FROM notice_facts nf WHERE nf.doc_id = d.id"
                " AND nf.buyer_division LIKE ?)"
            )
            params.append(region_prefix(region) + "%")
        if vendor:
            where.append(
                "(EXISTS (SELECT 1 FROM vendor_mentions m JOIN vendor_matches x"
                " ON x.mention_id = m.id WHERE m.doc_id = d.id AND x.decision = 'match'"
                " AND x.entity_id = ?) OR EXISTS (SELECT 1 FROM fact_values v"
                " WHERE v.doc_id = d.id AND v.field = 'supplier' AND v.value = ?))"
            )
            params += [vendor, vendor]
        sql = (
            f"SELECT {self._DOC_COLUMNS} FROM documents d LEFT JOIN doc_scans s"
            f" ON s.doc_id = d.id WHERE {' AND '.join(where)} ORDER BY d.extracted_at DESC, d.id"
        )
        if limit is not None:
            sql += " LIMIT ?"
            params.append(str(limit))
        return [self._document_row(r) for r in self._db.execute(sql, params)]

    def stats(self) -> StoreStats:
        def counts(sql: str) -> dict[str, int]:
            return {str(k): int(v) for k, v in self._db.execute(sql)}

        def count(table: str) -> int:
            return int(self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

        recent = self._db.execute(
            "SELECT source, member, reason, at FROM errors ORDER BY at DESC LIMIT 20"
        )
        return StoreStats(
            documents=count("documents"),
            pages=count("pages"),
            captures=count("captures"),
            errors=count("errors"),
            by_status=counts(
                "SELECT status, count(*) FROM documents GROUP BY status ORDER BY 2 DESC"
            ),
            by_media_type=counts(
                "SELECT media_type, count(*) FROM documents GROUP BY media_type ORDER BY 2 DESC"
            ),
            by_risk=counts(
                "SELECT coalesce(s.risk, 'unscanned'), count(*) FROM documents d"
                " LEFT JOIN doc_scans s ON s.doc_id = d.id GROUP BY 1 ORDER BY 2 DESC"
            ),
            recent_errors=[
                InputError(source=s, member=m, reason=r, at=datetime.fromisoformat(a))
                for s, m, r, a in recent
            ],
        )

    # -- search ---------------------------------------------------------------------------

    def search(self, query: str, *, limit: int = 20) -> list[SearchHit]:
        plan = plan_search(query)
        if plan is None:
            return []
        ranked = rank_documents(self._matching_pages(plan, limit=limit))[:limit]
        if not ranked:
            return []
        ids = [doc_id for doc_id, _, _ in ranked]
        records = {
            row[0]: self._document_row(row)
            for row in self._db.execute(
                f"SELECT {self._DOC_COLUMNS} FROM documents d LEFT JOIN doc_scans s"
                f" ON s.doc_id = d.id WHERE {_in('d.id', ids)}",
                ids,
            )
        }
        # Snippets come from the first three matching pages of each document.
        wanted = {(doc_id, n) for doc_id, pages, _ in ranked for n in pages[:3]}
        numbers = sorted({n for _, n in wanted})
        texts = {
            (d, n): (t, nt)
            for d, n, t, nt in self._db.execute(
                "SELECT doc_id, number, text, normalized FROM pages"
                f" WHERE {_in('doc_id', ids)} AND {_in('number', numbers)}",
                [*ids, *numbers],
            )
            if (d, n) in wanted
        }
        return [
            SearchHit(
                doc_id=doc_id,
                title=records[doc_id].title,
                media_type=records[doc_id].media_type,
                risk=records[doc_id].risk,
                pages=pages,
                score=score,
                snippets=snippets_for(plan, [(n, *texts[doc_id, n]) for n in pages[:3]]),
            )
            for doc_id, pages, score in ranked
        ]

    def _matching_pages(self, plan: SearchPlan, *, limit: int) -> list[PageMatch]:
        short_filter = "".join(" AND instr(p.normalized, ?) > 0" for _ in plan.short_terms)
        if plan.fts_query:
            rows = self._search_rows(
                "SELECT p.doc_id, p.number, -bm25(pages_fts) FROM pages_fts"
                " JOIN pages p ON p.id = pages_fts.rowid"
                f" WHERE pages_fts MATCH ?{short_filter} ORDER BY bm25(pages_fts) LIMIT ?",
                [plan.fts_query, *plan.short_terms, max(limit * 10, 100)],
            )
            return [PageMatch(doc_id=d, page=n, score=float(s)) for d, n, s in rows]
        # Trigrams cannot match 1-2 characters: scan the normalized text, newest pages first,
        # stopping after a few pages per wanted document (a full scan only when rare), and
        # score by how often the terms occur.
        rows = self._search_rows(
            "SELECT p.doc_id, p.number, p.normalized FROM pages p"
            f" WHERE 1 = 1{short_filter} ORDER BY p.id DESC LIMIT ?",
            [*plan.short_terms, limit * 3],
        )
        return [
            PageMatch(doc_id=d, page=n, score=float(sum(text.count(t) for t in plan.terms)))
            for d, n, text in rows
        ]

    def _search_rows(self, sql: str, params: list[object]) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreError(f"search failed: {exc}") from exc


BACKENDS.add("sqlite", SQLiteStore.from_settings)
