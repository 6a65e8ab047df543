"""Which kind of notice a document is (intention, tender, correction, award, termination,
contract), from the phrases in data/notice_types.yaml."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

from .labels import alternatives, starting_with
from .model import NoticeType

_HEAD_CHARS = 400  # where to look when the title names no type: the first lines


@cache
def _pattern() -> re.Pattern[str]:
    text = (
        resources.files("tenderwatch.facts").joinpath("data/notice_types.yaml").read_text("utf-8")
    )
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError("notice_types.yaml: top level must be a mapping")
    groups, every = [], []
    for name, phrases in data.items():
        NoticeType(name)  # unknown type names fail loudly at load
        if not isinstance(phrases, list) or not phrases:
            raise ValueError(f"notice_types.yaml: {name} needs a list of phrases")
        words = sorted(map(str, phrases), key=len, reverse=True)
        groups.append(f"(?P<{name}>{alternatives(words)})")
        every.extend(words)
    # one class test rules out most positions before the six groups are tried in turn
    return re.compile(starting_with(every) + "(?:" + "|".join(groups) + ")", re.IGNORECASE)


def classify(text: str, offset: int = 0) -> tuple[NoticeType, int, int] | None:
    """The notice type named in ``text`` and its span (shifted by ``offset``)."""
    best: re.Match[str] | None = None
    for match in _pattern().finditer(text):
        if best is None or match.end() >= best.end():
            best = match
    if best is None or best.lastgroup is None:
        return None
    return NoticeType(best.lastgroup), offset + best.start(), offset + best.end()


def head(text: str) -> str:
    return text[:_HEAD_CHARS]
