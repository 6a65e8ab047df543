"""The corpus's text sources: one file per notice, YAML front matter plus a tiny line markup.

Markup of the body (everything after the closing ``---`` of the front matter):

- ``# 标题`` — the notice title (first line, exactly once)
- ``## 小节`` — a section heading (in XLSX: starts a new sheet)
- ``| a | b |`` — a table row; consecutive rows form one table, the first row is the header
- ``===page===`` — a page break (PDF and scans; a rule elsewhere)
- any other non-blank line — one paragraph

The front matter is validated strictly, because it becomes the ground truth in
``examples/manifest.yaml`` that other parts of tenderwatch are tested against.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

Format = Literal["html", "txt", "pdf", "pdf-scan", "docx", "xlsx"]
Encoding = Literal["utf-8", "gb18030", "big5"]
Language = Literal["zh-Hans", "zh-Hant", "en"]
NoticeType = Literal["intention", "tender", "correction", "award", "contract", "termination"]
Risk = Literal["none", "low", "medium", "high"]
Category = Literal[
    "ethnic.attribute",
    "ethnic.alert",
    "religion.practice",
    "religion.venue",
    "targeting.persons",
    "language.monitoring",
    "detention.facility",
]

# Chinese names of the notice types, as portals label them; README.md documents the same table.
NOTICE_TYPE_NAMES: dict[str, str] = {
    "intention": "采购意向公开",
    "tender": "招标公告 / 公开招标公告 / 竞争性磋商公告",
    "correction": "更正公告",
    "award": "中标（成交）结果公告",
    "contract": "合同公告",
    "termination": "终止公告",
}


class NoticeMeta(BaseModel):
    """Front matter of one source: where the rendered bytes go and what they are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str | None = None  # output path relative to examples/, for standalone documents
    archive: str | None = None  # or: the archive (zip/WARC) this document goes into ...
    member: str | None = None  # ... under this member path (zip) or URL (WARC)
    format: Format
    encoding: Encoding = "utf-8"
    declared_charset: str | None = None  # charset named in <meta>; default follows encoding
    meta_charset: bool = True  # False: the page names no charset (the HTTP header must)
    bom: bool = False  # start UTF-8 bytes with a byte-order mark, as some CMSs save pages
    portal: str = "plain"  # HTML page template, see portal_pages.PORTALS
    language: Language
    notice_type: NoticeType
    project_code: str | None
    published: dt.date
    risk: Risk
    categories: list[Category]
    description: str

    @model_validator(mode="after")
    def _placement(self) -> NoticeMeta:
        standalone = self.file is not None
        member = self.archive is not None and self.member is not None
        if standalone == member:
            raise ValueError("give either `file` or both `archive` and `member`")
        if self.encoding != "utf-8" and self.format not in ("html", "txt"):
            raise ValueError(f"encoding {self.encoding} only applies to html/txt")
        if self.bom and (self.encoding != "utf-8" or self.format not in ("html", "txt")):
            raise ValueError("bom only applies to UTF-8 html/txt")
        if (self.risk in ("none", "low")) != (not self.categories):
            raise ValueError("risk none/low means no categories; medium/high needs some")
        return self

    @property
    def charset_label(self) -> str:
        """The charset a page or HTTP header names for these bytes."""
        default = {"utf-8": "utf-8", "gb18030": "gbk", "big5": "big5"}[self.encoding]
        return self.declared_charset or default


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | Table | PageBreak


@dataclass(frozen=True)
class Notice:
    source: Path
    meta: NoticeMeta
    title: str
    blocks: tuple[Block, ...]

    def pages(self) -> list[list[Block]]:
        """Blocks split at page breaks (at least one page)."""
        pages: list[list[Block]] = [[]]
        for block in self.blocks:
            if isinstance(block, PageBreak):
                pages.append([])
            else:
                pages[-1].append(block)
        return pages

    def plain_text(self) -> str:
        """The notice as plain text lines (tables as tab-free, space-aligned rows)."""
        lines = [self.title, ""]
        for block in self.blocks:
            if isinstance(block, Heading):
                lines += ["", block.text]
            elif isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, Table):
                lines += ["  ".join(row) for row in block.rows]
            else:
                lines += ["", "-" * 40, ""]
        return "\n".join(lines) + "\n"


class SourceError(ValueError):
    """A source file is malformed; the message names the file."""


def _split_row(line: str) -> tuple[str, ...]:
    return tuple(cell.strip() for cell in line.strip().strip("|").split("|"))


def parse_body(text: str, source: Path) -> tuple[str, tuple[Block, ...]]:
    lines = [line.rstrip() for line in text.splitlines()]
    lines = [line for line in lines if line.strip()]
    if not lines or not lines[0].startswith("# "):
        raise SourceError(f"{source}: the body must start with '# title'")
    title = lines[0][2:].strip()
    blocks: list[Block] = []
    rows: list[tuple[str, ...]] = []
    for line in lines[1:]:
        if line.lstrip().startswith("|"):
            rows.append(_split_row(line))
            continue
        if rows:
            blocks.append(Table(tuple(rows)))
            rows = []
        if line.startswith("# "):
            raise SourceError(f"{source}: only one '# title' per notice")
        if line.startswith("## "):
            blocks.append(Heading(line[3:].strip()))
        elif line.strip() == "===page===":
            blocks.append(PageBreak())
        else:
            blocks.append(Paragraph(line.strip()))
    if rows:
        blocks.append(Table(tuple(rows)))
    for block in blocks:
        if isinstance(block, Table) and len({len(r) for r in block.rows}) != 1:
            raise SourceError(f"{source}: table rows differ in cell count: {block.rows[0]}")
    return title, tuple(blocks)


def load_notice(path: Path) -> Notice:
    raw = path.read_text(encoding="utf-8")
    if not raw.startswith("---\n"):
        raise SourceError(f"{path}: missing front matter")
    front, sep, body = raw[4:].partition("\n---\n")
    if not sep:
        raise SourceError(f"{path}: front matter is not closed with '---'")
    try:
        meta = NoticeMeta.model_validate(yaml.safe_load(front))
    except (ValueError, yaml.YAMLError) as exc:  # ValidationError is a ValueError
        raise SourceError(f"{path}: {exc}") from exc
    title, blocks = parse_body(body, path)
    return Notice(path, meta, title, blocks)


def load_notices(folder: Path) -> list[Notice]:
    return [load_notice(p) for p in sorted(folder.glob("*.txt"))]
