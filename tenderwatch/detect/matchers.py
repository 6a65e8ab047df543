"""The multi-pattern matchers behind detection: hyperscan (one compiled database for every
literal and regex of the rule set) and a pure-Python fallback for machines without a
hyperscan wheel. Both report the same hits; the test suite checks that on every example.

A matcher finds *raw* hits; :func:`canonical_hits` applies what both share (word
boundaries for ASCII literals, merging overlapping regex hits) so their results are equal.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, Protocol

import regex

from ..registry import Registry
from .compiler import Atom, AtomKind, is_word_char
from .loader import RuleError

Span = tuple[int, int]
RawHit = tuple[int, int, int]  # atom id, start, end (in the matcher's units: bytes or characters)
Hits = dict[int, list[Span]]  # canonical spans per atom, in characters of the normalized text
# Atoms whose hits matter only up to the end of a rule's first evidence span, with the atom
# sets of those rules (Program.first_only).
FirstOnly = dict[int, tuple[frozenset[int], ...]]

# ASCII letters and digits, as characters and as byte values: a word-boundary check reads
# the same on the text and on its UTF-8 encoding (every non-ASCII byte is >= 0x80).
_ASCII_WORD = [chr(code) for code in range(128) if is_word_char(chr(code))]
_WORD: frozenset[str | int] = frozenset(_ASCII_WORD) | frozenset(map(ord, _ASCII_WORD))

# Regexes match case-insensitively on both matchers: text is lowercased by normalization,
# and this keeps a rule author's `DS-` from silently never matching. No UCP: hyperscan
# rejects \b in UCP mode, and model numbers need it; so \w \d \s \b are ASCII-only on both.
_HS_REGEX_FLAGS = ("HS_FLAG_SOM_LEFTMOST", "HS_FLAG_UTF8", "HS_FLAG_CASELESS")


class Matcher(Protocol):
    name: str

    def present(self, text: str) -> set[int]:
        """Atoms that occur in ``text`` (a cheap first pass; may ignore word boundaries)."""
        ...

    def find(
        self, text: str, limit: int, needed: frozenset[int], first_only: FirstOnly
    ) -> tuple[Hits, bool]:
        """Canonical hits of the ``needed`` atoms in ``text`` (of ``first_only`` atoms, those
        up to their rules' first evidence span), and whether the scan finished (False: it
        stopped after ``limit`` raw hits)."""
        ...


# atoms, and a folder where a matcher may cache what it compiles (None: no caching)
MatcherFactory = Callable[[Sequence[Atom], Path | None], Matcher]
MATCHERS: Registry[MatcherFactory] = Registry("matcher")


def _hs_escape(literal: str) -> bytes:
    # Escape ASCII punctuation and spaces; letters, digits and non-ASCII stay as they are.
    out = "".join("\\" + ch if ch.isascii() and not ch.isalnum() else ch for ch in literal)
    return out.encode("utf-8")


class HyperscanMatcher:
    """All atoms in one hyperscan block-mode database. Literals are compiled without
    start-of-match tracking (their start is end minus length), which keeps them fast."""

    name = "hyperscan"

    def __init__(self, atoms: Sequence[Atom], cache_dir: Path | None = None) -> None:
        import hyperscan

        self._hs = hyperscan
        self._local = threading.local()
        regex_flags = 0
        for flag in _HS_REGEX_FLAGS:
            regex_flags |= getattr(hyperscan, flag)
        self._traits = _traits(atoms)
        self._literal_bytes: dict[int, int] = {}
        self._literal_chars: dict[int, int] = {}
        self._widths = {atom.id: _max_bytes(atom) for atom in atoms}
        self._first_dbs: dict[frozenset[int], tuple[Any, threading.local]] = {}
        self._cache_dir = cache_dir
        expressions: list[bytes] = []
        flags: list[int] = []
        for atom in atoms:
            if atom.kind is AtomKind.LITERAL:
                expressions.append(_hs_escape(atom.pattern))
                flags.append(0)
                self._literal_bytes[atom.id] = len(atom.pattern.encode("utf-8"))
                self._literal_chars[atom.id] = len(atom.pattern)
            else:
                expressions.append(atom.pattern.encode("utf-8"))
                flags.append(regex_flags)
        ids = [atom.id for atom in atoms]
        self._compiled = dict(zip(ids, zip(expressions, flags, strict=True), strict=True))
        # The presence database reports each atom once and skips start-of-match tracking:
        # most documents stop after this pass because no rule has all it needs.
        once = [
            (f & ~hyperscan.HS_FLAG_SOM_LEFTMOST) | hyperscan.HS_FLAG_SINGLEMATCH for f in flags
        ]
        try:
            self._db = self._database(expressions, ids, flags, cache_dir)
            self._presence_db = self._database(expressions, ids, once, cache_dir)
        except hyperscan.error as exc:
            raise RuleError(self._culprit(atoms, regex_flags) or f"hyperscan: {exc}") from None

    def _database(
        self, expressions: list[bytes], ids: list[int], flags: list[int], cache_dir: Path | None
    ) -> Any:
        """Compiling takes seconds for the bundled rules, in every process that scans; so the
        compiled database is kept on disk under a name derived from everything it was
        compiled from, with a checksum (hyperscan does not detect every corruption)."""
        hs = self._hs
        key = hashlib.sha256(f"{hs.__version__}\0{hs.HS_MODE_BLOCK}".encode())
        for expression, atom, flag in zip(expressions, ids, flags, strict=True):
            key.update(b"%d\0%d\0%s\n" % (atom, flag, expression))
        path = None if cache_dir is None else cache_dir / f"hyperscan-{key.hexdigest()}.db"
        if path is not None:
            try:
                stored = path.read_bytes()
                if hashlib.sha256(stored[32:]).digest() == stored[:32]:
                    return hs.loadb(stored[32:], mode=hs.HS_MODE_BLOCK)
            except (OSError, hs.error):
                pass  # missing, unreadable or corrupt: compile it again
        db = hs.Database(mode=hs.HS_MODE_BLOCK)
        db.compile(expressions=expressions, ids=ids, elements=len(ids), flags=flags)
        if path is not None:
            _write_atomically(path, _checksummed(hs.dumpb(db)))
        return db

    def _scratch(self) -> tuple[Any, Any]:
        # A database's default scratch space cannot serve two threads at once (the web UI
        # scans from a thread pool), so every thread gets its own.
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            hs = self._hs
            scratch = self._local.scratch = (hs.Scratch(self._db), hs.Scratch(self._presence_db))
        return scratch

    def _encoded(self, text: str) -> bytes:
        # present() and find() scan the same text one after the other: encode it once.
        cached: tuple[str, bytes] | None = getattr(self._local, "encoded", None)
        if cached is None or cached[0] is not text:
            cached = self._local.encoded = (text, text.encode("utf-8"))
        return cached[1]

    def present(self, text: str) -> set[int]:
        found: set[int] = set()

        def on_match(atom: int, _start: int, _end: int, _flags: int, _context: object) -> None:
            found.add(atom)

        self._presence_db.scan(
            self._encoded(text), match_event_handler=on_match, scratch=self._scratch()[1]
        )
        return found

    def _culprit(self, atoms: Sequence[Atom], regex_flags: int) -> str | None:
        """hyperscan does not say which expression failed; compile them one by one."""
        for atom in atoms:
            if atom.kind is AtomKind.REGEX:
                db = self._hs.Database(mode=self._hs.HS_MODE_BLOCK)
                try:
                    db.compile(expressions=[atom.pattern.encode()], ids=[0], flags=[regex_flags])
                except self._hs.error as exc:
                    return f"{atom.origin}: regex {atom.pattern!r}: hyperscan cannot compile: {exc}"
        return None

    def find(
        self, text: str, limit: int, needed: frozenset[int], first_only: FirstOnly
    ) -> tuple[Hits, bool]:
        data = self._encoded(text)
        if needed.issubset(first_only) and len(data) > _FIRST_PREFIX:
            hits, complete = self._first_spans(data, limit, needed, first_only)
        else:
            found, complete = self._raw(self._db, self._scratch()[0], data, limit, needed)
            # Word boundaries and merging work on byte offsets as well (UTF-8 preserves
            # order and ASCII); only the hits that survive them are converted to characters.
            hits = canonical_hits(self._traits, data, found, first_only)
        if len(data) == len(text):  # ASCII: byte offsets are character offsets
            return hits, complete
        return _bytes_to_chars(data, hits, self._literal_chars), complete

    def _raw(
        self, db: Any, scratch: Any, data: bytes, limit: int, needed: frozenset[int]
    ) -> tuple[list[RawHit], bool]:
        found: list[RawHit] = []
        lengths = self._literal_bytes

        def on_match(atom: int, start: int, end: int, _flags: int, _context: object) -> bool:
            if atom not in needed:
                return False
            length = lengths.get(atom)
            found.append((atom, start if length is None else end - length, end))
            return len(found) >= limit

        try:
            db.scan(data, match_event_handler=on_match, scratch=scratch)
        except self._hs.ScanTerminated:
            return found, False
        return found, True

    def _first_spans(
        self, data: bytes, limit: int, needed: frozenset[int], first_only: FirstOnly
    ) -> tuple[Hits, bool]:
        """Hits of atoms that matter only up to their rules' first evidence span (a document
        whose only candidate rules are context signals: every camera tender). Scans a
        growing prefix with a database of those atoms alone and stops once each rule's
        first span ends at least one match width before the cut: no hit beyond the cut
        can then start inside it. The hits equal those of a whole scan after
        canonical_hits drops the later ones; the matcher-parity tests check it."""
        db, local = self._first_db(frozenset(first_only))
        scratch = getattr(local, "scratch", None)
        if scratch is None:
            scratch = local.scratch = self._hs.Scratch(db)
        width = max(self._widths[atom] for atom in needed)
        # The rules of the atoms present (needed holds only those): each has a first span.
        groups = {group for atom in needed for group in first_only[atom]}
        # Matches of unbounded width could start anywhere before the cut: scan it all.
        cut = _FIRST_PREFIX if width < _FIRST_PREFIX else len(data)
        while True:
            whole = cut >= len(data)
            found, complete = self._raw(db, scratch, data if whole else data[:cut], limit, needed)
            if not whole:
                # A match ending at the cut may exist only because the text ends there
                # (\b, $); one that is real ends before the cut or is found again later.
                found = [hit for hit in found if hit[2] < cut]
            hits = canonical_hits(self._traits, data, found, first_only)
            if whole or not complete:
                return hits, complete
            ends = [_first_union_end(hits, group) for group in groups if _any_hit(hits, group)]
            if len(ends) == len(groups) and max(ends) + width < cut:
                return hits, True
            cut *= 4

    def _first_db(self, atoms: frozenset[int]) -> tuple[Any, threading.local]:
        entry = self._first_dbs.get(atoms)
        if entry is None:
            ids = sorted(atoms)
            expressions = [self._compiled[atom][0] for atom in ids]
            flags = [self._compiled[atom][1] for atom in ids]
            db = self._database(expressions, ids, flags, self._cache_dir)
            entry = self._first_dbs[atoms] = (db, threading.local())
        return entry


# Bytes of a document scanned before the first look at whether every context signal's first
# span is complete: most lie in the title or the first rows of the item table.
_FIRST_PREFIX = 1024


def _max_bytes(atom: Atom) -> int:
    """The longest match of an atom in UTF-8 bytes (sys.maxsize: unbounded)."""
    if atom.kind is AtomKind.LITERAL:
        return len(atom.pattern.encode("utf-8"))
    longest = int(sre_parse.parse(atom.pattern).getwidth()[1])
    return sys.maxsize if longest >= sre_constants.MAXREPEAT else 4 * longest


def _any_hit(hits: Hits, atoms: frozenset[int]) -> bool:
    return any(hits.get(atom) for atom in atoms)


def _checksummed(data: bytes) -> bytes:
    return hashlib.sha256(data).digest() + data


def _write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename, so that concurrent workers never read half a
    file; a cache that cannot be written only costs the next process a compile."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass


def _bytes_to_chars(data: bytes, hits: Hits, literal_chars: dict[int, int]) -> Hits:
    """Map UTF-8 byte offsets to character offsets, decoding only between hit positions.
    A literal's end is its start plus its length in characters, so only starts are looked
    up for literals."""
    wanted: set[int] = set()
    for atom, spans in hits.items():
        if atom in literal_chars:
            wanted.update(start for start, _ in spans)
        else:
            for start, end in spans:
                wanted.add(start)
                wanted.add(end)
    chars: dict[int, int] = {}
    count = previous = 0
    for position in sorted(wanted):
        count += len(data[previous:position].decode("utf-8"))
        chars[position] = count
        previous = position
    converted: Hits = {}
    for atom, spans in hits.items():
        length = literal_chars.get(atom)
        if length is None:
            converted[atom] = [(chars[start], chars[end]) for start, end in spans]
        else:
            converted[atom] = [(chars[start], chars[start] + length) for start, _ in spans]
    return converted


class PythonMatcher:
    """Pure-Python fallback: literals are found from a character class of their first
    characters and verified with ``startswith``; regexes use the ``regex`` module with
    POSIX (leftmost-longest) overlapped matching, so merged spans equal hyperscan's."""

    name = "python"

    def __init__(self, atoms: Sequence[Atom], cache_dir: Path | None = None) -> None:
        del cache_dir  # building it takes milliseconds: nothing worth caching
        self._traits = _traits(atoms)
        self._all = frozenset(atom.id for atom in atoms)
        self._by_first: dict[str, list[tuple[int, str]]] = {}
        self._regexes: list[tuple[int, regex.Pattern[str]]] = []
        for atom in atoms:
            if atom.kind is AtomKind.LITERAL:
                self._by_first.setdefault(atom.pattern[0], []).append((atom.id, atom.pattern))
            else:
                flags = regex.IGNORECASE | regex.ASCII | regex.POSIX | regex.V0
                self._regexes.append((atom.id, regex.compile(atom.pattern, flags)))
        firsts = "".join(re.escape(ch) for ch in sorted(self._by_first))
        self._first = re.compile(f"[{firsts}]") if firsts else None

    def present(self, text: str) -> set[int]:
        return {atom for atom, _, _ in self._raw(text, sys.maxsize, self._all)[0]}

    def find(
        self, text: str, limit: int, needed: frozenset[int], first_only: FirstOnly
    ) -> tuple[Hits, bool]:
        raw, complete = self._raw(text, limit, needed)
        return canonical_hits(self._traits, text, raw, first_only), complete

    def _raw(self, text: str, limit: int, needed: frozenset[int]) -> tuple[list[RawHit], bool]:
        found: list[RawHit] = []
        if self._first is not None:
            for first in self._first.finditer(text):
                position = first.start()
                for atom, literal in self._by_first[text[position]]:
                    if atom in needed and text.startswith(literal, position):
                        found.append((atom, position, position + len(literal)))
                if len(found) >= limit:
                    return found, False
        for atom, pattern in self._regexes:
            if atom not in needed:
                continue
            for hit in pattern.finditer(text, overlapped=True):
                found.append((atom, hit.start(), hit.end()))
                if len(found) >= limit:
                    return found, False
        return found, True


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


# Per atom id: (word boundary at start, word boundary at end, is a regex).
Traits = tuple[tuple[bool, bool, bool], ...]


def _traits(atoms: Sequence[Atom]) -> Traits:
    # Looked up once per raw hit: precomputed rather than derived from the atom each time.
    return tuple((a.bounded_start, a.bounded_end, a.kind is AtomKind.REGEX) for a in atoms)


def canonical_hits(
    traits: Traits, text: str | bytes, raw: list[RawHit], first_only: FirstOnly
) -> Hits:
    """Hits per atom, sorted: ASCII literals only on word boundaries; overlapping or
    touching hits of one regex merged into one span (the matchers report different but
    equally valid sets of overlapping regex matches; their union is the same); hits of
    ``first_only`` atoms past their rules' first evidence span dropped. ``text`` is the
    normalized text or its UTF-8 encoding, in the units of ``raw``."""
    spans: dict[int, list[Span]] = {}
    size = len(text)
    word = _WORD
    for atom_id, start, end in raw:
        bounded_start, bounded_end, _ = traits[atom_id]
        if bounded_start and start > 0 and text[start - 1] in word:
            continue
        if bounded_end and end < size and text[end] in word:
            continue
        spans.setdefault(atom_id, []).append((start, end))
    for atom_id, found in spans.items():
        if traits[atom_id][2]:
            spans[atom_id] = _merge(found)
        else:
            spans[atom_id] = sorted(set(found))
    _drop_after_first(spans, first_only)
    return spans


def _drop_after_first(hits: Hits, first_only: FirstOnly) -> None:
    """A signal quotes only its first evidence span, the union of its hits that overlap
    the earliest one; generic context words hit dozens of times per document, and every
    later hit would cost a conversion and an evaluation for nothing. A hit starting before
    the end of the first span of any rule using the atom is kept, so each rule's first
    span comes out the same."""
    ends: dict[frozenset[int], int] = {}
    for atom, spans in hits.items():
        groups = first_only.get(atom)
        if groups is None:
            continue
        cutoff = 0
        for group in groups:
            end = ends.get(group)
            if end is None:
                end = ends[group] = _first_union_end(hits, group)
            cutoff = max(cutoff, end)
        hits[atom] = [span for span in spans if span[0] < cutoff]


def _first_union_end(hits: Hits, atoms: frozenset[int]) -> int:
    """End of the first span of the union of the atoms' hits (as logic._union merges)."""
    spans = sorted(span for atom in atoms for span in hits.get(atom, ()))
    end = spans[0][1]
    for start, span_end in spans[1:]:
        if start >= end:
            break
        end = max(end, span_end)
    return end


def _hyperscan_available() -> bool:
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


MATCHERS.add("python", PythonMatcher)
if _hyperscan_available():
    MATCHERS.add("hyperscan", HyperscanMatcher)


def matcher_name(setting: str) -> str:
    """Resolve the ``detect_matcher`` setting (auto picks hyperscan when it is importable)."""
    if setting == "auto":
        return "hyperscan" if "hyperscan" in MATCHERS else "python"
    if setting not in MATCHERS:
        known = ", ".join(["auto", *MATCHERS.names()])
        raise RuleError(f"matcher {setting!r} is not available here; choose one of {known}")
    return setting
