"""Chinese administrative divisions: the shipped gazetteer (data/divisions.csv, GB/T 2260
codes; source in its header) and locating a place or organisation name in it.

A name such as 喀什地区莎车县公安局 resolves to 新疆维吾尔自治区 > 喀什地区 > 莎车县. Short
forms (新疆, 喀什, 莎车) are understood; a county's short form counts only next to one of its
ancestors, and an ambiguous name with no ancestor in sight is left unresolved, never guessed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .model import Division

_LEVELS = {"province": 0, "prefecture": 1, "county": 2}


@dataclass(frozen=True)
class _Name:
    division: Division
    short: bool


class Gazetteer:
    """Divisions by code with their parents, and a matcher over full and short names."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.divisions: dict[str, Division] = {}
        self.parents: dict[str, str] = {}
        names: dict[str, list[_Name]] = {}
        for row in rows:
            level = row["level"]
            if level not in _LEVELS or not re.fullmatch(r"\d{6}", row["code"]):
                raise ValueError(f"divisions.csv: bad row {row}")
            division = Division(
                code=row["code"], name=row["name"], level=level, autonomous=row["autonomous"] == "1"
            )
            self.divisions[division.code] = division
            if row["parent"]:
                self.parents[division.code] = row["parent"]
            names.setdefault(division.name, []).append(_Name(division, short=False))
            if row["short"]:
                names.setdefault(row["short"], []).append(_Name(division, short=True))
        self._names = names
        # The longest name starting with each character: most characters start none, so
        # most positions of a text cost one dictionary lookup.
        self._longest: dict[str, int] = {}
        for name in names:
            self._longest[name[0]] = max(self._longest.get(name[0], 0), len(name))

    def path(self, code: str) -> list[Division]:
        """Province first, ``code`` last."""
        chain = [self.divisions[code]]
        while chain[-1].code in self.parents:
            chain.append(self.divisions[self.parents[chain[-1].code]])
        return chain[::-1]

    def locate(self, text: str) -> tuple[list[Division], int, int] | None:
        """The most specific division named in ``text`` and the span of its name."""
        found = list(self._scan(text))
        best: tuple[tuple[int, int, int], list[Division], int, int] | None = None
        for start, end, names in found:
            # ancestors named elsewhere in the text support a reading; a name never supports itself
            named = {n.division.code for s, _, other in found if s != start for n in other}
            for name in names:
                path = self.path(name.division.code)
                support = sum(1 for d in path[:-1] if d.code in named)
                if name.short and name.division.level == "county" and support == 0:
                    continue
                rivals = [
                    n
                    for n in names
                    if n is not name and _LEVELS[n.division.level] <= _LEVELS[name.division.level]
                ]
                if rivals and support == 0 and not self._beats(name, rivals, named):
                    continue
                rank = (support, _LEVELS[name.division.level], -start)
                if best is None or rank > best[0]:
                    best = (rank, path, start, end)
        return None if best is None else (best[1], best[2], best[3])

    def _scan(self, text: str) -> Iterator[tuple[int, int, list[_Name]]]:
        """Leftmost-longest occurrences of known names."""
        position = 0
        while position < len(text):
            longest = self._longest.get(text[position], 0)
            for length in range(min(longest, len(text) - position), 1, -1):
                names = self._names.get(text[position : position + length])
                if names:
                    yield position, position + length, names
                    position += length
                    break
            else:
                position += 1

    def _beats(self, name: _Name, rivals: list[_Name], named: set[str]) -> bool:
        """An ambiguous name wins only over lower-level or unsupported rivals."""
        for rival in rivals:
            rival_support = any(d.code in named for d in self.path(rival.division.code)[:-1])
            if rival_support or _LEVELS[rival.division.level] < _LEVELS[name.division.level]:
                return False
            if (
                _LEVELS[rival.division.level] == _LEVELS[name.division.level]
                and not name.short < rival.short
            ):
                return False
        return True


def parse_gazetteer(text: str) -> Gazetteer:
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return Gazetteer(list(csv.DictReader(io.StringIO("\n".join(lines)))))


@cache
def load_gazetteer() -> Gazetteer:
    """The shipped gazetteer, parsed once."""
    text = resources.files("tenderwatch.facts").joinpath("data/divisions.csv").read_text("utf-8")
    return parse_gazetteer(text)
