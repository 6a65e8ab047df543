"""Context signals quoted by their first occurrence.

A context signal is context, not evidence: a document quotes it once, by its first
evidence span (the union of its hits that overlap the earliest one). For a signal that is
a plain any-of without exclusions that span is found here, directly in the text: each atom
present in the document (the first pass says which) is searched for up to its first match,
and the longest match of each at every position inside the span extends it (only where the
character there can start a match of the atom: most positions inside a quote start none,
and are not matched at all). The first pass also says where each atom's first match ends
(in UTF-8 bytes: at most three per character in text without characters beyond U+FFFF,
four otherwise): a search starts the atom's longest match before a third of that, which
skips the Chinese text before the match without converting any offset. A camera tender
names 摄像机 in every row of its item table; the second pass would report every one of those
hits only for all but the first to be dropped.

Longest matches come from a POSIX (leftmost-longest) regex, as the pure-Python matcher
runs regex atoms, so the span equals the one from every hit either matcher reports (tests
compare it with every hit, found atom by atom, and flags across both matchers).
"""

from __future__ import annotations

import re
import string
import warnings
from collections.abc import Container, Sequence
from re import _parser  # type: ignore[attr-defined]
from typing import Any

import regex

from .compiler import Atom, AtomKind, CompiledRule, is_word_char
from .matchers import REGEX_FLAGS

Span = tuple[int, int]


class _Literal:
    def __init__(self, atom: Atom) -> None:
        self.text = atom.pattern
        self.starts: Container[str] = frozenset(atom.pattern[0])
        # ASCII literals match on word boundaries, as in the matchers.
        self.bounded_start = atom.bounded_start
        self.bounded_end = atom.bounded_end

    def _bounded(self, text: str, start: int) -> bool:
        end = start + len(self.text)
        if self.bounded_start and start > 0 and is_word_char(text[start - 1]):
            return False
        return not (self.bounded_end and end < len(text) and is_word_char(text[end]))

    def first(self, text: str, end: int) -> Span | None:
        # No occurrence ends before character ``end``, and all are as long as the literal.
        start = text.find(self.text, max(0, end - len(self.text)))
        while start >= 0 and not self._bounded(text, start):
            start = text.find(self.text, start + 1)
        return None if start < 0 else (start, start + len(self.text))

    def end_at(self, text: str, start: int) -> int | None:
        if text.startswith(self.text, start) and self._bounded(text, start):
            return start + len(self.text)
        return None


def _longest_match(pattern: str) -> int | None:
    """The most characters a match of ``pattern`` can span, where the standard library's
    parser reads the pattern and the number is bounded (None: unknown)."""
    try:
        width: int = _parser.parse(pattern, re.IGNORECASE | re.ASCII).getwidth()[1]
    except (re.error, RecursionError, OverflowError):
        return None
    return width if width < _UNBOUNDED else None


# Widths from here on mean "unbounded" (the parser's own limit is 2**64).
_UNBOUNDED = 1 << 16
# Ranges wider than this make a first-character set not worth keeping.
_MAX_RANGE = 256
_CATEGORIES = {
    _parser.CATEGORY_DIGIT: frozenset("0123456789"),
    _parser.CATEGORY_WORD: frozenset(string.ascii_letters + string.digits + "_"),
}
# A brace that opens no repeat count: perhaps the regex module's fuzzy count ({e<=1}),
# which the standard library reads as text, and which lets a match start anywhere.
_FUZZY = re.compile(r"\{(?!\d*,?\d*\})")
_REPEATS = (_parser.MAX_REPEAT, _parser.MIN_REPEAT, _parser.POSSESSIVE_REPEAT)


def _first_characters(pattern: str) -> frozenset[str] | None:
    """Every character a match of ``pattern`` can start with (ASCII letters in both
    cases), where the standard library's parser reads the pattern as the regex module
    does. None: unknown (a class such as \\s or [^...], or syntax of the regex module only:
    nested sets, fuzzy counts such as {e<=1})."""
    if _FUZZY.search(pattern):
        return None
    try:
        with warnings.catch_warnings():
            # "Possible nested set": [[:alpha:]] is a POSIX class to the regex module.
            warnings.simplefilter("error", FutureWarning)
            parsed = _parser.parse(pattern, re.IGNORECASE | re.ASCII)
        found = _firsts(parsed)
    except (re.error, FutureWarning, RecursionError, OverflowError):
        return None
    if found is None or found[1]:
        return None
    return frozenset(found[0])


def _firsts(items: Any) -> tuple[set[str], bool] | None:
    """First characters of a parsed sequence, and whether it can match nothing at all."""
    characters: set[str] = set()
    for op, argument in items:
        if op is _parser.AT:  # an anchor or \\b: consumes nothing
            continue
        if op is _parser.LITERAL:
            if argument == ord("{"):  # "{}" or an escaped brace: as above, to be safe
                return None
            found: tuple[set[str], bool] | None = (_cased(argument), False)
        elif op is _parser.IN:
            found = _in(argument)
        elif op is _parser.BRANCH:
            branches = [_firsts(branch) for branch in argument[1]]
            if None in branches:
                return None
            found = (
                set().union(*(b[0] for b in branches if b)),
                any(b[1] for b in branches if b),
            )
        elif op is _parser.SUBPATTERN:
            _, add_flags, delete_flags, inside = argument
            found = None if add_flags or delete_flags else _firsts(inside)
        elif op in _REPEATS:
            low, _, inside = argument
            found = _firsts(inside)
            if found is not None and low == 0:
                found = (found[0], True)
        elif op is _parser.ATOMIC_GROUP:
            found = _firsts(argument)
        else:
            return None
        if found is None:
            return None
        characters |= found[0]
        if not found[1]:
            return characters, False
    return characters, True


def _in(items: Any) -> tuple[set[str], bool] | None:
    characters: set[str] = set()
    for op, argument in items:
        if op is _parser.LITERAL:
            characters |= _cased(argument)
        elif op is _parser.RANGE and argument[1] - argument[0] < _MAX_RANGE:
            for code in range(argument[0], argument[1] + 1):
                characters |= _cased(code)
        elif op is _parser.CATEGORY and argument in _CATEGORIES:
            characters |= _CATEGORIES[argument]
        else:
            return None
    return characters, False


def _cased(code: int) -> set[str]:
    # Regexes match ASCII letters in either case (REGEX_FLAGS); no other character folds.
    character = chr(code)
    return {character, character.swapcase()} if character.isascii() else {character}


class _AnyCharacter:
    """Where the characters that start a regex's matches are unknown: any of them."""

    def __contains__(self, character: object) -> bool:
        return True


_ANY_CHARACTER = _AnyCharacter()


class _Regex:
    def __init__(self, atom: Atom) -> None:
        # POSIX (leftmost-longest): the longest match at a position, and the first match
        # with its longest end in one search (a quarter fewer instructions than a default
        # search for the start and a POSIX match there).
        self._longest = regex.compile(atom.pattern, REGEX_FLAGS)
        self._width = _longest_match(atom.pattern)
        self.starts: Container[str] = _first_characters(atom.pattern) or _ANY_CHARACTER

    def first(self, text: str, end: int) -> Span | None:
        # The leftmost match ends at or after character ``end`` (no match ends before it)
        # and is at most _width long: the search starts there, not at the text's start.
        found = self._longest.search(text, 0 if self._width is None else max(0, end - self._width))
        return None if found is None else found.span()

    def end_at(self, text: str, start: int) -> int | None:
        found = self._longest.match(text, start)
        return None if found is None else found.end()


class FirstQuote:
    """Finds the first evidence span of one signal rule that is quoted once: the union of
    the matches of its atoms that overlap the leftmost one. Only the atoms present in the
    document (the first pass) are looked for: each search stops at its first match."""

    def __init__(self, rule: CompiledRule, atoms: Sequence[Atom]) -> None:
        self._atoms: dict[int, _Literal | _Regex] = {
            atom: _Literal(atoms[atom])
            if atoms[atom].kind is AtomKind.LITERAL
            else _Regex(atoms[atom])
            for atom in sorted(rule.atoms)
        }

    def span(self, text: str, present: dict[int, int], units: int) -> Span | None:
        """The span in ``text``, given the first pass over it (Matcher.present: the atoms
        that occur, each with where its first match ends, in bytes or characters) and the
        most units a character takes (Matcher.units_per_character: an end divided by it is
        a bound in characters). Each search starts a match's length before that bound:
        in a Chinese notice, at the first match, without converting offsets. None: no
        match (an ASCII literal present only inside a longer word)."""
        atoms = self._atoms
        start = end = -1
        finders: list[_Literal | _Regex] = []
        for atom in atoms.keys() & present.keys():
            finder = atoms[atom]
            first = finder.first(text, present[atom] // units)
            if first is not None:  # an atom without a match anywhere cannot extend the span
                finders.append(finder)
                if start < 0 or first[0] < start:
                    start, end = first
                elif first[0] == start and first[1] > end:
                    end = first[1]
        if start < 0:
            return None
        # The first searches found the longest match at ``start`` of every atom with one
        # there (its first match). Further on, only positions with a character that an
        # atom's matches start with are matched: most positions inside a span start none.
        position = start + 1
        while position < end:
            character = text[position]
            for finder in finders:
                if character in finder.starts:
                    found = finder.end_at(text, position)
                    if found is not None and found > end:
                        end = found
            position += 1
        return start, end


def first_quotes(rules: Sequence[CompiledRule], atoms: Sequence[Atom]) -> dict[str, FirstQuote]:
    """One finder per rule that is quoted once, by rule id."""
    return {rule.rule.id: FirstQuote(rule, atoms) for rule in rules if rule.quoted_once}
