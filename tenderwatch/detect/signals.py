"""Context signals quoted by their first occurrence.

A context signal is context, not evidence: a document quotes it once, by its first
evidence span (the union of its hits that overlap the earliest one). For a signal that is
a plain any-of without exclusions that span is found by one search from the start of the
text with a single regex of all its atoms, which stops within the first lines of nearly
every document; the multi-pattern pass would instead report every later mention (a camera
tender names 摄像机 in every row of its item table) only for them to be dropped.

The regex is POSIX (leftmost-longest) and overlapping, as the pure-Python matcher runs
regex atoms, so its union of matches equals the union of every atom hit that either
matcher reports (the matcher-parity tests check flags on both).
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from .compiler import Atom, AtomKind, CompiledRule, is_word_char
from .matchers import REGEX_FLAGS

Span = tuple[int, int]

# ASCII literals match on word boundaries, as the matchers check them (text is lowercased).
_WORD_BEFORE = "(?<![A-Za-z0-9])"
_WORD_AFTER = "(?![A-Za-z0-9])"


def _expression(atom: Atom) -> str:
    if atom.kind is AtomKind.REGEX:
        return f"(?:{atom.pattern})"
    body = regex.escape(atom.pattern)
    before = _WORD_BEFORE if is_word_char(atom.pattern[0]) else ""
    after = _WORD_AFTER if is_word_char(atom.pattern[-1]) else ""
    return f"{before}{body}{after}"


class FirstQuote:
    """Finds the first evidence span of one signal rule that is quoted once."""

    def __init__(self, rule: CompiledRule, atoms: Sequence[Atom]) -> None:
        self.rule = rule
        alternatives = "|".join(_expression(atoms[atom]) for atom in sorted(rule.atoms))
        self._pattern = regex.compile(alternatives, REGEX_FLAGS)

    def span(self, text: str) -> Span | None:
        """The union of the matches that overlap the leftmost one (None: no match)."""
        first = self._pattern.search(text)
        if first is None:
            return None
        start, end = first.span()
        for later in self._pattern.finditer(text, start + 1, overlapped=True):
            if later.start() >= end:
                break
            end = max(end, later.end())
        return start, end


def first_quotes(rules: Sequence[CompiledRule], atoms: Sequence[Atom]) -> dict[str, FirstQuote]:
    """One finder per rule that is quoted once, by rule id."""
    return {rule.rule.id: FirstQuote(rule, atoms) for rule in rules if rule.quoted_once}
