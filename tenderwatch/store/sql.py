"""What the SQL backends share. SQLite and PostgreSQL hold the same tables (``migrations/``),
so every write and every read but the page search is written once here, with ``?``
parameters and plain tuple rows. A backend supplies only what truly differs: its
connection (``_sql``: sqlite3 itself, or the adapter in ``postgres`` that speaks sqlite3's
dialect of the DB-API on psycopg), its transactions, its migrations and which pages match a
search.

Rows become records through ``model_validate`` on ``{column label: value}``, so pydantic
does the conversions (ISO text to datetime, text to enum, 0/1 to bool); JSON columns are
TEXT in both schemas and decoded here.
"""

from __future__ import annotations

import json
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from ..facts import linking as facts_linking
from ..facts import storage as facts_storage
from ..facts.model import NoticeFacts
from ..model import Extraction, Flag, Page, ScanResult
from .base import (
    Capture,
    Decision,
    DocumentNotFound,
    DocumentRecord,
    DocumentScan,
    InputError,
    NewDocument,
    SearchHit,
    StoredPage,
    StoreStats,
    VendorMatch,
    VendorMention,
    VendorProcurements,
    judgement_id,
    stored_now,
    stored_time,
)
from .search import PageMatch, SearchPlan, plan_search, rank_documents, snippets_for

if TYPE_CHECKING:
    from ..vendors.judgements import Judgement

DOC_COLUMNS = (
    "d.id, d.size, d.media_type, d.status, d.title, d.extractor, d.charset, d.error,"
    " d.extracted_at, s.risk"
)
DOC_FROM = "documents d LEFT JOIN doc_scans s ON s.doc_id = d.id"


def _in(column: str, values: Sequence[object]) -> str:
    return f"{column} IN ({', '.join('?' for _ in values)})"


def _like_prefix(prefix: str) -> str:
    """A ``LIKE … ESCAPE '\\'`` pattern for text starting with ``prefix``."""
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _dicts(cursor: sqlite3.Cursor, *json_columns: str) -> Iterator[dict[str, Any]]:
    """Rows as ``{column label: value}``, with the named JSON text columns decoded."""
    names = [column[0] for column in cursor.description]
    for row in cursor:
        values = dict(zip(names, row, strict=True))
        for name in json_columns:
            values[name] = json.loads(values[name])
        yield values


class SQLStore(ABC):
    """The backend-independent part of a :class:`~tenderwatch.store.base.Store` on SQL."""

    # Reads outside a transaction go through this connection (or its adapter).
    _sql: sqlite3.Connection

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction: committed on exit, rolled back on an exception."""

    @abstractmethod
    def _matching_pages(self, plan: SearchPlan, *, limit: int) -> list[PageMatch]:
        """Pages containing every term of ``plan``, best first, at most about ``limit * 10``."""

    def _records(self, sql: str, params: Iterable[object] = (), *json: str) -> Iterator[Any]:
        return _dicts(self._sql.execute(sql, tuple(params)), *json)

    def _count(self, sql: str) -> int:
        return int(self._sql.execute(sql).fetchone()[0])

    # -- writes ---------------------------------------------------------------------------

    def has_document(self, doc_id: str) -> bool:
        row = self._sql.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone()
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
                stored_time(r.extracted_at),
            ),
        ).rowcount
        if inserted:
            db.executemany(
                "INSERT INTO pages (doc_id, number, text, normalized, ocr) VALUES (?, ?, ?, ?, ?)",
                [(r.id, p.number, p.text, p.normalized, int(p.ocr)) for p in new.pages],
            )
            # A new document has no flags, facts or mentions to replace.
            if new.scan is not None:
                self._insert_scan(db, r.id, new.scan)
            if new.facts is not None:
                facts_storage.insert_facts(db, r.id, new.facts)
            self._insert_mentions(db, r.id, new.vendor_mentions)
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
                stored_time(c.captured_at),
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
        e = error
        with self._transaction() as db:
            db.execute(
                "INSERT INTO errors (id, source, member, reason, at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                (e.id, e.source, e.member, e.reason, stored_time(e.at)),
            )

    def store_scan(self, doc_id: str, scan: ScanResult) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM flags WHERE doc_id = ?", (doc_id,))
            self._insert_scan(db, doc_id, scan)

    @staticmethod
    def _insert_scan(db: sqlite3.Connection, doc_id: str, scan: ScanResult) -> None:
        """The flags of a document that has none stored, and its risk (replaced)."""
        db.executemany(
            "INSERT INTO flags (doc_id, seq, rule, category, severity, signal, text, page,"
            " start_offset, end_offset, context, ruleset_version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (doc_id, seq, f.rule, f.category, f.severity.value, int(f.signal), f.text,
                 f.page, f.start, f.end, f.context, f.ruleset_version)
                for seq, f in enumerate(scan.flags)
            ],
        )  # fmt: skip
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
                stored_now(),
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
            db.execute("DELETE FROM flags WHERE doc_id = ?", (doc_id,))
            self._insert_scan(db, doc_id, scan)
            if facts is None:
                facts_storage.delete_facts(db, doc_id)
            else:
                facts_storage.write_facts(db, doc_id, facts)
            db.execute(
                "DELETE FROM vendor_matches WHERE mention_id IN"
                " (SELECT id FROM vendor_mentions WHERE doc_id = ?)",
                (doc_id,),
            )
            db.execute("DELETE FROM vendor_mentions WHERE doc_id = ?", (doc_id,))
            self._insert_mentions(db, doc_id, vendor_mentions)

    def bulk_writes(self) -> AbstractContextManager[None]:
        return nullcontext()  # PostgreSQL's checkpoints are its own processes' work

    def link_new_notices(self) -> int:
        with self._transaction() as db:
            return facts_linking.link_new(db)

    def relink_processes(self) -> int:
        with self._transaction() as db:
            return facts_linking.relink(db)[0]

    @staticmethod
    def _insert_mentions(
        db: sqlite3.Connection, doc_id: str, mentions: Sequence[VendorMention]
    ) -> None:
        now = stored_now()
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
        with self._transaction() as db:
            db.execute(
                "INSERT INTO vendor_judgements (id, mention_key, mention, entity_id, verdict,"
                " reviewer, created_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                (judgement_id(j), j.mention_key, j.mention, j.entity_id, j.verdict.value, j.user,
                 j.created_at, j.note),
            )  # fmt: skip

    def add_decision(self, decision: Decision) -> None:
        d = decision
        with self._transaction() as db:
            db.execute(
                "INSERT INTO decisions (id, doc_id, rule, status, note, reviewer, decided_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (d.id, d.doc_id, d.rule, d.status.value, d.note, d.reviewer,
                 stored_time(d.decided_at)),
            )  # fmt: skip

    # -- reads ----------------------------------------------------------------------------

    def resolve_id(self, id_or_prefix: str) -> str:
        prefix = id_or_prefix.strip().lower()
        if not prefix or any(c not in "0123456789abcdef" for c in prefix):
            raise DocumentNotFound(f"{id_or_prefix!r} is not a document id (hex sha256 or prefix)")
        rows = self._sql.execute(
            "SELECT id FROM documents WHERE id >= ? AND id < ? ORDER BY id LIMIT 2",
            (prefix, prefix + "g"),
        ).fetchall()
        if not rows:
            raise DocumentNotFound(f"no document with id {prefix!r}; `tenderwatch ls` lists them")
        if len(rows) > 1:
            raise DocumentNotFound(f"id prefix {prefix!r} is ambiguous; give more characters")
        return str(rows[0][0])

    def document(self, doc_id: str) -> DocumentRecord:
        for row in self._records(f"SELECT {DOC_COLUMNS} FROM {DOC_FROM} WHERE d.id = ?", [doc_id]):
            return DocumentRecord.model_validate(row)
        raise DocumentNotFound(f"no document with id {doc_id!r}")

    def extraction(self, doc_id: str) -> Extraction:
        record = self.document(doc_id)
        full_text, warnings = self._sql.execute(
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
        rows = self._records(
            "SELECT number, text, normalized, ocr <> 0 AS ocr FROM pages WHERE doc_id = ?"
            " ORDER BY number",
            [doc_id],
        )
        return [StoredPage.model_validate(r) for r in rows]

    def captures(self, doc_id: str) -> list[Capture]:
        rows = self._records(
            "SELECT doc_id, kind, source, member, url, captured_at, size, media_type,"
            " http_status, headers, warc_file, warc_offset, warc_record_id"
            " FROM captures WHERE doc_id = ? ORDER BY captured_at, id",
            [doc_id],
            "headers",
        )
        return [Capture.model_validate(r) for r in rows]

    def flags(self, doc_id: str) -> list[Flag]:
        rows = self._records(
            "SELECT rule, category, severity, signal <> 0 AS signal, text, page,"
            ' start_offset AS "start", end_offset AS "end", context, ruleset_version'
            " FROM flags WHERE doc_id = ? ORDER BY seq",
            [doc_id],
        )
        return [Flag.model_validate(r) for r in rows]

    def latest_scan(self, doc_id: str) -> DocumentScan | None:
        rows = self._records(
            "SELECT doc_id, risk, reasons, ruleset_version, scanned_at FROM doc_scans"
            " WHERE doc_id = ?",
            [doc_id],
            "reasons",
        )
        return next((DocumentScan.model_validate(r) for r in rows), None)

    def decisions(self, doc_id: str) -> list[Decision]:
        rows = self._records(
            "SELECT doc_id, rule, status, note, reviewer, decided_at FROM decisions"
            " WHERE doc_id = ? ORDER BY decided_at, id",
            [doc_id],
        )
        return [Decision.model_validate(r) for r in rows]

    def facts(self, doc_id: str) -> NoticeFacts | None:
        return facts_storage.read_facts(self._sql, doc_id)

    def vendor_mentions(self, doc_id: str) -> list[VendorMention]:
        rows = self._records(
            "SELECT m.doc_id, m.id, m.role, m.text, m.mention_key, m.page,"
            ' m.start_offset AS "start", m.end_offset AS "end", x.dataset_version, x.entity_id,'
            " x.score, x.decision, x.features"
            " FROM vendor_mentions m LEFT JOIN vendor_matches x ON x.mention_id = m.id"
            " WHERE m.doc_id = ? ORDER BY m.start_offset, m.end_offset, m.id, x.score DESC,"
            " x.entity_id",
            [doc_id],
        )
        mentions: dict[str, VendorMention] = {}
        for r in rows:
            mention = mentions.get(r["id"])
            if mention is None:
                mention = mentions[r["id"]] = VendorMention.model_validate(r)
            if r["entity_id"] is not None:
                mention.matches.append(
                    VendorMatch.model_validate({**r, "features": json.loads(r["features"])})
                )
        return list(mentions.values())

    def vendor_procurements(self) -> list[VendorProcurements]:
        rows = self._records(
            "SELECT x.entity_id, count(DISTINCT m.doc_id) AS documents,"
            " count(DISTINCT fl.doc_id) AS flagged_documents, count(DISTINCT m.id) AS mentions"
            " FROM vendor_matches x JOIN vendor_mentions m ON m.id = x.mention_id"
            " LEFT JOIN flags fl ON fl.doc_id = m.doc_id AND fl.signal = 0"
            " WHERE x.decision = 'match' GROUP BY x.entity_id ORDER BY 2 DESC, 1"
        )
        return [VendorProcurements.model_validate(r) for r in rows]

    def vendor_judgements(self) -> list[Judgement]:
        from ..vendors.judgements import Judgement

        rows = self._records(
            'SELECT mention_key, mention, entity_id, verdict, reviewer AS "user", created_at,'
            " note FROM vendor_judgements WHERE deleted_at IS NULL ORDER BY created_at, id"
        )
        return [Judgement.model_validate(r) for r in rows]

    def document_ids(self) -> Iterator[str]:
        # Materialised so callers may write (re-scan) while iterating.
        ids = [r[0] for r in self._sql.execute("SELECT id FROM documents ORDER BY id")]
        return iter(ids)

    def count_documents(self) -> int:
        return self._count("SELECT count(*) FROM documents")

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
        where: list[str] = ["1 = 1"]
        params: list[object] = []
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
                " AND nf.buyer_division LIKE ? ESCAPE '\\')"
            )
            params.append(_like_prefix(region_prefix(region)))
        if vendor:
            where.append(
                "(EXISTS (SELECT 1 FROM vendor_mentions m JOIN vendor_matches x"
                " ON x.mention_id = m.id WHERE m.doc_id = d.id AND x.decision = 'match'"
                " AND x.entity_id = ?) OR EXISTS (SELECT 1 FROM fact_values v"
                " WHERE v.doc_id = d.id AND v.field = 'supplier' AND v.value = ?))"
            )
            params += [vendor, vendor]
        sql = (
            f"SELECT {DOC_COLUMNS} FROM {DOC_FROM} WHERE {' AND '.join(where)}"
            " ORDER BY d.extracted_at DESC, d.id"
        )
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [DocumentRecord.model_validate(r) for r in self._records(sql, params)]

    def stats(self) -> StoreStats:
        def counts(sql: str) -> dict[str, int]:
            return {str(k): int(n) for k, n in self._sql.execute(sql)}

        recent = self._records(
            "SELECT source, member, reason, at FROM errors ORDER BY at DESC LIMIT 20"
        )
        return StoreStats(
            documents=self._count("SELECT count(*) FROM documents"),
            pages=self._count("SELECT count(*) FROM pages"),
            captures=self._count("SELECT count(*) FROM captures"),
            errors=self._count("SELECT count(*) FROM errors"),
            by_status=counts("SELECT status, count(*) FROM documents GROUP BY 1 ORDER BY 2 DESC"),
            by_media_type=counts(
                "SELECT media_type, count(*) FROM documents GROUP BY 1 ORDER BY 2 DESC"
            ),
            by_risk=counts(
                f"SELECT coalesce(s.risk, 'unscanned'), count(*) FROM {DOC_FROM}"
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
            for r in self._records(
                f"SELECT {DOC_COLUMNS} FROM {DOC_FROM} WHERE {_in('d.id', ids)}", ids
            )
        }
        # Snippets come from the first three matching pages of each document.
        wanted = {(doc_id, n) for doc_id, pages, _ in ranked for n in pages[:3]}
        numbers = sorted({n for _, n in wanted})
        texts = {
            (d, n): (t, nt)
            for d, n, t, nt in self._sql.execute(
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
