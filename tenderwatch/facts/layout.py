"""Reading the layout of a notice: labelled values from ``key：value`` lines and from table
rows (cells separated by `` | `` or tabs, one row per line), with offsets into the original.

Output is positional (:class:`Field`, :class:`Table`); what a value *means* is decided by
the modules that parse amounts, dates, names and items.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from .labels import AMOUNT_FIELDS, Labels, clean_label, label_scale

_LINE_RE = re.compile(r"[^\n\f]+")
_CELL_RE = re.compile(r"[^|\t]+")
# 第一包 / 包1 / 标段二 / Lot 2 at the start of a line opens that lot's block.
_LOT_RE = re.compile(
    r"^\s*(?:第\s*(?P<a>[一二三四五六七八九十\d]+)\s*(?:包|标段|标包|分包)"
    r"|(?:包|标段|标包|分包|采购包)\s*(?P<b>[一二三四五六七八九十\dA-Z]+)"
    r"|Lot\s*(?P<c>\d+))",
    re.IGNORECASE,
)
_HEADING_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|\d+[.、．]|（[一二三四五六七八九十]+）)"
)
# A value broken over lines (PDF text) continues while it has not reached one of these.
_ORGANISATION_END = (*"局院校司心会厅队所站处部室学馆社团行场厂园区县市州省", "）", ")")
_COMPLETE_END = {
    "buyer": _ORGANISATION_END,
    "agency": _ORGANISATION_END,
    "supplier": _ORGANISATION_END,
    "buyer_address": ("号", "室", "楼", "层"),
    "delivery_place": ("号", "室", "楼", "层", "指定地点", "地点"),
    "project_name": ("项目", "采购", "工程", "服务", "系统", "设备", "平台", "）", ")"),
    "project_code": (),
}
_PAGE_MARK_RE = re.compile(r"第\s*\d+\s*页|Page\s+\d+", re.IGNORECASE)
TOTAL_WORDS = ("合计", "总计", "小计", "total")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Field:
    name: str  # field from labels.yaml (or section field resolved to a party field)
    label: Span
    value: Span
    scale: Decimal | None = None
    lot: str | None = None


@dataclass
class Table:
    header: list[Span]
    rows: list[list[Span]] = field(default_factory=list)
    lots: list[str | None] = field(default_factory=list)


@dataclass
class Layout:
    fields: list[Field] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def first(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def all(self, name: str) -> list[Field]:
        return [f for f in self.fields if f.name == name]


def _trimmed(text: str, start: int, end: int) -> Span:
    segment = text[start:end]
    left = len(segment) - len(segment.lstrip(" \u3000\r\t"))
    right = len(segment.rstrip(" \u3000\r\t；;，,。"))
    if right <= left:
        return Span(start + left, start + left, "")
    return Span(start + left, start + right, segment[left:right])


def _lines(text: str) -> list[Span]:
    return [_trimmed(text, m.start(), m.end()) for m in _LINE_RE.finditer(text)]


def _cells(text: str, line: Span) -> list[Span]:
    cells = [
        _trimmed(text, line.start + m.start(), line.start + m.end())
        for m in _CELL_RE.finditer(line.text)
    ]
    return [c for c in cells if c.text or len(cells) > 1]


def lot_name(line: str) -> str | None:
    match = _LOT_RE.match(line)
    if not match:
        return None
    return next(g for g in match.groups() if g is not None)


def read_layout(text: str, labels: Labels) -> Layout:
    """All labelled values and tables of ``text``, in reading order."""
    layout = Layout()
    lines = _lines(text)
    section: str | None = None
    lot: str | None = None
    last_table: Table | None = None  # a table may go on after a page break and running header
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.text:
            index += 1
            continue
        if "|" in line.text or "\t" in line.text:
            block = []
            while index < len(lines) and ("|" in lines[index].text or "\t" in lines[index].text):
                block.append(_cells(text, lines[index]))
                index += 1
            last_table = _read_table(block, labels, layout, lot, last_table)
            continue
        if last_table is not None and not _between_pages(text, last_table, line, labels):
            last_table = None
        heading = labels.section(line.text)
        if heading is not None:
            section = heading
        elif _HEADING_RE.match(line.text) and not labels.pattern.search(line.text):
            section = None
        lot = lot_name(line.text) or lot
        alone = labels.field(line.text)
        if (
            alone is not None
            and index + 1 < len(lines)
            and _is_value_line(lines[index + 1], labels)
        ):
            # a flattened two-column table: the label on one line, its value on the next
            value, index = _continued(text, lines, index + 2, lines[index + 1], labels, alone)
            layout.fields.append(Field(alone, line, value, label_scale(line.text), lot))
            continue
        index = _read_line(text, lines, index, labels, layout, section, lot)
    # codes glued to their label (项目编号HNZC2024-0317), in any line or cell
    for match in labels.inline_code.finditer(text):
        label, value = (
            Span(match.start(g), match.end(g), match.group(g)) for g in ("label", "value")
        )
        layout.fields.append(Field("project_code", label, value))
    return layout


def _between_pages(text: str, table: Table, line: Span, labels: Labels) -> bool:
    """A running header/footer or page number between two parts of one table."""
    end = (table.rows[-1] if table.rows else table.header)[-1].end
    # the label pattern last: most lines after a table are neither, and it is the costly test
    return (
        text.find("\f", end, line.start) >= 0 or bool(_PAGE_MARK_RE.search(line.text))
    ) and not labels.pattern.search(line.text)


def _is_value_line(line: Span, labels: Labels) -> bool:
    return (
        bool(line.text)
        and labels.field(line.text) is None
        and not re.search(r"[:：|\t]", line.text)
    )


def _read_line(
    text: str,
    lines: list[Span],
    index: int,
    labels: Labels,
    layout: Layout,
    section: str | None,
    lot: str | None,
) -> int:
    """Fields of one ``key：value`` line; returns the index of the next unread line."""
    line = lines[index]
    matches = list(labels.pattern.finditer(line.text))
    consumed = index + 1
    for number, match in enumerate(matches):
        label_text = match.group("label")
        name = labels.field(label_text)
        if name is None:
            part = labels.section_fields.get(clean_label(label_text))
            if section is None or part is None:
                continue
            name = section if part == "name" else f"{section}_address"
            if name == "supplier_address" or name == "agency_address":
                continue
        end = matches[number + 1].start() if number + 1 < len(matches) else len(line.text)
        value = _trimmed(text, line.start + match.end(), line.start + end)
        if not value.text and number + 1 == len(matches) and consumed < len(lines):
            # label alone on its line: the value is the next line
            following = lines[consumed]
            if (
                following.text
                and not labels.pattern.search(following.text)
                and "|" not in following.text
            ):
                value = following
                consumed += 1
        if number + 1 == len(matches):
            value, consumed = _continued(text, lines, consumed, value, labels, name)
        unit = match.group("unit") or ""
        label = Span(line.start + match.start(), line.start + match.end(), match.group(0))
        layout.fields.append(Field(name, label, value, label_scale(unit), lot))
    return consumed


def _continued(
    text: str, lines: list[Span], index: int, value: Span, labels: Labels, name: str
) -> tuple[Span, int]:
    """Join a name that PDF text broke over lines (采购人：某某县公安\\n局)."""
    if name not in _COMPLETE_END:
        return value, index
    while (
        value.text
        and not value.text.endswith(_COMPLETE_END[name])
        and index < len(lines)
        and 0 < len(lines[index].text) <= 20
        and not re.search(r"[:：|\t]", lines[index].text)
        and not _HEADING_RE.match(lines[index].text)
        and "\f" not in text[value.end : lines[index].start]
        and (
            (_CJK_RE.match(value.text[-1]) and _CJK_RE.match(lines[index].text[0]))
            or value.text.endswith(("-", "_"))  # a code broken at its hyphen
        )
    ):
        value = Span(value.start, lines[index].end, text[value.start : lines[index].end])
        index += 1
    return value, index


def _is_header(row: list[Span], labels: Labels) -> bool:
    known = [c for c in row if labels.item_column(c.text) or labels.field(c.text)]
    return len(known) >= 2 and len(known) * 2 >= len(row) and not _is_pairs(row, labels)


def _is_pairs(row: list[Span], labels: Labels) -> bool:
    """采购人 | 某局 | 代理机构 | 某公司: labels and values alternate."""
    cells = [c for c in row if c.text]
    return (
        len(cells) % 2 == 0
        and not cells[0].text.casefold().startswith(TOTAL_WORDS)
        and all(labels.field(c.text) for c in cells[0::2])
        and not any(labels.field(c.text) or labels.item_column(c.text) for c in cells[1::2])
    )


def _read_table(
    block: list[list[Span]], labels: Labels, layout: Layout, lot: str | None, table: Table | None
) -> Table | None:
    """Header rows start tables, rows under a header belong to it (``table`` is one still
    open from the previous page); other rows are label|value pairs. Returns the open table."""
    for row in block:
        if _is_header(row, labels):
            table = Table(header=row)
            layout.tables.append(table)
            continue
        if (
            table is not None
            and len(row) >= len(table.header) - 1
            and len(row) > 1
            and not _is_pairs(row, labels)
        ):
            table.rows.append(row)
            table.lots.append(lot)
            continue
        table = None
        _read_pairs(row, labels, layout, lot)
    return table


def _read_pairs(row: list[Span], labels: Labels, layout: Layout, lot: str | None) -> None:
    row = [c for c in row if c.text]
    for position in range(0, len(row) - 1):
        cell = row[position]
        name = labels.field(cell.text)
        if name is not None and row[position + 1].text and not labels.field(row[position + 1].text):
            layout.fields.append(Field(name, cell, row[position + 1], label_scale(cell.text), lot))


def table_fields(table: Table, labels: Labels) -> Iterator[Field]:
    """Labelled values of a non-item table: each value cell under its header's field."""
    columns = [labels.field(cell.text) for cell in table.header]
    lot_column = columns.index("lot") if "lot" in columns else None
    for row, row_lot in zip(table.rows, table.lots, strict=True):
        lot = row[lot_column].text if lot_column is not None and lot_column < len(row) else row_lot
        total = any(c.text.casefold().startswith(TOTAL_WORDS) for c in row[:2])
        for header, name, cell in zip(table.header, columns, row, strict=False):
            if name in AMOUNT_FIELDS and total:
                name = "total_amount"
            elif total:
                continue  # the 合计 row has no supplier or date of its own
            if name is not None and name != "lot" and cell.text:
                yield Field(name, header, cell, label_scale(header.text), lot)
