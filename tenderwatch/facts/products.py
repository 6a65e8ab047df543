"""Product models of surveillance and AI-hardware makers (data/products.yaml), found in
text that may come from OCR, normalised and linked to their maker."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from .model import Product, Source

# OCR look-alikes folded on both the text and the patterns (same length, so offsets hold).
_FOLD = {"I": "1", "l": "1", "O": "0", "o": "0"}
_O_AFTER_DIGIT = re.compile(r"(?<=\d)[Oo]+")
# A leading "not after these characters" lookbehind, e.g. (?<![A-Za-z0-9]).
_LEADING_LOOKBEHIND = re.compile(r"^\(\?<!\[[^\]]*\]\)")


class InvalidProducts(ValueError):
    """The product pattern file is malformed; the message names the pattern."""


def fold(text: str) -> str:
    # str.replace per character: str.translate looks every character of the text up in a
    # dict, which cost more than all product patterns together on a notice without models
    for look_alike, character in _FOLD.items():
        text = text.replace(look_alike, character)
    return text


@dataclass(frozen=True)
class Pattern:
    id: str
    maker: str
    family: str
    regex: re.Pattern[str]
    # The regex without its leading lookbehind, None if it has none: it matches wherever the
    # regex does, and re runs it ~10x faster (a lookbehind first is tried at every position,
    # a literal or class first is searched for), so a text it misses is skipped.
    candidate: re.Pattern[str] | None
    prefix: str | None
    canonical: dict[str, str]  # folded exact model -> canonical spelling
    context: tuple[str, ...]
    window: int

    def normalise(self, original: str, folded: str) -> str:
        if self.canonical:
            return self.canonical[folded]
        model = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", original)).strip()
        # a letter O right after a digit is a misread zero (model numbers never put O there)
        model = _O_AFTER_DIGIT.sub(lambda m: "0" * len(m.group(0)), model)
        lead = 1 if model[:1] == "i" and self.prefix == "DS-" else 0  # Hikvision iDS- line
        width = len(self.prefix or "")
        if (
            self.prefix
            and fold(model[lead : lead + width]).casefold() == fold(self.prefix).casefold()
        ):
            model = model[:lead] + self.prefix + model[lead + width :]
        return model


@dataclass(frozen=True)
class Catalogue:
    makers: dict[str, str]
    patterns: list[Pattern]


def _pattern(entry: dict[str, Any], makers: dict[str, str]) -> Pattern:
    pid = entry.get("id")
    if not isinstance(pid, str) or entry.get("maker") not in makers:
        raise InvalidProducts(f"products.yaml: pattern {pid!r} needs an id and a known maker")
    canonical: dict[str, str] = {}
    if "models" in entry:
        models = [str(m) for m in entry["models"]]
        canonical = {fold(m): m for m in models}
        alternation = "|".join(re.escape(fold(m)) for m in sorted(models, key=len, reverse=True))
        source = rf"(?<![A-Za-z0-9])(?P<model>{alternation})(?![A-Za-z0-9])"
    elif isinstance(entry.get("regex"), str):
        source = fold(entry["regex"])
    else:
        raise InvalidProducts(f"products.yaml: pattern {pid} needs regex or models")
    try:
        regex = re.compile(source)
        unbounded = _LEADING_LOOKBEHIND.sub("", source, count=1)
        candidate = re.compile(unbounded) if unbounded != source else None
    except re.error as exc:
        raise InvalidProducts(f"products.yaml: pattern {pid}: {exc}") from exc
    return Pattern(
        id=pid,
        maker=makers[entry["maker"]],
        family=str(entry.get("family", "")),
        regex=regex,
        candidate=candidate,
        prefix=entry.get("prefix"),
        canonical=canonical,
        context=tuple(str(c).casefold() for c in entry.get("context", [])),
        window=int(entry.get("window", 30)),
    )


def parse_catalogue(text: str) -> Catalogue:
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("patterns"), list):
        raise InvalidProducts("products.yaml: needs makers and a list of patterns")
    makers = {key: str(value["name"]) for key, value in data["makers"].items()}
    patterns = [_pattern(entry, makers) for entry in data["patterns"]]
    ids = [p.id for p in patterns]
    if len(ids) != len(set(ids)):
        raise InvalidProducts("products.yaml: duplicate pattern ids")
    return Catalogue(makers, patterns)


@cache
def catalogue_text() -> str:
    return resources.files("tenderwatch.facts").joinpath("data/products.yaml").read_text("utf-8")


@cache
def load_catalogue() -> Catalogue:
    return parse_catalogue(catalogue_text())


def find_products(
    text: str, page_of: Any = None, catalogue: Catalogue | None = None
) -> list[Product]:
    """Every product model in ``text``; ``page_of(offset)`` gives the page of an offset."""
    catalogue = catalogue or load_catalogue()
    folded = fold(text)
    lowered = text.casefold()
    products: list[Product] = []
    taken: list[tuple[int, int]] = []
    for pattern in catalogue.patterns:
        if pattern.candidate is not None and pattern.candidate.search(folded) is None:
            continue
        for match in pattern.regex.finditer(folded):
            start, end = (
                match.span("model") if "model" in pattern.regex.groupindex else match.span()
            )
            if any(s < end and start < e for s, e in taken):
                continue
            if pattern.context:
                around = lowered[max(0, start - pattern.window) : end + pattern.window]
                if not any(word in around for word in pattern.context):
                    continue
            taken.append((start, end))
            original = text[start:end]
            products.append(
                Product(
                    maker=pattern.maker,
                    family=pattern.family,
                    model=pattern.normalise(original, folded[start:end]),
                    pattern=pattern.id,
                    source=Source(
                        page=page_of(start) if page_of else 1, start=start, end=end, text=original
                    ),
                )
            )
    return sorted(products, key=lambda p: p.source.start)
