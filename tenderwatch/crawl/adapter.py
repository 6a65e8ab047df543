"""Adapters turn a source definition into list URLs and parse its pages.

:class:`Adapter` does every step from the declarative YAML. A portal that data cannot
describe registers a subclass in :data:`ADAPTERS` and overrides only the step it needs;
its YAML then names it with ``adapter: NAME``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urljoin

from charset_normalizer import from_bytes
from pydantic import BaseModel, Field
from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..registry import Registry
from .definition import ListSpec, SourceDefinition


class ListEntry(BaseModel):
    url: str
    title: str | None = None
    published: date | None = None


class ListPage(BaseModel):
    entries: list[ListEntry] = Field(default_factory=list)
    announced: int | None = Field(None, description="total notices the portal says it has")


class NoticePage(BaseModel):
    attachments: list[str] = Field(default_factory=list)
    removed: bool = Field(False, description="the page says the notice was withdrawn")


class ParseError(Exception):
    """A page does not have the structure its source definition describes."""


_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", re.IGNORECASE)


def decode_page(body: bytes, content_type: str | None) -> str:
    """Text of an HTML or JSON page: declared charset (header, then meta), else detected.

    Chinese portals often declare GB2312 while sending GBK/GB18030 characters, so the
    GB family is always decoded as GB18030 (a superset of both).
    """
    declared: list[str] = []
    if content_type and "charset=" in content_type.lower():
        declared.append(content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'"))
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        declared.append(meta.group(1).decode("ascii").lower())
    for charset in [*declared, "utf-8"]:
        codec = "gb18030" if charset in ("gb2312", "gbk", "gb18030") else charset
        try:
            return body.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    best = from_bytes(body).best()
    return str(best) if best is not None else body.decode("utf-8", errors="replace")


def parse_date(text: str | None, pattern: str) -> date | None:
    if not text:
        return None
    match = re.search(pattern, text)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def parse_count(text: str | None, pattern: str) -> int | None:
    match = re.search(pattern, text or "")
    return int(match.group(1).replace(",", "")) if match else None


def _node_text(node: LexborNode | None) -> str | None:
    return node.text(strip=True) if node is not None else None


def _parse_html_list(spec: ListSpec, text: str, page_url: str) -> ListPage:
    tree = LexborHTMLParser(text)
    entries = []
    for item in tree.css(spec.items):
        link = item.css_first(spec.link)
        href = link.attributes.get("href") if link is not None else None
        if not href or href.startswith(("javascript:", "#")):
            continue
        title = _node_text(item.css_first(spec.title)) if spec.title else _node_text(link)
        published = (
            parse_date(_node_text(item.css_first(spec.date)), spec.date_pattern)
            if spec.date
            else None
        )
        entries.append(ListEntry(url=urljoin(page_url, href), title=title, published=published))
    announced = (
        parse_count(_node_text(tree.css_first(spec.total)), spec.total_pattern)
        if spec.total
        else None
    )
    return ListPage(entries=entries, announced=announced)


def _path(data: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return None
    return data


def _parse_json_list(spec: ListSpec, text: str, page_url: str) -> ListPage:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"list page is not JSON: {exc}") from exc
    items = _path(data, spec.items)
    if not isinstance(items, list):
        raise ParseError(f"{spec.items!r} is not a list in the JSON list page")
    entries = []
    for item in items:
        value = _path(item, spec.link)
        if value in (None, ""):
            continue
        url = spec.link_template.format(value=value) if spec.link_template else str(value)
        title = _path(item, spec.title) if spec.title else None
        raw_date = _path(item, spec.date) if spec.date else None
        entries.append(
            ListEntry(
                url=urljoin(page_url, url),
                title=str(title) if title is not None else None,
                published=_json_date(raw_date, spec.date_pattern),
            )
        )
    total = _path(data, spec.total) if spec.total else None
    announced = (
        int(total) if isinstance(total, int) else parse_count(str(total or ""), spec.total_pattern)
    )
    return ListPage(entries=entries, announced=announced)


def _json_date(raw: Any, pattern: str) -> date | None:
    # JSON APIs often give epoch milliseconds instead of a date string.
    if isinstance(raw, int | float) and raw > 10**11:
        from datetime import UTC, datetime

        return datetime.fromtimestamp(raw / 1000, UTC).date()
    return parse_date(str(raw) if raw is not None else None, pattern)


ListParser = Callable[[ListSpec, str, str], ListPage]
LIST_FORMATS: Registry[ListParser] = Registry("list page format")
LIST_FORMATS.add("html", _parse_html_list)
LIST_FORMATS.add("json", _parse_json_list)


class Adapter:
    """Every crawl step, done from the declarative source definition."""

    def list_url(self, source: SourceDefinition, start: date, end: date, page: int) -> str:
        fmt = source.listing.date_format
        return source.listing.url.format(
            page=page, start=start.strftime(fmt), end=end.strftime(fmt)
        )

    def parse_list(
        self, source: SourceDefinition, body: bytes, url: str, content_type: str | None
    ) -> ListPage:
        text = decode_page(body, content_type)
        return LIST_FORMATS.get(source.listing.format)(source.listing, text, url)

    def parse_notice(
        self, source: SourceDefinition, body: bytes, url: str, content_type: str | None
    ) -> NoticePage:
        spec = source.notice
        text = decode_page(body, content_type)
        removed = any(marker in text for marker in spec.removed_markers)
        if not spec.attachments:
            return NoticePage(removed=removed)
        keep = re.compile(spec.attachment_pattern)
        links: list[str] = []
        for node in LexborHTMLParser(text).css(spec.attachments):
            href = node.attributes.get("href")
            if href and not href.startswith("javascript:"):
                absolute = urljoin(url, href)
                if keep.search(absolute) and absolute not in links:
                    links.append(absolute)
        return NoticePage(attachments=links, removed=removed)


ADAPTERS: Registry[Adapter] = Registry("source adapter")
ADAPTERS.add("declarative", Adapter())
