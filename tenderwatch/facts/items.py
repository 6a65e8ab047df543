"""Item lines from tables whose header names the goods (品名/品牌/规格型号/数量/单价 and
variants): one :class:`Item` per row, a 合计 row as the table's total."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from .amounts import parse_amount
from .labels import Labels, label_scale
from .layout import TOTAL_WORDS, Span, Table
from .model import Amount, AmountRole, Item, Source

_QUANTITY_RE = re.compile(r"^\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>[^\d\s]{1,4})?\s*$")
_DESCRIBING = {"quantity", "model", "brand", "unit_price"}


def is_item_table(table: Table, labels: Labels) -> bool:
    columns = {labels.item_column(c.text) for c in table.header}
    return "name" in columns and bool(columns & _DESCRIBING)


def read_items(
    table: Table, labels: Labels, source_of: Callable[[int, int], Source]
) -> tuple[list[Item], list[Amount]]:
    """Items of an item table, and the total row (if any) as an amount."""
    columns = [labels.item_column(c.text) for c in table.header]
    scales = [label_scale(c.text) for c in table.header]
    items: list[Item] = []
    totals: list[Amount] = []
    for row, lot in zip(table.rows, table.lots, strict=True):
        if not row or not any(c.text for c in row):
            continue
        source = source_of(row[0].start, row[-1].end)
        if row[0].text.casefold().startswith(TOTAL_WORDS) or (
            len(row) > 1 and row[1].text.casefold().startswith(TOTAL_WORDS)
        ):
            totals.extend(_total(row, columns, scales, lot, source_of))
            continue
        items.append(_item(row, columns, scales, lot, source))
    return items, totals


def _item(
    row: list[Span],
    columns: list[str | None],
    scales: list[Decimal | None],
    lot: str | None,
    source: Source,
) -> Item:
    item = Item(lot=lot, source=source)
    for column, scale, cell in zip(columns, scales, row, strict=False):
        if column is None or not cell.text:
            continue
        if column in ("unit_price", "total_price"):
            parsed = parse_amount(cell.text, scale)
            if parsed.error:
                item.errors.append(f"{column}: {parsed.error}")
            setattr(item, column, parsed.value)
        elif column == "quantity":
            match = _QUANTITY_RE.match(cell.text)
            if match is None:
                item.errors.append(f"quantity: not a number: {cell.text!r}")
                continue
            item.quantity = Decimal(match.group("n"))
            if match.group("unit") and item.unit is None:
                item.unit = match.group("unit")
        else:
            setattr(item, column, cell.text)
    return item


def _total(
    row: list[Span],
    columns: list[str | None],
    scales: list[Decimal | None],
    lot: str | None,
    source_of: Callable[[int, int], Source],
) -> list[Amount]:
    """The 合计 row's amount: the total-price cell, else the last cell holding a number."""
    cells = list(zip(columns, scales, row, strict=False))
    priced = [(s, c) for col, s, c in cells if col == "total_price" and c.text]
    candidates = priced or [(s, c) for _, s, c in cells[1:] if re.search(r"\d", c.text)][-1:]
    amounts = []
    for scale, cell in candidates:
        parsed = parse_amount(cell.text, scale)
        start, end = (
            (cell.start + parsed.start, cell.start + parsed.end)
            if not parsed.error
            else (cell.start, cell.end)
        )
        amounts.append(
            Amount(role=AmountRole.TOTAL, value=parsed.value, currency=parsed.currency, lot=lot,
                   error=parsed.error, source=source_of(start, end))
        )  # fmt: skip
    return amounts
