"""Evaluating compiled rules over atom hits: any / all / near and exclusions.

Only candidate rules (whose required atoms are all present) are evaluated, and every step
works on the sorted hit lists, never on the text itself, so the cost follows the number of
hits rather than the size of the document.

Semantics (docs/rules.md):
- a *match* is ``(start, end, evidence)``; evidence spans become the flags;
- ``near`` with ``within: N``: one match of every child inside a window of N characters
  inside one clause (see _CLAUSE_ENDS);
  the evidence is the minimal span covering the closest such combination;
- ``near`` with a scope: the same, with the window inside one sentence or row;
- a rule's overlapping evidence spans are merged into one (their union);
- ``all``: every child matches somewhere; the evidence is each child's first match;
- ``exclude`` removes every atom hit of the rule that lies within N characters of (or in the
  same sentence/row/document as) an exclude match, before the rule's tree is evaluated.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence

from .compiler import AllOf, AnyOf, CompiledRule, Leaf, Node
from .schema import Scope

Span = tuple[int, int]
Match = tuple[int, int, tuple[Span, ...]]
Hits = dict[int, list[Span]]

# Sentence ends (full-width and ASCII) and line/page breaks; rows are lines. A line break
# inside wrapped English prose is no sentence end: after a letter, digit, comma, closing quote
# or bracket (or the \r of a \r\n) and before a lowercase letter ("(ethnicity, religion,\n
# gender) are excluded", 'an "ethnicity estimation"\n  module. It was never activated').
# Chinese rows, numbered clauses and bullets still end one. Nor is an ASCII ";": English joins
# the clauses of one sentence with it ("…overlooks the mosque; privacy masking is required"),
# where Chinese ends a listed item with "；" (these bounds are found in the original text).
_BOUNDARIES = {
    Scope.SENTENCE: re.compile(
        r"[。！？；!?\f]|(?<![A-Za-z0-9,\r\"”')])[\r\n]|[\r\n](?![\r\n]?[ \t]*[a-z])"
    ),
    Scope.ROW: re.compile(r"[\n\r\f]"),
}


# Where a sentence or clause ends in normalized text: 。 anywhere, and ; ! ? (NFKC made ；！？
# ASCII) where whitespace or the next clause's number follows, as at the end of a numbered
# clause's line (normalization drops the line break before a Chinese numeral); a ； inside a
# table cell or a line lists items of one requirement. A `near` window never reaches across
# one. Line breaks alone are no end, as PDF columns and OCR wrap lines inside sentences; nor
# is "." (3.1, 2.5 km, e.g.).
_CLAUSE_ENDS = re.compile(r"。|[;!?](?=\s|[一二三四五六七八九十]+[、.]|\d+[.、)]|[(（]\d)")


class Segments:
    """Sentence/row numbers of normalized positions, computed on first use.

    Boundaries are found in the *original* text because normalization removes line breaks
    between Chinese characters (they are layout, not words), which would merge rows.
    """

    def __init__(self, original: str, to_original: Callable[[int, int], Span], text: str) -> None:
        self._original = original
        self._to_original = to_original
        self._text = text  # normalized
        self._bounds: dict[Scope, list[int]] = {}
        self._ends: list[int] | None = None

    def clause_of(self, start: int, end: int) -> int | None:
        """The clause that holds normalized ``[start, end)`` (its number), or None where the
        span holds a clause end (_CLAUSE_ENDS: unlike ``Scope.SENTENCE``, a line break alone
        ends none)."""
        if self._ends is None:
            self._ends = [m.start() for m in _CLAUSE_ENDS.finditer(self._text)]
        clause = bisect_left(self._ends, start)
        return clause if clause == bisect_left(self._ends, end) else None

    def of(self, scope: Scope, position: int) -> int:
        if scope is Scope.DOCUMENT:
            return 0
        bounds = self._bounds.get(scope)
        if bounds is None:
            bounds = [m.start() for m in _BOUNDARIES[scope].finditer(self._original)]
            self._bounds[scope] = bounds
        original = self._to_original(position, position + 1)[0]
        return bisect_right(bounds, original)

    def within_one(self, scope: Scope, start: int, end: int) -> int | None:
        first = self.of(scope, start)
        return first if self.of(scope, end - 1) == first else None


def _evaluate(node: Node, hits: Hits, segments: Segments) -> list[Match]:
    if isinstance(node, Leaf):
        found: list[Match] = [
            (s, e, ((s, e),)) for atom in node.atoms for s, e in hits.get(atom, ())
        ]
        return sorted(found) if len(node.atoms) > 1 else found
    children = [_evaluate(child, hits, segments) for child in node.children]
    if isinstance(node, AnyOf):
        return sorted(set().union(*children))
    if not all(children):
        return []
    if isinstance(node, AllOf):
        firsts = [matches[0] for matches in children]
        evidence = tuple(sorted({span for m in firsts for span in m[2]}))
        return [(min(m[0] for m in firsts), max(m[1] for m in firsts), evidence)]
    if node.scope is not None:
        return _near_scope(children, node.scope, segments)
    assert node.within is not None  # guaranteed by the schema: within xor scope
    return _near_within(children, node.within, segments)


def _closest(children: Sequence[Sequence[Match]], within: int | None) -> list[Span]:
    """Minimal windows holding one match of every child, so that the evidence is the
    closest combination rather than the span from one child's first hit to another's last.

    Each match is grown by the nearest match of every other child, on whichever side adds
    less; the window starting at the match and taking the earliest-ending match of each
    other child to its right is kept as well, which finds a window whenever one within the
    limit starts at that match. Of windows that contain another, only the inner one stays.
    """
    starts = [[m[0] for m in matches] for matches in children]
    # Per child: the smallest end among matches starting at or after each position.
    nearest_ends: list[list[int]] = []
    for matches in children:
        ends = [m[1] for m in matches]
        for i in range(len(ends) - 2, -1, -1):
            ends[i] = min(ends[i], ends[i + 1])
        nearest_ends.append(ends)
    windows: set[Span] = set()
    for anchor, matches in enumerate(children):
        for start, end, _ in matches:
            rightward: Span | None = (start, end)
            closest = (start, end)
            for other, other_matches in enumerate(children):
                if other == anchor:
                    continue
                i = bisect_left(starts[other], start)
                if rightward is not None:
                    right_end = nearest_ends[other][i] if i < len(starts[other]) else None
                    rightward = None if right_end is None else (start, max(rightward[1], right_end))
                low, high = closest
                options = []
                j = bisect_left(starts[other], low)
                if j < len(starts[other]):
                    options.append((low, max(high, nearest_ends[other][j])))
                if j > 0:
                    before = other_matches[j - 1]
                    options.append((before[0], max(high, before[1])))
                closest = min(options, key=lambda w: (w[1] - w[0], w))
            for window in (closest, rightward):
                if window is not None and (within is None or window[1] - window[0] <= within):
                    windows.add(window)
                    break
    minimal: list[Span] = []
    smallest_end: int | None = None
    for start, end in sorted(windows, key=lambda w: (-w[0], w[1])):
        if smallest_end is None or end < smallest_end:
            minimal.append((start, end))
            smallest_end = end
    return minimal[::-1]


def _near_within(children: list[list[Match]], within: int, segments: Segments) -> list[Match]:
    # One requirement is one clause: "…超标告警推送住建局；4. 礼拜时段停止施工" pairs an alarm with
    # prayer times only across the clause end. Windows are looked for clause by clause, so a
    # nearer partner across a clause end never hides the one inside the clause.
    return _near_grouped(children, segments.clause_of, within)


def _near_scope(children: list[list[Match]], scope: Scope, segments: Segments) -> list[Match]:
    return _near_grouped(children, lambda s, e: segments.within_one(scope, s, e), None)


def _near_grouped(
    children: list[list[Match]], group_of: Callable[[int, int], int | None], within: int | None
) -> list[Match]:
    """Closest windows (_closest) among the matches of each group (a clause, sentence or
    row; ``group_of`` gives a match's group, None for one that spans two)."""
    groups: dict[int, list[list[Match]]] = {}
    for index, matches in enumerate(children):
        for match in matches:
            group = group_of(match[0], match[1])
            if group is not None:
                groups.setdefault(group, [[] for _ in children])[index].append(match)
    found: list[Match] = []
    for grouped in groups.values():
        if all(grouped):
            found.extend((s, e, ((s, e),)) for s, e in _closest(grouped, within))
    return sorted(found)


def _excluded(rule: CompiledRule, hits: Hits, segments: Segments) -> Hits | None:
    """The rule's atom hits minus those vetoed by its exclusions; None if all are vetoed."""
    own = {atom: hits[atom] for atom in rule.atoms if atom in hits}
    vetoes = sorted({m for node in rule.exclude for m in _evaluate(node, hits, segments)})
    if not vetoes:
        return own
    scope = rule.exclude_scope
    if scope is Scope.DOCUMENT:
        return None
    if scope is not None:
        vetoed_segments = {
            segment
            for start, end, _ in vetoes
            for segment in range(segments.of(scope, start), segments.of(scope, end - 1) + 1)
        }
        return {
            atom: kept
            for atom, spans in own.items()
            if (kept := [s for s in spans if segments.of(scope, s[0]) not in vetoed_segments])
        }
    within = rule.exclude_within
    zones: list[Span] = []
    for start, end, _ in vetoes:
        low, high = start - within, end + within
        if zones and low <= zones[-1][1]:
            zones[-1] = (zones[-1][0], max(high, zones[-1][1]))
        else:
            zones.append((low, high))
    lows = [z[0] for z in zones]
    highs = [z[1] for z in zones]

    def vetoed(span: Span) -> bool:
        i = bisect_right(highs, span[0])
        return i < len(zones) and lows[i] < span[1]

    return {
        atom: kept for atom, spans in own.items() if (kept := [s for s in spans if not vetoed(s)])
    }


def evaluate(
    candidates: Sequence[CompiledRule], hits: Hits, segments: Segments
) -> list[tuple[CompiledRule, list[Span]]]:
    """Evidence spans of every candidate rule that matches, in the given order."""
    results: list[tuple[CompiledRule, list[Span]]] = []
    for rule in candidates:
        own = _excluded(rule, hits, segments) if rule.exclude else hits
        if not own:
            continue
        matches = _evaluate(rule.match, own, segments)
        if matches:
            results.append((rule, _union(span for m in matches for span in m[2])))
    return results


def _union(spans: Iterable[Span]) -> list[Span]:
    """Overlapping evidence of one rule becomes one span: a reviewer reads one quote per
    finding, not three staggered quotes of the same words."""
    merged: list[Span] = []
    for start, end in sorted(set(spans)):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
