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
from typing import Any, Protocol

import regex

from ..registry import Registry
from .compiler import Atom, AtomKind, Program, is_word_char
from .loader import RuleError

Span = tuple[int, int]
RawHit = tuple[int, int, int]  # atom id, start, end (in the matcher's units: bytes or characters)
Hits = dict[int, list[Span]]  # canonical spans per atom, in characters of the normalized text

# ASCII letters and digits, as characters and as byte values: a word-boundary check reads
# the same on the text and on its UTF-8 encoding (every non-ASCII byte is >= 0x80).
_ASCII_WORD = [chr(code) for code in range(128) if is_word_char(chr(code))]
_WORD: frozenset[str | int] = frozenset(_ASCII_WORD) | frozenset(map(ord, _ASCII_WORD))

# Regexes match case-insensitively on both matchers: text is lowercased by normalization,
# and this keeps a rule author's `DS-` from silently never matching. No UCP: hyperscan
# rejects \b in UCP mode, and model numbers need it; so \w \d \s \b are ASCII-only on both.
_HS_REGEX_FLAGS = ("HS_FLAG_SOM_LEFTMOST", "HS_FLAG_UTF8", "HS_FLAG_CASELESS")
# The same for the `regex` module, POSIX (leftmost-longest) so that overlapped matching
# finds, at every start, the longest match as hyperscan's reports cover it.
REGEX_FLAGS = regex.IGNORECASE | regex.ASCII | regex.POSIX | regex.V0


class Matcher(Protocol):
    name: str

    def present(self, text: str) -> dict[int, int]:
        """Atoms of match trees (``Atom.in_match``) that occur in ``text`` (a cheap first
        pass; may ignore word boundaries), each with where its first match ends, in the
        matcher's units: UTF-8 bytes or characters (see :meth:`units_per_character`). At
        least every gate that occurs (``Program.gates``), and where one of
        ``Program.checked_gates`` occurs, every such atom: what candidates need."""
        ...

    def units_per_character(self, text: str) -> int:
        """The most units one character of ``text`` takes (4 only where characters
        beyond U+FFFF take four UTF-8 bytes; 3 for Chinese text without them; 1 for
        characters): an end from :meth:`present` divided by it is at most that end in
        characters, so the atom's leftmost match starts no earlier than that less the
        atom's longest match."""
        ...

    def find(self, text: str, limit: int, rules: Sequence[frozenset[int]]) -> tuple[Hits, bool]:
        """Canonical hits in ``text`` of the atoms of the given rules (each rule's
        ``CompiledRule.find_atoms``), and whether the scan finished (False: it stopped
        after ``limit`` raw hits)."""
        ...


# the compiled rule set, and a folder where a matcher may cache what it compiles (None: no
# caching)
MatcherFactory = Callable[[Program, Path | None], Matcher]
MATCHERS: Registry[MatcherFactory] = Registry("matcher")


def _hs_escape(literal: str) -> bytes:
    # Escape ASCII punctuation and spaces; letters, digits and non-ASCII stay as they are.
    out = "".join("\\" + ch if ch.isascii() and not ch.isalnum() else ch for ch in literal)
    return out.encode("utf-8")


class HyperscanMatcher:
    """Hyperscan block-mode databases: one for the first pass, and one per rule that the
    second pass evaluates, holding that rule's atoms. Literals are compiled without
    start-of-match tracking (their start is end minus length), which keeps them fast."""

    name = "hyperscan"

    def __init__(self, program: Program, cache_dir: Path | None = None) -> None:
        import hyperscan

        atoms = program.atoms
        self._hs = hyperscan
        self._local = threading.local()
        regex_flags = 0
        for flag in _HS_REGEX_FLAGS:
            regex_flags |= getattr(hyperscan, flag)
        self._traits = _traits(atoms)
        self._literal_bytes: dict[int, int] = {}
        self._literal_chars: dict[int, int] = {}
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
        # The presence databases hold the atoms of match trees (a quarter of the bundled
        # atoms only veto), report each once and skip start-of-match tracking: most
        # documents stop after the first because no rule has all it needs. The first holds
        # the gates; the rest (generic words such as 识别 or 分析, which every camera tender
        # holds: 10 of its 14 reports, each a call into Python) is scanned only where a gate
        # of a rule that needs a check occurs.
        gates = program.gates
        first = [i for i, atom in enumerate(atoms) if atom.in_match and i in gates]
        rest = [i for i, atom in enumerate(atoms) if atom.in_match and i not in gates]
        # Without such atoms there is no second presence scan (and hyperscan compiles no
        # empty database).
        self._checked_gates = program.checked_gates if rest else frozenset()

        def once(selected: list[int]) -> tuple[list[bytes], list[int], list[int]]:
            return (
                [expressions[i] for i in selected],
                [ids[i] for i in selected],
                [
                    (flags[i] & ~hyperscan.HS_FLAG_SOM_LEFTMOST) | hyperscan.HS_FLAG_SINGLEMATCH
                    for i in selected
                ],
            )

        # The second pass scans, per rule it evaluates, a database of that rule's atoms
        # (CompiledRule.find_atoms) rather than one of every atom: a candidate needs a
        # handful, and a database of all of them reported every hit of every generic word
        # for the handler to drop: on notices with a finding candidate, 77 callbacks per
        # document against 17, and ~1.5 times the instructions per second-pass call.
        groups = sorted(
            {rule.find_atoms for rule in program.rules if not rule.quoted_once}, key=sorted
        )
        try:
            self._presence_db, *rest_db = self._databases(
                [once(first), once(rest)] if rest else [once(first)], cache_dir
            )
            found = self._databases(
                [
                    (
                        [expressions[i] for i in sorted(group)],
                        sorted(group),
                        [flags[i] for i in sorted(group)],
                    )
                    for group in groups
                ],
                cache_dir,
            )
        except hyperscan.error as exc:
            raise RuleError(self._culprit(atoms, regex_flags) or f"hyperscan: {exc}") from None
        self._find_dbs = dict(zip(groups, found, strict=True))
        self._rest_db = rest_db[0] if rest_db else None

    def _databases(
        self, specs: list[tuple[list[bytes], list[int], list[int]]], cache_dir: Path | None
    ) -> list[Any]:
        """Databases of (expressions, ids, flags). Compiling takes seconds for the bundled
        rules, in every process that scans; so the compiled databases are kept on disk, in
        one file under a name derived from everything they were compiled from, with a
        checksum (hyperscan does not detect every corruption)."""
        hs = self._hs
        key = hashlib.sha256(f"{hs.__version__}\0{hs.HS_MODE_BLOCK}".encode())
        for expressions, ids, flags in specs:
            key.update(b"%d\n" % len(ids))
            for expression, atom, flag in zip(expressions, ids, flags, strict=True):
                key.update(b"%d\0%d\0%s\n" % (atom, flag, expression))
        path = None if cache_dir is None else cache_dir / f"hyperscan-{key.hexdigest()}.db"
        if path is not None:
            try:
                stored = path.read_bytes()
                if hashlib.sha256(stored[32:]).digest() == stored[:32]:
                    return [
                        hs.loadb(part, mode=hs.HS_MODE_BLOCK) for part in _unpacked(stored[32:])
                    ]
            except (OSError, ValueError, hs.error):
                pass  # missing, unreadable or corrupt: compile them again
        databases = []
        for expressions, ids, flags in specs:
            db = hs.Database(mode=hs.HS_MODE_BLOCK)
            db.compile(expressions=expressions, ids=ids, elements=len(ids), flags=flags)
            databases.append(db)
        if path is not None:
            _write_atomically(path, _checksummed(_packed([hs.dumpb(db) for db in databases])))
        return databases

    def _scratch(self) -> tuple[dict[frozenset[int], Any], Any, Any]:
        # A database's default scratch space cannot serve two threads at once (the web UI
        # scans from a thread pool), so every thread gets its own: for the presence passes,
        # and for each rule's database once the thread first needs it (see find).
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = (
                {},
                self._hs.Scratch(self._presence_db),
                None if self._rest_db is None else self._hs.Scratch(self._rest_db),
            )
        return scratch

    def _encoded(self, text: str) -> bytes:
        # present() and find() scan the same text one after the other: encode it once.
        cached: tuple[str, bytes] | None = getattr(self._local, "encoded", None)
        if cached is None or cached[0] is not text:
            cached = self._local.encoded = (text, text.encode("utf-8"))
        return cached[1]

    def units_per_character(self, text: str) -> int:
        data = self._encoded(text)
        if len(data) == len(text):
            return 1
        # Only characters beyond U+FFFF take four bytes, led by one of these (memchr each).
        return 4 if any(map(data.__contains__, _FOUR_BYTE_LEADS)) else 3

    def present(self, text: str) -> dict[int, int]:
        found: dict[int, int] = {}
        data = self._encoded(text)
        _, scratch, rest_scratch = self._scratch()
        # Positional arguments (data, handler, flags, context, scratch): parsing keywords
        # cost more than a tenth of this call on a document without candidates.
        self._presence_db.scan(data, _present, 0, found, scratch)
        if found and not self._checked_gates.isdisjoint(found):
            assert self._rest_db is not None  # checked gates come with a rest
            self._rest_db.scan(data, _present, 0, found, rest_scratch)
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

    def find(self, text: str, limit: int, rules: Sequence[frozenset[int]]) -> tuple[Hits, bool]:
        data = self._encoded(text)
        found: list[RawHit] = []
        lengths = self._literal_bytes
        done: set[int] = set()  # atoms of an earlier rule's database: already collected

        def on_match(atom: int, start: int, end: int, _flags: int, _context: object) -> bool:
            if atom in done:
                return False
            length = lengths.get(atom)
            found.append((atom, start if length is None else end - length, end))
            return len(found) >= limit

        complete = True
        scratches = self._scratch()[0]
        try:
            for group in rules:
                database = self._find_dbs[group]
                scratch = scratches.get(group)
                if scratch is None:
                    scratch = scratches[group] = self._hs.Scratch(database)
                database.scan(data, on_match, 0, None, scratch)
                done.update(group)
        except self._hs.ScanTerminated:
            complete = False
        # Word boundaries and merging work on byte offsets as well (UTF-8 preserves order
        # and ASCII); only the hits that survive them are converted to characters.
        hits = canonical_hits(self._traits, data, found)
        if len(data) == len(text):  # ASCII: byte offsets are character offsets
            return hits, complete
        return _bytes_to_chars(data, hits, self._literal_chars), complete


def _present(atom: int, _start: int, end: int, _flags: int, found: dict[int, int]) -> None:
    # A module-level handler with the dict as hyperscan's context: no closure per document.
    # Single-match expressions report once, at the earliest end (hyperscan reports in order
    # of end offset).
    found[atom] = end


def _checksummed(data: bytes) -> bytes:
    return hashlib.sha256(data).digest() + data


def _packed(parts: list[bytes]) -> bytes:
    return b"".join(len(part).to_bytes(8, "little") + part for part in parts)


def _unpacked(data: bytes) -> list[bytes]:
    parts = []
    while data:
        size = int.from_bytes(data[:8], "little")
        if size > len(data) - 8:
            raise ValueError("truncated database file")
        parts.append(data[8 : 8 + size])
        data = data[8 + size :]
    return parts


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


# The byte values that lead a four-byte UTF-8 sequence (U+10000 to U+10FFFF): ints, as
# `int in bytes` is one memchr (a bytes operand first fails as an index, which costs more).
_FOUR_BYTE_LEADS = (0xF0, 0xF1, 0xF2, 0xF3, 0xF4)
# Per byte value: 0 for a byte that continues a UTF-8 character, 1 for one that starts one.
_STARTS_CHARACTER = bytes(0 if 0x80 <= byte < 0xC0 else 1 for byte in range(256))


def _bytes_to_chars(data: bytes, hits: Hits, literal_chars: dict[int, int]) -> Hits:
    """Map UTF-8 byte offsets to character offsets, counting only between hit positions.
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
    # Characters = bytes that start one: marked once per document, then counted between
    # positions in C without a copy per position (a document with a finding candidate
    # converts a few dozen).
    starts = data.translate(_STARTS_CHARACTER)
    for position in sorted(wanted):
        count += starts.count(1, previous, position)
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

    def __init__(self, program: Program, cache_dir: Path | None = None) -> None:
        del cache_dir  # building it takes milliseconds: nothing worth caching
        atoms = program.atoms
        self._traits = _traits(atoms)
        self._in_match = frozenset(atom.id for atom in atoms if atom.in_match)
        self._by_first: dict[str, list[tuple[int, str]]] = {}
        self._regexes: list[tuple[int, regex.Pattern[str]]] = []
        for atom in atoms:
            if atom.kind is AtomKind.LITERAL:
                self._by_first.setdefault(atom.pattern[0], []).append((atom.id, atom.pattern))
            else:
                self._regexes.append((atom.id, regex.compile(atom.pattern, REGEX_FLAGS)))
        firsts = "".join(re.escape(ch) for ch in sorted(self._by_first))
        self._first = re.compile(f"[{firsts}]") if firsts else None

    def units_per_character(self, text: str) -> int:
        return 1  # offsets are characters

    def present(self, text: str) -> dict[int, int]:
        found: dict[int, int] = {}
        for atom, _, end in self._raw(text, sys.maxsize, self._in_match)[0]:
            if end < found.get(atom, sys.maxsize):
                found[atom] = end
        return found

    def find(self, text: str, limit: int, rules: Sequence[frozenset[int]]) -> tuple[Hits, bool]:
        raw, complete = self._raw(text, limit, frozenset().union(*rules))
        return canonical_hits(self._traits, text, raw), complete

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


def canonical_hits(traits: Traits, text: str | bytes, raw: list[RawHit]) -> Hits:
    """Hits per atom, sorted: ASCII literals only on word boundaries; overlapping or
    touching hits of one regex merged into one span (the matchers report different but
    equally valid sets of overlapping regex matches; their union is the same). ``text``
    is the normalized text or its UTF-8 encoding, in the units of ``raw``."""
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
    return spans


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
