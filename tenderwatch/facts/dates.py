"""Dates as notices write them: ``2024年03月15日``, ``二〇二四年三月十五日``, ``2024-3-15``,
``2024/03/15``, ``15 March 2024``, ``March 15, 2024``. An impossible date (2月30日) is
reported with its original string, never corrected."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0}
MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_CN_NUM = "〇零○Ｏ一二三四五六七八九十"
_PATTERNS = [
    re.compile(r"(?<!\d)(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"),
    re.compile(
        rf"(?P<y>[{_CN_NUM}]{{4}})\s*年\s*(?P<m>[{_CN_NUM}]{{1,2}})\s*月\s*(?P<d>[{_CN_NUM}]{{1,3}})\s*[日号]"
    ),
    re.compile(
        r"(?<![\d\-/.])(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})(?![\d])"
    ),
    re.compile(
        rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?P<y>\d{{4}})", re.IGNORECASE
    ),
    re.compile(rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})", re.IGNORECASE),
]


@dataclass(frozen=True)
class ParsedDate:
    value: date | None
    start: int
    end: int
    error: str | None = None


def _chinese_number(text: str) -> int:
    """二〇二四 -> 2024 (digit by digit); 十五 -> 15; 三十一 -> 31."""
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    tens, _, units = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def _number(text: str) -> int:
    return int(text) if text.isdigit() and text.isascii() else _chinese_number(text)


def find_dates(text: str) -> list[ParsedDate]:
    """Every date in ``text`` in order of position, impossible ones with an error."""
    found: list[ParsedDate] = []
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            taken.append((match.start(), match.end()))
            groups = match.groupdict()
            month = MONTHS[groups["mon"].casefold()] if groups.get("mon") else _number(groups["m"])
            try:
                value = date(_number(groups["y"]), month, _number(groups["d"]))
            except (ValueError, KeyError) as exc:
                found.append(
                    ParsedDate(None, match.start(), match.end(), f"impossible date: {exc}")
                )
                continue
            found.append(ParsedDate(value, match.start(), match.end()))
    return sorted(found, key=lambda d: d.start)


def parse_date(text: str) -> ParsedDate:
    """The first date in ``text``, or an error naming the text."""
    dates = find_dates(text)
    return dates[0] if dates else ParsedDate(None, 0, len(text), f"no date in {text!r}")
