"""Writing facts and processes to the tables of migrations 0005_facts.sql and
0007_process_keys.sql.

Functions take an open DB-API connection with ``?`` parameters (sqlite3) inside the
caller's transaction, so the ingest pipeline stores a document's facts in the same
commit as the document. Writing replaces what was stored for the document: re-reading
the same bytes stores the same rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from pydantic import ValidationError

from .model import DateRole, NoticeFacts, Source
from .processes import Process, link_keys, link_processes

Row = tuple[Any, ...]


def _insert(table: str, columns: str) -> str:
    count = len(columns.split(","))
    return f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * count)})"


def _source(source: Source) -> Row:
    return (source.page, source.start, source.end, source.text)


def value_rows(facts: NoticeFacts) -> Iterator[Row]:
    """(field, value, currency, lot, error, page, start, end, original) per value."""
    for name in (
        "notice_type",
        "project_code",
        "project_name",
        "buyer",
        "buyer_address",
        "agency",
        "delivery_place",
    ):
        fact = getattr(facts, name)
        if fact is not None:
            yield (name, str(fact.value), None, None, None, *_source(fact.source))
    for supplier in facts.suppliers:
        yield ("supplier", supplier.value, None, None, None, *_source(supplier.source))
    for amount in facts.amounts:
        value = None if amount.value is None else str(amount.value)
        yield (
            f"amount.{amount.role}",
            value,
            amount.currency,
            amount.lot,
            amount.error,
            *_source(amount.source),
        )
    for when in facts.dates:
        value = None if when.value is None else when.value.isoformat()
        yield (f"date.{when.role}", value, None, None, when.error, *_source(when.source))
    for region in facts.regions:
        yield (
            f"region.{region.role}",
            region.division.code,
            None,
            None,
            None,
            *_source(region.source),
        )


def delete_facts(db: sqlite3.Connection, doc_id: str) -> None:
    for table in ("fact_values", "fact_items", "fact_products", "notice_facts"):
        db.execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))


def write_facts(db: sqlite3.Connection, doc_id: str, facts: NoticeFacts) -> None:
    """Replace the stored facts of ``doc_id`` (call inside the ingest transaction)."""
    delete_facts(db, doc_id)
    buyer_region = next((r for r in facts.regions if r.role == "buyer"), None)
    published = facts.date_of(DateRole.PUBLICATION)
    db.execute(
        _insert(
            "notice_facts",
            "doc_id, notice_type, project_code, project_name, buyer, agency, buyer_division,"
            " autonomous, published, facts, extractor_version",
        ),
        (
            doc_id,
            facts.notice_type.value.value if facts.notice_type else None,
            facts.project_code.value if facts.project_code else None,
            facts.project_name.value if facts.project_name else None,
            facts.buyer.value if facts.buyer else None,
            facts.agency.value if facts.agency else None,
            buyer_region.division.code if buyer_region else None,
            int(any(r.autonomous for r in facts.regions)),
            published.value.isoformat() if published and published.value else None,
            facts.model_dump_json(),
            facts.extractor_version,
        ),
    )
    db.executemany(
        _insert(
            "fact_values",
            "doc_id, seq, field, value, currency, lot, error, page, start_offset, end_offset,"
            " original",
        ),
        [(doc_id, seq, *row) for seq, row in enumerate(value_rows(facts))],
    )
    db.executemany(
        _insert(
            "fact_items",
            "doc_id, seq, name, brand, model, quantity, unit, unit_price, total_price, lot, page,"
            " start_offset, end_offset",
        ),
        [
            (doc_id, seq, i.name, i.brand, i.model, _text(i.quantity), i.unit, _text(i.unit_price),
             _text(i.total_price), i.lot, i.source.page, i.source.start, i.source.end)
            for seq, i in enumerate(facts.items)
        ],
    )  # fmt: skip
    db.executemany(
        _insert(
            "fact_products",
            "doc_id, seq, maker, family, model, pattern, page, start_offset, end_offset, original",
        ),
        [
            (doc_id, seq, p.maker, p.family, p.model, p.pattern, *_source(p.source))
            for seq, p in enumerate(facts.products)
        ],
    )


def _parse(data: str) -> NoticeFacts | None:
    # Facts written by an older model version no longer validate; they are machine output
    # that `tenderwatch scan` re-reads from the stored text, so they count as absent.
    try:
        return NoticeFacts.model_validate_json(data)
    except ValidationError:
        return None


def read_facts(db: sqlite3.Connection, doc_id: str) -> NoticeFacts | None:
    row = db.execute("SELECT facts FROM notice_facts WHERE doc_id = ?", (doc_id,)).fetchone()
    return None if row is None else _parse(row[0])


def stored_facts(db: sqlite3.Connection) -> Iterator[tuple[str, NoticeFacts]]:
    """Every document's facts in id order (facts that no longer validate are left out)."""
    for doc_id, data in db.execute("SELECT doc_id, facts FROM notice_facts ORDER BY doc_id"):
        facts = _parse(data)
        if facts is not None:
            yield doc_id, facts


def write_processes(db: sqlite3.Connection, processes: Iterable[Process]) -> None:
    """Replace all processes. The notices' link keys go too: :func:`link_notices` finds
    none and re-links every stored notice, which writes them again."""
    db.execute("DELETE FROM process_keys")
    db.execute("DELETE FROM process_notices")
    db.execute("DELETE FROM processes")
    _insert_processes(db, processes)


def relink(db: sqlite3.Connection) -> int:
    """Link every stored notice into processes from scratch; returns how many processes.
    For when facts were re-read (a re-scan); ingest links incrementally."""
    notices = list(stored_facts(db))
    processes = link_processes(notices)
    write_processes(db, processes)
    _insert_keys(db, notices)
    return len(processes)


def unlinked_facts(db: sqlite3.Connection) -> list[tuple[str, NoticeFacts]]:
    """Facts of the notices not linked yet (no stored link key), in id order: those stored
    since the last link, including by a run killed before it linked."""
    rows = db.execute(
        "SELECT f.doc_id, f.facts FROM notice_facts f WHERE NOT EXISTS"
        " (SELECT 1 FROM process_keys k WHERE k.doc_id = f.doc_id) ORDER BY f.doc_id"
    )
    return [(doc_id, facts) for doc_id, data in rows if (facts := _parse(data)) is not None]


def link_notices(db: sqlite3.Connection, notices: Sequence[tuple[str, NoticeFacts]]) -> int:
    """Link newly stored notices into processes, in the caller's transaction; returns how
    many. Only the processes that share a key with them are read and rewritten (with every
    notice they hold), so the cost follows the new notices and the processes they join, not
    the archive; the result equals :func:`relink` (tests check that). An archive whose
    notices have no stored keys yet (linked before migration 0007) is re-linked whole, once."""
    if not notices:
        return 0
    if db.execute("SELECT 1 FROM process_keys LIMIT 1").fetchone() is None:
        relink(db)
        return len(notices)
    keys = sorted({key for _, facts in notices for key in link_keys(facts)})
    joined: set[str] = set()
    for chunk in _chunks(keys):
        joined.update(
            row[0]
            for row in db.execute(
                "SELECT DISTINCT n.process_id FROM process_keys k"
                " JOIN process_notices n ON n.doc_id = k.doc_id"
                f" WHERE k.link_key IN ({_marks(chunk)})",
                chunk,
            )
        )
    new_ids = {doc_id for doc_id, _ in notices}
    members = list(notices)
    for chunk in _chunks(sorted(joined)):
        for doc_id, data in db.execute(
            "SELECT f.doc_id, f.facts FROM process_notices n"
            " JOIN notice_facts f ON f.doc_id = n.doc_id"
            f" WHERE n.process_id IN ({_marks(chunk)})",
            chunk,
        ):
            facts = _parse(data)
            if facts is not None and doc_id not in new_ids:
                members.append((doc_id, facts))
        db.execute(f"DELETE FROM process_notices WHERE process_id IN ({_marks(chunk)})", chunk)
        db.execute(f"DELETE FROM processes WHERE id IN ({_marks(chunk)})", chunk)
    # In id order, as relink reads them: a process takes its buyer and title from the
    # first member that has one.
    members.sort(key=lambda member: member[0])
    _insert_keys(db, notices)
    _insert_processes(db, link_processes(members))
    return len(notices)


def _insert_keys(db: sqlite3.Connection, notices: Iterable[tuple[str, NoticeFacts]]) -> None:
    # A notice without keys gets its own 'doc:' row, which no other notice can share: every
    # linked notice has a row, so a notice without one is not linked yet.
    db.executemany(
        "INSERT INTO process_keys (link_key, doc_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [
            (key, doc_id)
            for doc_id, facts in notices
            for key in (link_keys(facts) or ["doc:" + doc_id])
        ],
    )


def _insert_processes(db: sqlite3.Connection, processes: Iterable[Process]) -> None:
    for process in processes:
        db.execute(
            _insert("processes", "id, link_key, project_code, buyer, title, stage"),
            (process.id, process.key, process.project_code, process.buyer, process.title,
             process.stage.value if process.stage else None),
        )  # fmt: skip
        db.executemany(
            _insert("process_notices", "process_id, doc_id, notice_type, published"),
            [
                (process.id, n.doc_id, n.notice_type.value if n.notice_type else None,
                 n.published.isoformat() if n.published else None)
                for n in process.notices
            ],
        )  # fmt: skip


# Bound parameters per statement stay far below SQLite's and PostgreSQL's limits.
_CHUNK = 500


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _marks(values: Sequence[str]) -> str:
    return ", ".join("?" * len(values))


def _text(value: object) -> str | None:
    return None if value is None else str(value)
