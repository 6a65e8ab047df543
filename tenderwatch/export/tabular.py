"""CSV, JSON Lines and XLSX of documents, facts, items, products and flags."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from ..facts.storage import value_rows
from .base import EXPORTERS, ExportBundle, Exporter, Table

Rows = Callable[[ExportBundle], Iterator[list[Any]]]


def _documents(bundle: ExportBundle) -> Iterator[list[Any]]:
    processes = bundle.process_of()
    for r in bundle.records:
        f = r.facts
        region = next((x for x in f.regions if x.role == "buyer"), None) if f else None
        yield [
            r.doc_id, r.title, r.media_type, r.risk.value if r.risk else None,
            f.notice_type.value.value if f and f.notice_type else None,
            f.project_code.value if f and f.project_code else None,
            f.buyer.value if f and f.buyer else None,
            region.division.code if region else None,
            " > ".join(d.name for d in region.path) if region else None,
            int(any(x.autonomous for x in f.regions)) if f else None,
            processes[r.doc_id].id if r.doc_id in processes else None,
            len(r.flags),
        ]  # fmt: skip


def _facts(bundle: ExportBundle) -> Iterator[list[Any]]:
    for r in bundle.records:
        if r.facts is not None:
            for row in value_rows(r.facts):
                yield [r.doc_id, *row]


def _items(bundle: ExportBundle) -> Iterator[list[Any]]:
    for r in bundle.records:
        for i in r.facts.items if r.facts else []:
            yield [
                r.doc_id, i.name, i.brand, i.model, _num(i.quantity), i.unit, _num(i.unit_price),
                _num(i.total_price), i.lot, i.source.page, i.source.start, i.source.end,
            ]  # fmt: skip


def _products(bundle: ExportBundle) -> Iterator[list[Any]]:
    for r in bundle.records:
        for p in r.facts.products if r.facts else []:
            s = p.source
            yield [r.doc_id, p.maker, p.family, p.model, p.pattern, s.page, s.start, s.end, s.text]


def _flags(bundle: ExportBundle) -> Iterator[list[Any]]:
    for r in bundle.records:
        for f in r.flags:
            yield [
                r.doc_id, f.rule, f.category, f.severity.value, int(f.signal), f.page, f.start,
                f.end, f.text, f.ruleset_version,
            ]  # fmt: skip


def _num(value: object) -> str | None:
    return None if value is None else str(value)


TABLES: dict[Table, tuple[list[str], Rows]] = {
    Table.DOCUMENTS: (
        ["doc_id", "title", "media_type", "risk", "notice_type", "project_code", "buyer",
         "buyer_division", "buyer_region", "autonomous", "process_id", "flags"],
        _documents,
    ),
    Table.FACTS: (
        ["doc_id", "field", "value", "currency", "lot", "error", "page", "start", "end",
         "original"],
        _facts,
    ),
    Table.ITEMS: (
        ["doc_id", "name", "brand", "model", "quantity", "unit", "unit_price", "total_price", "lot",
         "page", "start", "end"],
        _items,
    ),
    Table.PRODUCTS: (
        ["doc_id", "maker", "family", "model", "pattern", "page", "start", "end", "original"],
        _products,
    ),
    Table.FLAGS: (
        ["doc_id", "rule", "category", "severity", "signal", "page", "start", "end", "text",
         "ruleset_version"],
        _flags,
    ),
}  # fmt: skip


def write_csv(bundle: ExportBundle, out: BinaryIO, table: Table) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")  # BOM: Excel reads UTF-8
    writer = csv.writer(text)
    columns, rows = TABLES[table]
    writer.writerow(columns)
    writer.writerows([_cell(v) for v in row] for row in rows(bundle))
    text.flush()
    text.detach()


def write_jsonl(bundle: ExportBundle, out: BinaryIO, table: Table) -> None:
    """One line per document: the document, its facts, flags and process id."""
    processes = bundle.process_of()
    for record in bundle.records:
        line = record.model_dump(mode="json") | {
            "process_id": processes[record.doc_id].id if record.doc_id in processes else None
        }
        out.write(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")


def write_xlsx(bundle: ExportBundle, out: BinaryIO, table: Table) -> None:
    """Every table, one sheet each (the ``table`` choice does not apply)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, (columns, rows) in TABLES.items():
        sheet = book.create_sheet(name.value)
        sheet.append(columns)
        for row in rows(bundle):
            sheet.append([_cell(v) for v in row])
    book.save(out)


def _cell(value: Any) -> Any:
    # a cell starting with = + - @ would run as a formula in a spreadsheet: quote it
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


EXPORTERS.add("csv", Exporter("csv", ".csv", "one table (--table) as UTF-8 CSV", write_csv))
EXPORTERS.add("jsonl", Exporter("jsonl", ".jsonl", "documents with facts and flags", write_jsonl))
EXPORTERS.add("xlsx", Exporter("xlsx", ".xlsx", "every table, one sheet each", write_xlsx))
