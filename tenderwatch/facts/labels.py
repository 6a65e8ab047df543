"""Field label synonyms (data/labels.yaml), validated at load and compiled into one regex.

Notices label the same fact in many ways (采购人 / 采购单位 / 招标人 / Buyer); which label
means which field is data, so adding a synonym never touches code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from ..normalize import normalize_query

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
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
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
    inline_code: re.Pattern[str]  # 项目编号HNZC2024-0317: a code label glued to its code
    title_buyer: re.Pattern[str]  # the organisation a title starts with

    def field(self, label: str) -> str | None:
        return self.fields.get(clean_label(label))

    def item_column(self, label: str) -> str | None:
        return self.items.get(clean_label(label))

    def section(self, line: str) -> str | None:
        return self.sections.get(clean_label(line).rstrip(":："))


# Labels and table headers repeat from notice to notice; bounded, so memory stays flat.
@lru_cache(maxsize=16_384)
def clean_label(label: str) -> str:
    """Label without numbering, spaces, a bracketed unit or case, in simplified characters
    (採購人 and 采购人 are one label)."""
    return _UNIT_RE.sub("", _NOISE_RE.sub("", normalize_query(label))).casefold()


@lru_cache(maxsize=16_384)  # as clean_label
def label_scale(label: str) -> Decimal | None:
    """The multiplier a bracketed unit in the label implies, e.g. 金额(万元) -> 10000."""
    match = _UNIT_RE.search(normalize_query(label))
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
    alternation = alternatives(words)
    pattern = re.compile(
        rf"(?P<label>{alternation})\s*(?P<unit>[（(][^）)\n]{{1,10}}[）)])?\s*(?:[:：]|为(?=\s*[\d人¥￥一二〇零壹贰叁肆伍陆柒捌玖]))",
        re.IGNORECASE,
    )
    # only labels ending in a CJK character: there the glued code visibly starts
    glued = sorted(
        (w for w, name in fields.items() if name == "project_code" and _CJK_RE.match(w[-1])),
        key=len,
        reverse=True,
    )
    inline_code = re.compile(
        rf"(?P<label>{'|'.join(map(literal, glued)) or '(?!)'})"
        r"(?P<value>(?=[A-Za-z0-9\-_/]*\d)[A-Za-z0-9][A-Za-z0-9\-_/]{3,})"
        r"(?![A-Za-z0-9\-_/\u4e00-\u9fff])"  # a whole token: not 项目编号2024年
    )
    return Labels(fields, items, sections, section_fields, pattern, inline_code, _title_buyer(data))


def _title_buyer(data: dict[str, Any]) -> re.Pattern[str]:
    """Titles are "<buyer><project name><notice type>": the buyer is the shortest leading
    name (no digits) that ends like an organisation, extended by a subordinate unit
    (某市公安局 + 某某分局)."""
    words = {}
    for key in ("organisation_ends", "subordinate_ends"):
        value = data.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(w, str) for w in value):
            raise InvalidLabels(f"labels.yaml: {key} must be a non-empty list of strings")
        words[key] = "|".join(map(literal, sorted(value, key=len, reverse=True)))
    name = r"[^\W\d]"
    return re.compile(
        rf"^(?:关于|關於)?(?P<name>{name}{{2,30}}?(?:{words['organisation_ends']})"
        rf"(?:{name}{{0,10}}?(?:{words['subordinate_ends']}))?)"
    )


@cache
def _traditional_forms() -> dict[str, str]:
    """Simplified CJK character -> regex class of it and the characters that normalise to
    it (採 and 埰 for 采), taken from tenderwatch.normalize so labels match what search does."""
    forms: dict[str, list[str]] = {}
    for code in range(0x4E00, 0xA000):
        char = chr(code)
        simple = normalize_query(char)
        if simple != char and len(simple) == 1:
            forms.setdefault(simple, [simple]).append(char)
    return {simple: "[" + "".join(chars) + "]" for simple, chars in forms.items()}


_GAP = r"[ \t\u3000]*"  # spaces tolerated inside a label (名 称, 地　址, Project  No.)


def literal(word: str) -> str:
    """Regex for ``word`` written in simplified or traditional characters, tolerating spaces
    inside it (名 称, 地　址, Project  No.); matches leave offsets on the original text."""
    return _GAP.join(_tokens(word))


def _tokens(word: str) -> list[str]:
    forms = _traditional_forms()
    return [forms.get(c) or re.escape(c) for c in word if not c.isspace()]


def alternatives(words: list[str]) -> str:
    """One regex matching any of ``words`` (as :func:`literal`), written as a tree of their
    shared beginnings: re tries a flat alternation of hundreds of labels one by one at every
    position, a tree only along the characters that match (several times faster on notices,
    where most characters begin no label). Longer words are tried first, as in a flat
    alternation sorted by length. A lookahead for the characters words begin with comes
    first: at most positions that one class test is all re does (2x faster again)."""
    tree: _Tree = {}
    for word in words:
        node = tree
        for token in _tokens(word):
            node = node.setdefault(token, {})
        node[_END] = {}
    return starting_with(words) + _branches(tree) if tree else "(?!)"


def starting_with(words: list[str]) -> str:
    """A lookahead for the characters that begin ``words`` (as :func:`literal`). Each first
    token is one character or a class of them ([采採埰]); under IGNORECASE the lookahead's
    class folds case exactly as the tokens do."""
    starts = sorted({c for word in words for c in _characters(_tokens(word)[0])})
    return f"(?=[{''.join(map(_in_class, starts))}])"


def _characters(token: str) -> str:
    if token.startswith("[") and token.endswith("]") and len(token) > 2:
        return token[1:-1]  # a class of plain CJK characters (_traditional_forms)
    return token[1:] if token.startswith("\\") else token  # re.escape of one character


def _in_class(char: str) -> str:
    return "\\" + char if char in "\\]^-[" else char


_Tree = dict[str, "_Tree"]
_END = ""  # a word ends at this node (no token is empty)


def _depth(node: _Tree) -> int:
    return max((1 + _depth(child) for token, child in node.items() if token), default=0)


def _branches(node: _Tree) -> str:
    options = []
    for token in sorted((t for t in node if t), key=lambda t: -_depth(node[t])):
        child = node[token]
        if child.keys() == {_END}:
            options.append(token)
        elif _END in child:  # a word ends here and longer ones go on: try those first
            options.append(f"{token}(?:{_GAP}{_branches(child)})?")
        else:
            options.append(f"{token}{_GAP}{_branches(child)}")
    return options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"


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
