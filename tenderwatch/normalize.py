"""Text normalization for matching and search, with a map back to the original text.

The transform (see docs/extraction.md):

1. per character: NFKC (full-width forms, Kangxi radicals such as ⽉ → 月), lowercase and
   traditional → simplified Chinese, iterated until the character is stable;
2. invisible characters that split words (zero-width space/joiners, soft hyphen, BOM,
   variation selectors) are removed;
3. whitespace: a run of whitespace *between two CJK characters* is removed (OCR and PDF
   columns break words: 维 吾 尔 → 维吾尔); any other run becomes one space.

Why per character: OpenCC's phrase-level ``t2s`` runs at under 1 MB/s on this machine while
``str.translate`` with one precomputed table runs at ~45 MB/s. Phrase conversions only change
which simplified form a handful of ambiguous characters take (乾 → 干 vs 乾), which rule
literals normalized the same way never notice. Combining sequences (accents, Hangul jamo,
half-width kana voicing marks) are the one place where NFKC looks across characters; they
are found with a regex and normalized as a unit.

Offsets: most characters map 1:1, so the map only stores *atomic segments* - places where
a span of the original became a span of different length (expansions such as ㎏ → kg,
removed whitespace, combining clusters). Between segments the offset shift is constant.
Text that took the fast path (only whitespace runs and 1:1 changes) keeps a reference to
its original instead: every character other than whitespace survives one for one and in
order, so a span that starts and ends on one is mapped by counting whitespace (str.count,
in C) rather than by finding the segments before it (a regex match and Python per run).
"""

from __future__ import annotations

import heapq
import itertools
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

# Characters that are invisible yet break a word in two (zero-width space and joiners,
# soft hyphen, BOM, variation selectors); removed before matching.
_INVISIBLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x2060, 0x2064),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xE0100, 0xE01EF),
)
# Scripts written without spaces between words: whitespace between two of these is an
# artefact of layout or OCR, not a word boundary. Hangul is excluded: Korean uses spaces.
_CJK = (
    "\u2e80-\u2fdf\u2ff0-\u2fff\u3001-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff"
    "\u3200-\u33ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f"
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff9f"
    "\U00020000-\U0003134f"
)
# Code points examined when building the tables: everything up to the end of the CJK
# extension planes; planes 4-13 are unassigned and 15-16 are private use.
_LAST_TABLE_CODE_POINT = 0x323AF
# All whitespace (str.isspace) lies below U+3001.
_LAST_SPACE = 0x3000
# Hangul vowel and trailing-consonant jamo compose with the preceding syllable.
_HANGUL_JOINERS = ((0x1161, 0x1175), (0x11A8, 0x11C2))


# One atomic segment: normalized [n_start, n_end) came from original [o_start, o_end).
Segment = tuple[int, int, int, int]


# The whitespace that the fast path of normalize handles (any other sends text down the
# general path): in its output every one of them is a space or gone.
_FAST_SPACES = " \t\n\r\x0b\x0c\xa0\u3000"
# Characters flattened past the position a span needs (see Normalized._flattened): most
# spans need no second step.
_FLAT_STEP = 256
# Shared by every Normalized until it finds a segment (never appended to).
_NONE_YET: list[Any] = []


class Normalized:
    """Normalized text plus the segments needed to map its spans back to the original.

    Atomic segments, in order: normalized ``[n_start, n_end)`` came from original
    ``[o_start, o_end)`` as a whole; outside them, offsets shift by a constant. On the fast
    path they are found lazily, and only as far into the text as a mapped span reaches:
    most scanned documents raise no flag, a context signal quotes its first occurrence,
    and most indexed pages need only the text.
    """

    __slots__ = (
        "_flat",
        "_more",
        "_original",
        "_segments",
        "_starts",
        "original_length",
        "text",
    )

    def __init__(
        self,
        text: str,
        original_length: int,
        segments: Iterable[Segment],
        original: str | None = None,
    ) -> None:
        self.text = text
        self.original_length = original_length
        # The original text where every change is a whitespace run removed or made one
        # space, or one character replaced by another (the fast path of normalize):
        # spans that start and end on other characters are then mapped by counting.
        self._original = original
        # A prefix of the original with every kind of whitespace in it made a space (see
        # _counted), grown as far as mapped spans reach.
        self._flat = ""
        # Segments found so far, and their n_start for bisect; most texts never need any.
        self._segments: list[Segment] = _NONE_YET
        self._starts: list[int] = _NONE_YET
        self._more: Iterator[Segment] | None = iter(segments)

    def __repr__(self) -> str:
        return f"Normalized(text={self.text!r}, original_length={self.original_length})"

    @classmethod
    def join(cls, parts: Sequence[Normalized], separator: str) -> Normalized:
        """The normalized texts joined by ``separator``, which stays as it is in both texts:
        spans map into the originals joined by the same separator (the pages of a document
        normalized one by one, scanned as a whole). One part is returned as it is."""
        if len(parts) == 1:
            return parts[0]
        text = separator.join(part.text for part in parts)
        original_length = sum(part.original_length for part in parts)
        original_length += len(separator) * max(0, len(parts) - 1)
        return cls(text, original_length, _shifted(parts, len(separator)))

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Span ``[start, end)`` of :attr:`text` -> the span of original characters it came from.

        A span touching part of an expansion (the ``k`` of ``kg`` from ``㎏``) widens to the
        whole original character, so the original span always normalizes to a text that
        contains the normalized span.
        """
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span ({start}, {end}) outside normalized text of {len(self.text)}")
        if start == end:
            position = self._boundary(start)
            return position, position
        text = self.text
        if self._original is not None and text[start] != " " and text[end - 1] != " ":
            # Characters other than spaces are kept one for one and in order: the one at
            # ``start`` is the original's character with as many others before it.
            before = start - text.count(" ", 0, start)
            first = self._counted(before, 0, 0)
            inside = end - start - text.count(" ", start, end)
            quoted = self._original[first : first + inside]
            if quoted.split() == [quoted]:
                # No whitespace in the original either (most spans: a term): those are
                # the characters, one for one. split() checks that in one call.
                return first, first + inside
            last = self._counted(before + inside - 1, before, first)
            return first, last + 1
        return self._start(start), self._end(end)

    def _counted(self, others: int, known: int, offset: int) -> int:
        """Offset of the original character, not whitespace, with ``others`` such before
        it, searched from ``offset``, which has ``known`` (at most ``others``) before it.
        Found by counting whitespace in C, a stretch at a time: each stretch is as long as
        the whitespace found in the one before, so few are needed."""
        position = offset + others - known
        flat = self._flat if position < len(self._flat) else self._flattened(position)
        end = offset
        while found := flat.count(" ", end, position):
            end, position = position, position + found
            if position >= len(flat):
                flat = self._flattened(position)
        while flat[position] == " ":
            position += 1
            if position == len(flat):
                flat = self._flattened(position)
        return position

    def _flattened(self, position: int) -> str:
        """The flattened prefix grown past original ``position`` (or to the end). Most
        mapped spans lie early in a notice (a context signal's first occurrence), so the
        text after them is never flattened; doubling keeps growing it linear."""
        assert self._original is not None
        done = self._flat
        size = max(position + _FLAT_STEP, 2 * len(done))
        more = self._original[len(done) : size]
        for space in _FAST_SPACES[1:]:  # all but the space itself
            more = more.replace(space, " ")
        self._flat = flat = done + more
        return flat

    def segments(self) -> Iterator[Segment]:
        """Every atomic segment in order, finding the rest on the way."""
        self._find(None)
        return iter(self._segments)

    def _find(self, position: int | None) -> None:
        """Find segments up to the first one starting after normalized ``position`` (None:
        all of them)."""
        if self._more is None:
            return
        if self._segments is _NONE_YET:
            self._segments, self._starts = [], []
        add, add_start = self._segments.append, self._starts.append
        for segment in self._more:  # a tight loop: it runs per segment
            add(segment)
            add_start(segment[0])
            if position is not None and segment[0] > position:
                return
        self._more = None

    def _segment(self, position: int) -> Segment | None:
        """The last segment starting at or before normalized ``position``."""
        if not self._starts or self._starts[-1] <= position:
            self._find(position)
        k = bisect_right(self._starts, position) - 1
        return None if k < 0 else self._segments[k]

    def _start(self, position: int) -> int:
        segment = self._segment(position)
        if segment is None:
            return position
        _, n_end, o_start, o_end = segment
        return o_start if position < n_end else position - n_end + o_end

    def _end(self, position: int) -> int:
        last = position - 1
        segment = self._segment(last)
        if segment is None:
            return position
        _, n_end, _, o_end = segment
        return o_end if last < n_end else position - n_end + o_end

    def _boundary(self, position: int) -> int:
        if position == len(self.text):
            return self.original_length
        return self._start(position)


def _shifted(parts: Sequence[Normalized], separator: int) -> Iterator[Segment]:
    n_shift = o_shift = 0
    for part in parts:
        for n_start, n_end, o_start, o_end in part.segments():
            yield n_start + n_shift, n_end + n_shift, o_start + o_shift, o_end + o_shift
        n_shift += len(part.text) + separator
        o_shift += part.original_length + separator


@dataclass(frozen=True, slots=True)
class _Tables:
    # Per-character transform indexed by code point: a code point (1:1) or a string.
    # A list, not a dict: str.translate raises and clears a KeyError for every character
    # missing from a dict, which halves its speed on Chinese text.
    translate: list[int | str]
    scans: tuple[re.Pattern[str], ...]  # find runs that need more than the table
    parts: re.Pattern[str]  # splits such a run into gaps, clusters and expansions
    gap_only: re.Pattern[str]
    space: re.Pattern[str]
    cjk: re.Pattern[str]
    # A character that combines with the one before it, or is removed: what a gap's left
    # neighbour is looked for behind.
    attached: re.Pattern[str]
    invisible: re.Pattern[str]
    # The fast path (see normalize): characters it cannot handle, whitespace runs it
    # removes or collapses, and the frequent 1:1 changes it makes with str.replace.
    unusual: re.Pattern[str]
    gaps: re.Pattern[str]
    between_cjk: re.Pattern[str]
    collapse: re.Pattern[str]
    replace: tuple[tuple[str, str], ...]


def _char_class(code_points: Iterable[int]) -> str:
    """A regex character class body for the given code points, compressed into ranges."""
    parts: list[str] = []
    ordered = sorted(set(code_points))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        first, last = re.escape(chr(ordered[i])), re.escape(chr(ordered[j]))
        parts.append(first if i == j else f"{first}-{last}")
        i = j + 1
    return "".join(parts)


def _t2s_characters() -> dict[str, str]:
    """OpenCC's traditional -> simplified character table (first candidate of each entry)."""
    text = (resources.files("opencc") / "dictionary" / "TSCharacters.txt").read_text("utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        source, _, targets = line.partition("\t")
        if len(source) == 1 and targets:
            table[source] = targets.split(" ")[0]
    return table


def _transform(text: str, t2s: dict[str, str]) -> str:
    """NFKC, lowercase and t2s, per character, repeated until stable (so it is idempotent)."""
    for _ in range(4):
        step = "".join(unicodedata.normalize("NFKC", c).lower() for c in text)
        step = "".join(t2s.get(c, c) for c in step)
        if step == text:
            break
        text = step
    return text


@cache
def _tables() -> _Tables:
    """Built once per process on first use (a few tenths of a second), never at import."""
    t2s = _t2s_characters()
    invisible = {cp for low, high in _INVISIBLE for cp in range(low, high + 1)}
    spaces = {cp for cp in range(_LAST_SPACE + 1) if chr(cp).isspace()}
    translate: list[int | str] = list(range(_LAST_TABLE_CODE_POINT + 1))
    expansions: set[int] = set()
    seconds = {cp for low, high in _HANGUL_JOINERS for cp in range(low, high + 1)}
    decomposable: list[int] = []
    for cp in range(_LAST_TABLE_CODE_POINT + 1):
        ch = chr(cp)
        decomposition = unicodedata.decomposition(ch)
        if unicodedata.combining(ch) or unicodedata.category(ch)[0] == "M":
            seconds.add(cp)
        if decomposition:
            decomposable.append(cp)
            fields = decomposition.split()
            if len(fields) == 2 and not decomposition.startswith("<"):
                seconds.add(int(fields[1], 16))
        elif ch not in t2s and ch.lower() == ch and cp not in spaces:
            continue  # the vast majority: nothing to do
        if cp in invisible:
            continue  # always removed by the scan
        if cp in spaces:
            # A lone whitespace character between non-CJK text becomes a space right here;
            # every other whitespace run is found by the scan.
            translate[cp] = 0x20
            continue
        out = _transform(ch, t2s)
        if any(c.isspace() for c in out):
            # Spacing accents (¨ -> " ̈") would smuggle whitespace into the text.
            out = ch.lower() if len(ch.lower()) == 1 else ch
        translate[cp] = ord(out) if len(out) == 1 else out
        if len(out) != 1:
            expansions.add(cp)
    # A character joins the one before it if its decomposition starts with a combining
    # character (half-width katakana voicing mark ﾞ -> U+3099 joins too).
    joiners = set(seconds)
    for cp in decomposable:
        if ord(unicodedata.normalize("NFKD", chr(cp))[0]) in seconds:
            joiners.add(cp)
    joiners -= invisible | spaces
    gap = _char_class(spaces | invisible)
    # Two scans find the runs that the per-character table cannot handle, each starting
    # with a character class so that the regex engine skips ordinary text at C speed
    # (~250 MB/s). The class must be BMP-only (a bitmap): one catch-all range stands in
    # for astral starters, checked precisely by a look-behind.
    starters = invisible | joiners | expansions
    bmp_start = _char_class(cp for cp in starters if cp <= 0xFFFF)
    astral_start = _char_class(cp for cp in starters if cp > 0xFFFF)
    astral = "\U00010000-\U0010ffff"
    ws = _char_class(spaces)
    more = _char_class(spaces | invisible | joiners | expansions)
    scans = (
        # invisible characters, combining marks, expansions
        re.compile(f"[{bmp_start}{astral}](?:(?<=[^{astral}])|(?<=[{astral_start}]))[{more}]*+"),
        # whitespace runs longer than one character, or between two CJK characters
        re.compile(f"[{ws}](?:(?=[{gap}])|(?<=[{_CJK}].)(?=[{_CJK}]))[{more}]*+", re.DOTALL),
    )
    invisible_class = _char_class(invisible)
    join = _char_class(joiners)
    parts = re.compile(
        # a base character with the marks that combine into it; invisible characters
        # between them are dropped first, or a second pass would combine them
        f"(?P<cluster>[^{gap}]?[{invisible_class}]*+[{join}][{join}{invisible_class}]*+)"
        f"|(?P<gap>[{gap}]++)"
        "|(?P<other>.)",
        re.DOTALL,
    )
    # The fast path handles whitespace with two regex substitutions, A-Z with str.lower()
    # and the full-width punctuation frequent in Chinese notices with str.replace (one C
    # pass each; a check per character is why this list is short). Anything else that
    # changes sends the text down the general path.
    common_spaces = {ord(c) for c in _FAST_SPACES}
    punctuation = {ord(c) for c in "，：；（）！？％＋－／＜＞＝［］"}
    replace = tuple(
        (chr(cp), to if isinstance(to := translate[cp], str) else chr(to))
        for cp in sorted(punctuation | common_spaces - {0x20})
    )
    lowered = set(range(ord("A"), ord("Z") + 1))
    changing = {
        cp
        for cp in range(0x10000)
        if translate[cp] != cp or chr(cp).lower() != chr(cp) or cp in starters
    }
    unusual = _char_class(changing - common_spaces - punctuation - lowered)
    return _Tables(
        translate=translate,
        scans=scans,
        parts=parts,
        gap_only=re.compile(f"[{gap}]+"),
        space=re.compile(f"[{_char_class(spaces)}]"),
        # A combining mark (half-width ﾞ) is no CJK neighbour: removing the gap before it
        # would let it compose on a second pass.
        cjk=re.compile(f"(?![{join}])[{_CJK}]"),
        attached=re.compile(f"[{join}{invisible_class}]"),
        invisible=re.compile(f"[{invisible_class}]+"),
        unusual=re.compile(f"[{unusual}{astral}]"),
        # A whitespace run between two CJK characters (removed: group 1 unset), or any
        # other run of two or more (collapsed: group 1 keeps one of its characters).
        gaps=re.compile(
            f"[{ws}](?:(?<=[{_CJK}].)[{ws}]*+(?=[{_CJK}])|(?=([{ws}]))[{ws}]++)",
            re.DOTALL,
        ),
        between_cjk=re.compile(f"[{ws}](?<=[{_CJK}].)[{ws}]*+(?=[{_CJK}])", re.DOTALL),
        collapse=re.compile(f"[{ws}][{ws}]++"),
        replace=replace,
    )


def _gap(tables: _Tables, text: str, begin: int, finish: int) -> str:
    """What a run of whitespace and invisible characters becomes."""
    # On the left, the base of the cluster that ends there decides, past its marks and any
    # invisible character: ｶﾞ becomes ガ, which a second pass would read as CJK (normalizing
    # twice must change nothing).
    left = begin - 1
    while left > 0 and tables.attached.match(text, left) is not None:
        left -= 1
    between_cjk = (
        begin > 0
        and finish < len(text)
        and tables.cjk.match(text, left) is not None
        and tables.cjk.match(text, finish) is not None
    )
    return "" if between_cjk or tables.space.search(text, begin, finish) is None else " "


def _cluster(tables: _Tables, text: str) -> str:
    """Normalize a base character with its combining marks as one unit."""
    out = tables.invisible.sub("", text)
    for _ in range(3):  # lowercasing can un-order marks (İ -> i + U+0307); repeat until stable
        again = unicodedata.normalize("NFKC", out).translate(tables.translate)
        if again == out:
            break
        out = again
    return out


def _runs(tables: _Tables, text: str) -> Iterator[re.Match[str]]:
    rare, spaces = (scan.finditer(text) for scan in tables.scans)
    first = next(rare, None)
    if first is None:  # the usual case: no invisible, combining or expanding characters
        return spaces
    return heapq.merge(itertools.chain((first,), rare), spaces, key=_match_start)


def _match_start(match: re.Match[str]) -> int:
    return match.start()


def normalize(text: str) -> Normalized:
    """Normalize ``text`` for matching, keeping a map from normalized spans to original ones."""
    tables = _tables()
    if tables.unusual.search(text) is not None:
        return _normalize_any(tables, text)
    # The fast path, for text whose only changes are whitespace runs and 1:1 characters
    # (nearly all Chinese notices): a few passes in C instead of str.translate, which
    # looks every character up through Python objects (~8 times slower here). The
    # result equals _normalize_any's; tests check that.
    # A literal replacement keeps re.sub in C (a group reference calls Python per match).
    out = tables.collapse.sub(" ", tables.between_cjk.sub("", text))
    for old, new in tables.replace:
        if old in out:
            out = out.replace(old, new)
    return Normalized(out.lower(), len(text), _gap_segments(tables, text), text)


def _gap_segments(tables: _Tables, text: str) -> Iterator[Segment]:
    """The atomic segments of fast-path text: its removed or collapsed whitespace runs."""
    shift = 0
    for match in tables.gaps.finditer(text):
        begin, finish = match.span()
        length = 0 if match.lastindex is None else 1
        yield begin + shift, begin + shift + length, begin, finish
        shift += length - (finish - begin)


def _normalize_any(tables: _Tables, text: str) -> Normalized:
    """The general path: any text, including combining marks, expansions and invisibles."""
    # Pieces are raw original text (translated all at once at the end; every character
    # there maps 1:1) and already-normalized replacements for the runs the scans find.
    pieces: list[str] = []
    segments: list[int] = []  # flat (n_start, n_end, o_start, o_end) per atomic segment
    last = 0  # original offset handled so far
    shift = 0  # normalized offset minus original offset at ``last``
    for match in _runs(tables, text):
        begin, finish = match.span()
        if begin < last:
            continue  # the other scan found the same run from a later character
        if tables.gap_only.fullmatch(text, begin, finish) is not None:
            parts: Iterable[tuple[int, int, str]] = ((begin, finish, "gap"),)
        else:
            if begin > last:
                begin -= 1  # a combining mark at the start of the run needs its base
            parts = (
                (*part.span(), part.lastgroup or "")
                for part in tables.parts.finditer(text, begin, finish)
            )
        pieces.append(text[last:begin])
        for p_begin, p_finish, kind in parts:
            if kind == "gap":
                out = _gap(tables, text, p_begin, p_finish)
            elif kind == "cluster":
                out = _cluster(tables, text[p_begin:p_finish])
            else:
                out = text[p_begin:p_finish].translate(tables.translate)
            pieces.append(out)
            n_begin = p_begin + shift
            segments += (n_begin, n_begin + len(out), p_begin, p_finish)
            shift += len(out) - (p_finish - p_begin)
        last = finish
    pieces.append(text[last:])
    return Normalized(
        "".join(pieces).translate(tables.translate),
        len(text),
        zip(segments[0::4], segments[1::4], segments[2::4], segments[3::4], strict=True),
    )


def normalize_query(text: str) -> str:
    """The same transform as :func:`normalize`, for rule literals and search queries."""
    return normalize(text).text
