"""The PostgreSQL backend, for a team server: one connection per store in autocommit mode,
an explicit transaction per write call, and substring search over normalized page text
through a ``pg_trgm`` GIN index (``migrations/0002_pages.postgresql.sql``).

Rows are read with psycopg's ``dict_row`` and columns aliased to the field names of the
records in ``base``, so pydantic does the conversions (ISO text to datetime, text to enum).
See docs/storage.md, "PostgreSQL".
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.rows import DictRow, TupleRow, dict_row, tuple_row

from ..facts import storage as facts_storage
from ..facts.model import NoticeFacts
from ..model import Extraction, Flag, Page, ScanResult
from ..settings import Settings
from .base import (
    BACKENDS,
    Capture,
    Decision,
    DocumentNotFound,
    DocumentRecord,
    DocumentScan,
    InputError,
    NewDocument,
    SearchHit,
    StoredPage,
    StoreError,
    StoreStats,
    VendorMatch,
    VendorMention,
    VendorProcurements,
)
from .migrations import migrations_for
from .search import PageMatch, SearchPlan, plan_search, rank_documents, snippets_for
from .sqlite import _now, _time  # one definition of the stored time format for both backends

if TYPE_CHECKING:
    from ..facts.processes import Process
    from ..vendors.judgements import Judgement

# Key of the advisory lock that serialises migrations across processes sharing a database
# (a transaction-level lock: released by the COMMIT or ROLLBACK of the migration).
MIGRATION_LOCK = int.from_bytes(
    hashlib.sha256(b"tenderwatch.migrate").digest()[:8], "big", signed=True
)

_DOC_COLUMNS = (
    "d.id, d.size, d.media_type, d.status, d.title, d.extractor, d.charset, d.error,"
    " d.extracted_at, s.risk"
)
_DOC_FROM = "documents d LEFT JOIN doc_scans s ON s.doc_id = d.id"


def _text(value: str) -> str:
    """PostgreSQL text cannot hold NUL; U+FFFD takes its place one for one, so offsets into
    the page text stay valid."""
    return value.replace("\x00", "\ufffd")


def _optional_text(value: str | None) -> str | None:
    return None if value is None else _text(value)


def _like(term: str) -> str:
    """A LIKE pattern matching ``term`` anywhere (backslash is LIKE's default escape)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _content_id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _redacted(url: str) -> str:
    """The URL without its password, for error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{netloc}"))


class _QmarkConnection:
    """The sqlite3 calls :mod:`tenderwatch.facts.storage` makes (``?`` parameters, tuple
    rows) on a psycopg connection, so both backends store facts with the same code."""

    def __init__(self, db: psycopg.Connection[DictRow]) -> None:
        self._db = db

    @staticmethod
    def _params(params: Iterable[object]) -> list[object]:
        return [_text(p) if isinstance(p, str) else p for p in params]

    def execute(self, sql: str, params: Iterable[object] = ()) -> psycopg.Cursor[TupleRow]:
        cursor = self._db.cursor(row_factory=tuple_row)
        return cursor.execute(sql.replace("?", "%s"), self._params(params))

    def executemany(self, sql: str, rows: Iterable[Iterable[object]]) -> None:
        with self._db.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), [self._params(r) for r in rows])


def _facts_db(db: psycopg.Connection[DictRow]) -> sqlite3.Connection:
    # facts.storage is typed for sqlite3; the adapter provides the part of it that it uses.
    return cast(sqlite3.Connection, _QmarkConnection(db))


class PostgresStore:
    """:class:`~tenderwatch.store.base.Store` on a PostgreSQL database (15+, ``pg_trgm``)."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self._db: psycopg.Connection[DictRow] = psycopg.connect(
                url, autocommit=True, row_factory=dict_row
            )
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to PostgreSQL at {_redacted(url)}: {exc}") from exc
        self.migrate()

    @classmethod
    def from_settings(cls, settings: Settings) -> PostgresStore:
        url = settings.database_url or ""
        # SQLAlchemy's driver suffix (postgresql+psycopg://) means nothing to libpq.
        scheme, rest = url.split(":", 1)
        return cls("postgresql:" + rest if "+" in scheme else url)

    def close(self) -> None:
        self._db.close()

    # -- transactions and migrations ------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection[DictRow]]:
        with self._db.transaction():
            yield self._db

    def applied_migrations(self) -> list[str]:
        rows = self._db.execute("SELECT version FROM schema_migrations ORDER BY version")
        return [r["version"] for r in rows]

    def migrate(self) -> list[str]:
        """Apply pending migrations in order, each in one transaction with its version row,
        under an advisory lock so two processes starting at once apply each only once."""
        applied = []
        try:
            with self._transaction() as db:
                db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                db.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations"
                    " (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
                )
        except psycopg.Error as exc:
            raise StoreError(f"cannot create schema_migrations: {exc}") from exc
        for migration in migrations_for(self.dialect):
            try:
                with self._transaction() as db:
                    db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                    if migration.version in self.applied_migrations():
                        continue
                    db.execute(
                        "INSERT INTO schema_migrations VALUES (%s, %s)", (migration.version, _now())
                    )
                    # Without parameters psycopg sends the file as one multi-statement query.
                    db.execute(migration.sql)
            except psycopg.Error as exc:
                raise StoreError(f"migration {migration.version} failed: {exc}") from exc
            applied.append(migration.version)
        return applied

    # -- writes ---------------------------------------------------------------------------

    def has_document(self, doc_id: str) -> bool:
        row = self._db.execute("SELECT 1 AS found FROM documents WHERE id = %s", (doc_id,))
        return row.fetchone() is not None

    def add_documents(
        self, documents: Sequence[NewDocument], captures: Sequence[Capture] = ()
    ) -> None:
        with self._transaction() as db:
            for new in documents:
                self._write_document(db, new)
            for capture in captures:
                self._write_capture(db, capture)

    def _write_document(self, db: psycopg.Connection[DictRow], new: NewDocument) -> None:
        r = new.record
        inserted = db.execute(
            "INSERT INTO documents (id, size, media_type, status, title, extractor, charset,"
            " error, warnings, full_text, extracted_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
            (
                r.id,
                r.size,
                r.media_type,
                r.status.value,
                _optional_text(r.title),
                r.extractor,
                r.charset,
                _optional_text(r.error),
                json.dumps(new.warnings, ensure_ascii=False),
                _optional_text(new.full_text),
                _time(r.extracted_at),
            ),
        ).rowcount
        if inserted:
            with db.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO pages (doc_id, number, text, normalized, ocr)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    [
                        (r.id, p.number, _text(p.text), _text(p.normalized), int(p.ocr))
                        for p in new.pages
                    ],
                )
            if new.scan is not None:
                self._write_scan(db, r.id, new.scan)
            if new.facts is not None:
                facts_storage.write_facts(_facts_db(db), r.id, new.facts)
            self._write_mentions(db, r.id, new.vendor_mentions)
        self._write_capture(db, new.capture)

    def add_capture(self, capture: Capture) -> bool:
        with self._transaction() as db:
            return self._write_capture(db, capture)

    @staticmethod
    def _write_capture(db: psycopg.Connection[DictRow], c: Capture) -> bool:
        cursor = db.execute(
            "INSERT INTO captures (id, doc_id, kind, source, member, url, captured_at, size,"
            " media_type, http_status, headers, warc_file, warc_offset, warc_record_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO NOTHING",
            (
                c.id,
                c.doc_id,
                c.kind.value,
                _text(c.source),
                _text(c.member),
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
        with self._transaction() as db:
            db.execute(
                "INSERT INTO errors (id, source, member, reason, at) VALUES (%s, %s, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING",
                (
                    _content_id(error.source, error.member, error.reason, at),
                    _text(error.source),
                    _text(error.member),
                    _text(error.reason),
                    at,
                ),
            )

    def store_scan(self, doc_id: str, scan: ScanResult) -> None:
        with self._transaction() as db:
            self._write_scan(db, doc_id, scan)

    @staticmethod
    def _write_scan(db: psycopg.Connection[DictRow], doc_id: str, scan: ScanResult) -> None:
        db.execute("DELETE FROM flags WHERE doc_id = %s", (doc_id,))
        with db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO flags (doc_id, seq, rule, category, severity, signal, text, page,"
                " start_offset, end_offset, context, ruleset_version)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        doc_id,
                        seq,
                        f.rule,
                        f.category,
                        f.severity.value,
                        int(f.signal),
                        _text(f.text),
                        f.page,
                        f.start,
                        f.end,
                        _text(f.context),
                        f.ruleset_version,
                    )
                    for seq, f in enumerate(scan.flags)
                ],
            )
        db.execute(
            "INSERT INTO doc_scans (doc_id, risk, reasons, ruleset_version, scanned_at)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (doc_id) DO UPDATE SET"
            " risk = excluded.risk, reasons = excluded.reasons,"
            " ruleset_version = excluded.ruleset_version, scanned_at = excluded.scanned_at",
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
                facts_storage.delete_facts(_facts_db(db), doc_id)
            else:
                facts_storage.write_facts(_facts_db(db), doc_id, facts)
            self._write_mentions(db, doc_id, vendor_mentions)

    def store_processes(self, processes: Sequence[Process]) -> None:
        with self._transaction() as db:
            facts_storage.write_processes(_facts_db(db), processes)

    @staticmethod
    def _write_mentions(
        db: psycopg.Connection[DictRow], doc_id: str, mentions: Sequence[VendorMention]
    ) -> None:
        db.execute(
            "DELETE FROM vendor_matches WHERE mention_id IN"
            " (SELECT id FROM vendor_mentions WHERE doc_id = %s)",
            (doc_id,),
        )
        db.execute("DELETE FROM vendor_mentions WHERE doc_id = %s", (doc_id,))
        now = _now()
        with db.cursor() as cursor:
            for m in mentions:
                # The same mention may be found twice (a name in two facts): one row.
                cursor.execute(
                    "INSERT INTO vendor_mentions (id, doc_id, role, text, mention_key, page,"
                    " start_offset, end_offset) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (id) DO NOTHING",
                    (m.id, doc_id, m.role.value, _text(m.text), _text(m.mention_key), m.page,
                     m.start, m.end),
                )  # fmt: skip
                cursor.executemany(
                    "INSERT INTO vendor_matches (mention_id, entity_id, score, decision, features,"
                    " dataset_version, matched_at) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT DO NOTHING",
                    [
                        (m.id, x.entity_id, x.score, x.decision,
                         json.dumps(x.features, ensure_ascii=False), x.dataset_version, now)
                        for x in m.matches
                    ],
                )  # fmt: skip

    def add_vendor_judgement(self, judgement: Judgement) -> None:
        j = judgement
        with self._transaction() as db:
            db.execute(
                "INSERT INTO vendor_judgements (id, mention_key, mention, entity_id, verdict,"
                " reviewer, created_at, note) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING",
                (_content_id(j.mention_key, j.entity_id, j.user, j.created_at, j.verdict.value),
                 _text(j.mention_key), _text(j.mention), j.entity_id, j.verdict.value, j.user,
                 j.created_at, _optional_text(j.note)),
            )  # fmt: skip

    def add_decision(self, decision: Decision) -> None:
        d = decision
        at = _time(d.decided_at)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO decisions (id, doc_id, rule, status, note, reviewer, decided_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (
                    _content_id(d.doc_id, d.rule, d.reviewer, at),
                    d.doc_id,
                    d.rule,
                    d.status.value,
                    _text(d.note),
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
            "SELECT id FROM documents WHERE id >= %s AND id < %s ORDER BY id LIMIT 2",
            (prefix, prefix + "g"),
        ).fetchall()
        if not rows:
            raise DocumentNotFound(f"no document with id {prefix!r}; `tenderwatch ls` lists them")
        if len(rows) > 1:
            raise DocumentNotFound(f"id prefix {prefix!r} is ambiguous; give more characters")
        return str(rows[0]["id"])

    def document(self, doc_id: str) -> DocumentRecord:
        row = self._db.execute(
            f"SELECT {_DOC_COLUMNS} FROM {_DOC_FROM} WHERE d.id = %s", (doc_id,)
        ).fetchone()
        if row is None:
            raise DocumentNotFound(f"no document with id {doc_id!r}")
        return DocumentRecord.model_validate(row)

    def extraction(self, doc_id: str) -> Extraction:
        record = self.document(doc_id)
        row = self._db.execute(
            "SELECT full_text, warnings::json AS warnings FROM documents WHERE id = %s", (doc_id,)
        ).fetchone()
        assert row is not None  # not an error path: document() above found the row
        return Extraction(
            media_type=record.media_type,
            extractor=record.extractor or "",
            status=record.status,
            pages=[Page(number=p.number, text=p.text, ocr=p.ocr) for p in self.pages(doc_id)],
            title=record.title,
            full_text=row["full_text"],
            charset=record.charset,
            error=record.error,
            warnings=row["warnings"],
        )

    def pages(self, doc_id: str) -> list[StoredPage]:
        rows = self._db.execute(
            "SELECT number, text, normalized, ocr <> 0 AS ocr FROM pages WHERE doc_id = %s"
            " ORDER BY number",
            (doc_id,),
        )
        return [StoredPage.model_validate(r) for r in rows]

    def captures(self, doc_id: str) -> list[Capture]:
        rows = self._db.execute(
            "SELECT doc_id, kind, source, member, url, captured_at, size, media_type,"
            " http_status, headers::json AS headers, warc_file, warc_offset, warc_record_id"
            " FROM captures WHERE doc_id = %s ORDER BY captured_at, id",
            (doc_id,),
        )
        return [Capture.model_validate(r) for r in rows]

    def flags(self, doc_id: str) -> list[Flag]:
        rows = self._db.execute(
            "SELECT rule, category, severity, signal <> 0 AS signal, text, page,"
            " start_offset AS start, end_offset AS end, context, ruleset_version"
            " FROM flags WHERE doc_id = %s ORDER BY seq",
            (doc_id,),
        )
        return [Flag.model_validate(r) for r in rows]

    def latest_scan(self, doc_id: str) -> DocumentScan | None:
        row = self._db.execute(
            "SELECT doc_id, risk, reasons::json AS reasons, ruleset_version, scanned_at"
            " FROM doc_scans WHERE doc_id = %s",
            (doc_id,),
        ).fetchone()
        return None if row is None else DocumentScan.model_validate(row)

    def decisions(self, doc_id: str) -> list[Decision]:
        rows = self._db.execute(
            "SELECT doc_id, rule, status, note, reviewer, decided_at FROM decisions"
            " WHERE doc_id = %s ORDER BY decided_at, id",
            (doc_id,),
        )
        return [Decision.model_validate(r) for r in rows]

    def facts(self, doc_id: str) -> NoticeFacts | None:
        return facts_storage.read_facts(_facts_db(self._db), doc_id)

    def all_facts(self) -> Iterator[tuple[str, NoticeFacts]]:
        return iter(list(facts_storage.stored_facts(_facts_db(self._db))))

    def vendor_mentions(self, doc_id: str) -> list[VendorMention]:
        rows = self._db.execute(
            "SELECT m.doc_id, m.id, m.role, m.text, m.mention_key, m.page, m.start_offset AS start,"
            " m.end_offset AS end, x.dataset_version, x.entity_id, x.score, x.decision,"
            " x.features::json AS features"
            " FROM vendor_mentions m LEFT JOIN vendor_matches x ON x.mention_id = m.id"
            " WHERE m.doc_id = %s ORDER BY m.start_offset, m.end_offset, m.id, x.score DESC,"
            " x.entity_id",
            (doc_id,),
        )
        mentions: dict[str, VendorMention] = {}
        for r in rows:
            mention = mentions.get(r["id"])
            if mention is None:
                mention = mentions[r["id"]] = VendorMention.model_validate(r)
            if r["entity_id"] is not None:
                mention.matches.append(VendorMatch.model_validate(r))
        return list(mentions.values())

    def vendor_procurements(self) -> list[VendorProcurements]:
        rows = self._db.execute(
            "SELECT x.entity_id, count(DISTINCT m.doc_id) AS documents,"
            " count(DISTINCT fl.doc_id) AS flagged_documents, count(DISTINCT m.id) AS mentions"
            " FROM vendor_matches x JOIN vendor_mentions m ON m.id = x.mention_id"
            " LEFT JOIN flags fl ON fl.doc_id = m.doc_id AND fl.signal = 0"
            " WHERE x.decision = 'match' GROUP BY x.entity_id ORDER BY 2 DESC, 1"
        )
        return [VendorProcurements.model_validate(r) for r in rows]

    def vendor_judgements(self) -> list[Judgement]:
        from ..vendors.judgements import Judgement

        rows = self._db.execute(
            "SELECT mention_key, mention, entity_id, verdict, reviewer AS user, created_at, note"
            " FROM vendor_judgements WHERE deleted_at IS NULL ORDER BY created_at, id"
        )
        return [Judgement.model_validate(r) for r in rows]

    def document_ids(self) -> Iterator[str]:
        # Materialised so callers may write (re-scan) while iterating.
        ids = [r["id"] for r in self._db.execute("SELECT id FROM documents ORDER BY id")]
        return iter(ids)

    def count_documents(self) -> int:
        return self._count("SELECT count(*) AS n FROM documents")

    def _count(self, sql: str) -> int:
        row = self._db.execute(sql).fetchone()
        assert row is not None  # count(*) always returns one row
        return int(row["n"])

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
        where: list[str] = ["TRUE"]
        params: list[object] = []
        for column, values in (
            ("d.status", status),
            ("s.risk", risk),
            ("d.media_type", media_type),
        ):
            if values:
                where.append(f"{column} = ANY(%s)")
                params.append(list(values))
        if region:
            from ..review import region_prefix

            where.append(
                "EXISTS (SELECT 1 FROM notice_facts nf WHERE nf.doc_id = d.id"
                " AND nf.buyer_division LIKE %s)"
            )
            params.append(_like(region_prefix(region)).removeprefix("%"))
        if vendor:
            where.append(
                "(EXISTS (SELECT 1 FROM vendor_mentions m JOIN vendor_matches x"
                " ON x.mention_id = m.id WHERE m.doc_id = d.id AND x.decision = 'match'"
                " AND x.entity_id = %s) OR EXISTS (SELECT 1 FROM fact_values v"
                " WHERE v.doc_id = d.id AND v.field = 'supplier' AND v.value = %s))"
            )
            params += [vendor, vendor]
        sql = (
            f"SELECT {_DOC_COLUMNS} FROM {_DOC_FROM} WHERE {' AND '.join(where)}"
            " ORDER BY d.extracted_at DESC, d.id"
        )
        if limit is not None:
            sql += " LIMIT %s"
            params.append(limit)
        return [DocumentRecord.model_validate(r) for r in self._db.execute(sql, params)]

    def stats(self) -> StoreStats:
        def counts(sql: str) -> dict[str, int]:
            return {str(r["k"]): int(r["n"]) for r in self._db.execute(sql)}

        recent = self._db.execute(
            "SELECT source, member, reason, at FROM errors ORDER BY at DESC LIMIT 20"
        )
        return StoreStats(
            documents=self._count("SELECT count(*) AS n FROM documents"),
            pages=self._count("SELECT count(*) AS n FROM pages"),
            captures=self._count("SELECT count(*) AS n FROM captures"),
            errors=self._count("SELECT count(*) AS n FROM errors"),
            by_status=counts(
                "SELECT status AS k, count(*) AS n FROM documents GROUP BY 1 ORDER BY 2 DESC"
            ),
            by_media_type=counts(
                "SELECT media_type AS k, count(*) AS n FROM documents GROUP BY 1 ORDER BY 2 DESC"
            ),
            by_risk=counts(
                f"SELECT coalesce(s.risk, 'unscanned') AS k, count(*) AS n FROM {_DOC_FROM}"
                " GROUP BY 1 ORDER BY 2 DESC"
            ),
            recent_errors=[InputError.model_validate(r) for r in recent],
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
            r["id"]: DocumentRecord.model_validate(r)
            for r in self._db.execute(
                f"SELECT {_DOC_COLUMNS} FROM {_DOC_FROM} WHERE d.id = ANY(%s)", (ids,)
            )
        }
        # Snippets come from the first three matching pages of each document.
        wanted = {(doc_id, n) for doc_id, pages, _ in ranked for n in pages[:3]}
        texts = {
            (r["doc_id"], r["number"]): (r["text"], r["normalized"])
            for r in self._db.execute(
                "SELECT doc_id, number, text, normalized FROM pages"
                " WHERE doc_id = ANY(%s) AND number = ANY(%s)",
                (ids, sorted({n for _, n in wanted})),
            )
            if (r["doc_id"], r["number"]) in wanted
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
        """Pages whose normalized text contains every term, scored by how often the terms
        occur. The trigram GIN index serves the LIKE filters of terms of 3+ characters.
        Trigrams cannot narrow 1-2 character terms, so a query made only of those walks
        pages newest first and stops after a few per wanted document, as on SQLite (a full
        scan only when the terms are rare)."""
        terms = [_text(t) for t in plan.terms]
        occurrences = " + ".join(
            "(char_length(p.normalized) - char_length(replace(p.normalized, %s, '')))"
            " / char_length(%s)"
            for _ in terms
        )
        matches = " AND ".join("p.normalized LIKE %s" for _ in terms)
        params: list[object] = [value for t in terms for value in (t, t)]
        params += [_like(t) for t in terms]
        if plan.long_terms:
            order, params = "score DESC, p.id DESC", [*params, max(limit * 10, 100)]
        else:
            order, params = "p.id DESC", [*params, limit * 3]
        try:
            rows = self._db.execute(
                f"SELECT p.doc_id, p.number, {occurrences} AS score FROM pages p"
                f" WHERE {matches} ORDER BY {order} LIMIT %s",
                params,
            ).fetchall()
        except psycopg.Error as exc:
            raise StoreError(f"search failed: {exc}") from exc
        return [
            PageMatch(doc_id=r["doc_id"], page=r["number"], score=float(r["score"])) for r in rows
        ]


BACKENDS.add("postgresql", PostgresStore.from_settings)
BACKENDS.add("postgres", PostgresStore.from_settings)  # libpq accepts both URL schemes
