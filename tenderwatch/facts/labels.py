"""Field label synonyms (data/labels.yaml), validated at load and compiled into one regex.

Notices label the same fact in many ways (采购人 / 采购单位 / 招标人 / Buyer); which label
means which field is data, so adding a synonym never touches code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml

# Fields whose values are amounts, and the dates; the rest are names or codes.
AMOUNT_FIELDS = {
    "budget": "budget",
    "ceiling": "ceiling",
    "award_amount": "award",
    "total_amount": "total",
}
DATE_FIELDS = {
    "publication_date": "publication",
    "bid_opening_date": "bid_opening",
    "bid_deadline": "bid_deadline",
    "award_date": "award",
    "contract_date": "contract",
}
ITEM_COLUMNS = ("name", "brand", "model", "quantity", "unit", "unit_price", "total_price")

# 金额(万元), 单价（元）: the bracketed unit scales a bare number in the value.
UNIT_SCALES = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
_UNIT_RE = re.compile(r"[（(]\s*(?:单位[:：]\s*)?(人民币)?\s*(元|万元|亿元)\s*[）)]")
_NOISE_RE = re.compile(r"^[\s\d一二三四五六七八九十]*[、.．)）]\s*|[\s\u3000*]+")


class InvalidLabels(ValueError):
    """The label file is malformed; the message names the entry."""


@dataclass(frozen=True)
class Labels:
    fields: dict[str, str]  # cleaned label (casefolded) -> field
    items: dict[str, str]  # cleaned header -> item column
    sections: dict[str, str]  # heading -> party field
    section_fields: dict[str, str]  # bare label inside a party block -> name/address
    pattern: re.Pattern[str]  # any field or section-field label followed by ： or 为

    def field(self, label: str) -> str | None:
        return self.fields.get(clean_label(label))

    def item_column(self, label: str) -> str | None:
        return self.items.get(clean_label(label))

    def section(self, line: str) -> str | None:
        return self.sections.get(clean_label(line).rstrip(":："))


def clean_label(label: str) -> str:
    """Label without numbering, spaces, a bracketed unit or case."""
    return _UNIT_RE.sub("", _NOISE_RE.sub("", label)).casefold()


def label_scale(label: str) -> Decimal | None:
    """The multiplier a bracketed unit in the label implies, e.g. 金额(万元) -> 10000."""
    match = _UNIT_RE.search(label)
    return UNIT_SCALES[match.group(2)] if match else None


def _synonyms(data: dict[str, Any], key: str, allowed: set[str] | None) -> dict[str, str]:
    table = data.get(key)
    if not isinstance(table, dict):
        raise InvalidLabels(f"labels.yaml: {key!r} must be a mapping")
    out: dict[str, str] = {}
    for name, words in table.items():
        if allowed is not None and name not in allowed:
            raise InvalidLabels(f"labels.yaml: unknown {key} entry {name!r}")
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise InvalidLabels(f"labels.yaml: {key}.{name} must be a list of strings")
        for word in words:
            out[clean_label(word)] = name
    return out


def parse_labels(text: str) -> Labels:
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise InvalidLabels("labels.yaml: top level must be a mapping")
    known = {
        "project_code", "project_name", "buyer", "buyer_address", "agency", "supplier",
        "delivery_place", "lot", "ignore", *AMOUNT_FIELDS, *DATE_FIELDS,
    }  # fmt: skip
    fields = _synonyms(data, "fields", known)
    items = _synonyms(data, "items", set(ITEM_COLUMNS))
    sections = _synonyms(data, "sections", {"buyer", "agency", "supplier"})
    raw_section_fields = data.get("section_fields")
    if not isinstance(raw_section_fields, dict):
        raise InvalidLabels("labels.yaml: 'section_fields' must be a mapping")
    section_fields = {clean_label(str(k)): str(v) for k, v in raw_section_fields.items()}
    words = sorted(
        {w for table in ("fields", "section_fields") for w in _raw_words(data[table])},
        key=len,
        reverse=True,
    )
    alternation = "|".join(_spaced(w) for w in words)
    pattern = re.compile(
        rf"(?P<label>{alternation})\s*(?P<unit>[（(][^）)\n]{{1,10}}[）)])?\s*(?:[:：]|为(?=\s*[\d人¥￥一二〇零壹贰叁肆伍陆柒捌玖]))",
        re.IGNORECASE,
    )
    return Labels(fields, items, sections, section_fields, pattern)


def _spaced(word: str) -> str:
    """Regex for a label that tolerates spaces inside it (名 称, 地　址, Project  No.)."""
    return r"[ \t\u3000]*".join(re.escape(c) for c in word if not c.isspace())


def _raw_words(table: dict[str, Any]) -> list[str]:
    words: list[str] = []
    for key, value in table.items():
        words.extend(value if isinstance(value, list) else [key])
    return words


@cache
def load_labels() -> Labels:
    """The shipped label file, parsed once."""
    text = resources.files("tenderwatch.facts").joinpath("data/labels.yaml").read_text("utf-8")
    return parse_labels(text)
