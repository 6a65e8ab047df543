"""Writing facts and processes to the tables of migrations 0005_facts.sql and
0007_notice_links.sql (linking itself is in :mod:`tenderwatch.facts.linking`).

Functions take an open DB-API connection with ``?`` parameters (sqlite3) inside the
caller's transaction, so the ingest pipeline stores a document's facts in the same
commit as the document. Writing replaces what was stored for the document: re-reading
the same bytes stores the same rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from .linking import notice_type_of, published_of, write_link
from .model import NoticeFacts, Source

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
    for table in ("fact_values", "fact_items", "fact_products", "notice_links", "notice_facts"):
        db.execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))


def write_facts(db: sqlite3.Connection, doc_id: str, facts: NoticeFacts) -> None:
    """Replace the stored facts of ``doc_id`` (call inside the caller's transaction)."""
    delete_facts(db, doc_id)
    insert_facts(db, doc_id, facts)


def insert_facts(db: sqlite3.Connection, doc_id: str, facts: NoticeFacts) -> None:
    """Store the facts of a document that has none yet (a new document, in ingest)."""
    write_link(db, doc_id, facts)
    buyer_region = next((r for r in facts.regions if r.role == "buyer"), None)
    db.execute(
        _insert(
            "notice_facts",
            "doc_id, notice_type, project_code, project_name, buyer, agency, buyer_division,"
            " autonomous, published, facts, extractor_version",
        ),
        (
            doc_id,
            notice_type_of(facts),
            facts.project_code.value if facts.project_code else None,
            facts.project_name.value if facts.project_name else None,
            facts.buyer.value if facts.buyer else None,
            facts.agency.value if facts.agency else None,
            buyer_region.division.code if buyer_region else None,
            int(any(r.autonomous for r in facts.regions)),
            published_of(facts),
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


def _text(value: object) -> str | None:
    return None if value is None else str(value)
