"""``extract_facts``: the facts of one procurement notice from its extracted text."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from ..model import Extraction, ExtractionStatus
from ..settings import Settings, load_settings
from .amounts import parse_amount
from .dates import parse_date
from .items import is_item_table, read_items
from .labels import AMOUNT_FIELDS, DATE_FIELDS, Labels, load_labels
from .layout import Field, read_layout, table_fields
from .model import (
    Amount,
    AmountRole,
    DateFact,
    DateRole,
    NoticeFacts,
    Region,
    Source,
    TextFact,
    TypeFact,
)
from .notice_type import classify, head
from .products import find_products
from .regions import Gazetteer, load_gazetteer

EXTRACTOR_VERSION = "tenderwatch.facts/1"

# Organisation names end before an address, a contact or a second clause.
_NAME_END_RE = re.compile(
    r"[，；;。]|,(?!\s*(?:Ltd|Limited|Inc|LLC|Co\b|S\.A|GmbH))|\s{2,}"
    r"|[（(]?(?:地址|联系人|联系方式|电话|统一社会信用代码)",
    re.IGNORECASE,
)
_CODE_RE = re.compile(r"[^\s，,；;。]+(?:\s*号)?")
_BREAK_RE = re.compile(r"\s*\n\s*")


class _Builder:
    def __init__(self, extraction: Extraction, labels: Labels, gazetteer: Gazetteer) -> None:
        self.extraction = extraction
        self.text = extraction.text
        self.labels = labels
        self.gazetteer = gazetteer
        self.facts = NoticeFacts(extractor_version=EXTRACTOR_VERSION)
        self._handlers: dict[str, Callable[[Field], None]] = {
            **dict.fromkeys(AMOUNT_FIELDS, self.amount),
            **dict.fromkeys(DATE_FIELDS, self.date),
            **dict.fromkeys(_TEXT_FIELDS, self.single),
            "supplier": self.supplier,
        }

    def source(self, start: int, end: int) -> Source:
        return Source(
            page=self.extraction.page_at(start), start=start, end=end, text=self.text[start:end]
        )

    def text_fact(self, field: Field) -> TextFact | None:
        value = _TEXT_FIELDS[field.name](_BREAK_RE.sub("", field.value.text)).strip()
        if not value:
            return None
        return TextFact(value=value, source=self.source(field.value.start, field.value.end))

    def single(self, field: Field) -> None:
        """Parties, places, code and name: the first labelled value wins."""
        if getattr(self.facts, field.name) is None:
            setattr(self.facts, field.name, self.text_fact(field))

    def supplier(self, field: Field) -> None:
        fact = self.text_fact(field)
        if fact and all(s.value != fact.value for s in self.facts.suppliers):
            self.facts.suppliers.append(fact)

    def ignore(self, field: Field) -> None:
        """Labels such as 首次公告日期 that only keep a shorter label from matching."""

    def handler(self, name: str) -> Callable[[Field], None]:
        """What to do with a labelled value, by its field (unknown fields are ignored)."""
        return self._handlers.get(name, self.ignore)

    def amount(self, field: Field) -> None:
        parsed = parse_amount(field.value.text, field.scale)
        start, end = field.value.start, field.value.end
        if parsed.error is None:
            start, end = start + parsed.start, start + parsed.end
        else:
            self.facts.errors.append(f"{field.name}: {parsed.error}")
        amount = Amount(
            role=AmountRole(AMOUNT_FIELDS[field.name]),
            value=parsed.value,
            currency=parsed.currency,
            lot=field.lot,
            error=parsed.error,
            source=self.source(start, end),
        )
        if all(a.source != amount.source or a.role != amount.role for a in self.facts.amounts):
            self.facts.amounts.append(amount)

    def date(self, field: Field) -> None:
        parsed = parse_date(field.value.text)
        # the date's own span; for "no date" errors that is the whole value
        start, end = field.value.start + parsed.start, field.value.start + parsed.end
        if parsed.error:
            self.facts.errors.append(f"{field.name}: {parsed.error}")
        role = DateRole(DATE_FIELDS[field.name])
        if self.facts.date_of(role) is None:
            self.facts.dates.append(
                DateFact(
                    role=role,
                    value=parsed.value,
                    error=parsed.error,
                    source=self.source(start, end),
                )
            )

    def region(self, role: str, fact: TextFact | None) -> None:
        if fact is None:
            return
        located = self.gazetteer.locate(fact.source.text)
        if located is None:
            return
        path, start, end = located
        offset = fact.source.start
        self.facts.regions.append(
            Region(role=role, path=path, source=self.source(offset + start, offset + end))
        )


def _organisation(value: str) -> str:
    return _NAME_END_RE.split(value, maxsplit=1)[0]


def _code(value: str) -> str:
    match = _CODE_RE.search(value)
    return match.group(0) if match else ""


def _as_is(value: str) -> str:
    return value


# How each single-valued text field is cleaned; suppliers are organisations too.
_TEXT_FIELDS: dict[str, Callable[[str], str]] = {
    "project_code": _code,
    "project_name": _as_is,
    "buyer": _organisation,
    "buyer_address": _organisation,
    "agency": _organisation,
    "delivery_place": _organisation,
    "supplier": _organisation,
}


def _title(extraction: Extraction) -> tuple[str, int]:
    """The notice title (the extractor's, else the first non-empty line) and its offset
    in the text, -1 when the extractor's title does not occur there."""
    if extraction.title and extraction.title.strip():
        title = extraction.title.strip()
        return title, extraction.text.find(title)
    match = re.search(r"\S[^\n\f]*", extraction.text)
    return (match.group(0).strip(), match.start()) if match else ("", -1)


@cache
def _default_limit() -> int:
    return load_settings().facts_max_chars


def extract_facts(
    extraction: Extraction,
    *,
    settings: Settings | None = None,
    labels: Labels | None = None,
    gazetteer: Gazetteer | None = None,
) -> NoticeFacts:
    """Notice type, parties, amounts, dates, regions, items and products of one notice.

    Never raises on bad input: values that cannot be read are kept with their original
    string and an error, and an extraction without text gives facts with an error.
    """
    builder = _Builder(extraction, labels or load_labels(), gazetteer or load_gazetteer())
    facts = builder.facts
    if extraction.status is ExtractionStatus.FAILED or not extraction.text.strip():
        facts.errors.append(f"no text to read facts from (extraction status {extraction.status})")
        return facts
    limit = settings.facts_max_chars if settings else _default_limit()
    if len(builder.text) > limit:
        # offsets stay valid: the facts are read from a prefix of the original text
        facts.errors.append(
            f"text has {len(builder.text)} characters; facts read from the first {limit}"
        )
        builder.text = builder.text[:limit]
    layout = read_layout(builder.text, builder.labels)
    fields = list(layout.fields)
    for table in layout.tables:
        if is_item_table(table, builder.labels):
            items, totals = read_items(table, builder.labels, builder.source)
            facts.items.extend(items)
            facts.amounts.extend(totals)
            facts.errors.extend(f"item: {e}" for item in items for e in item.errors)
        else:
            fields.extend(table_fields(table, builder.labels))
    fields.sort(key=lambda f: f.value.start)

    title, offset = _read_type(builder)
    for field in fields:
        builder.handler(field.name)(field)
    if facts.buyer is None and offset >= 0 and (named := builder.labels.title_buyer.match(title)):
        # no 采购人 field: the organisation the title starts with, quoted from the title
        start, end = offset + named.start("name"), offset + named.end("name")
        facts.buyer = TextFact(value=named.group("name"), source=builder.source(start, end))
    builder.region("buyer", facts.buyer)
    if not any(r.role == "buyer" for r in facts.regions):
        builder.region("buyer", facts.buyer_address)
    builder.region("delivery", facts.delivery_place)
    facts.products = find_products(builder.text, extraction.page_at)
    return facts


def _read_type(builder: _Builder) -> tuple[str, int]:
    """Type from the title; where the title is not in the text, from the first lines.
    Returns the title and its offset (as :func:`_title`)."""
    title, offset = _title(builder.extraction)
    builder.facts.title = title or None
    found = classify(title, offset) if offset >= 0 else None
    found = found or classify(head(builder.text))
    if found is not None:
        kind, start, end = found
        builder.facts.notice_type = TypeFact(value=kind, source=builder.source(start, end))
    elif offset < 0 and (named := classify(title)) is not None:
        # only the extractor's title names it: an empty span at the start, quoting nothing
        builder.facts.notice_type = TypeFact(value=named[0], source=builder.source(0, 0))
    return title, offset
