"""Scanning a document: normalize, find atom hits, evaluate rules, map evidence back to the
original text, assess risk."""

from __future__ import annotations

import os
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from ..model import PAGE_SEPARATOR, Extraction, Flag, Risk, ScanResult
from ..normalize import Normalized, normalize
from ..settings import Settings
from .compiler import CompiledRule, Program, compile_ruleset
from .loader import RuleSet, load_ruleset
from .logic import Segments, evaluate
from .matchers import MATCHERS, Matcher, matcher_name
from .risk import assess
from .signals import FirstQuote, first_quotes

# Original characters quoted on each side of the evidence: about one clause, enough for a
# reviewer to see what the matched words refer to.
CONTEXT_CHARS = 20


@cache
def _default_settings() -> Settings:
    # Read once per process: scanning many small documents must not re-read the environment.
    return Settings()


def cache_dir(settings: Settings) -> Path:
    """Where compiled pattern databases are kept (setting cache_dir)."""
    if settings.cache_dir is not None:
        return settings.cache_dir
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tenderwatch"


def compiled(
    ruleset: RuleSet, matcher: str | None = None, settings: Settings | None = None
) -> tuple[Program, Matcher]:
    """The rule set's program and matcher, compiled once per rule set and matcher name
    (and, for hyperscan, kept on disk across processes)."""
    settings = settings or _default_settings()
    name = matcher_name(matcher or settings.detect_matcher)
    entry = ruleset.cache.get(name)
    if entry is None:
        program = ruleset.cache.get("program")
        if program is None:
            program = ruleset.cache["program"] = compile_ruleset(ruleset)
        found_by = MATCHERS.get(name)(program.atoms, cache_dir(settings))
        entry = ruleset.cache[name] = (program, found_by)
    return entry


def _quotes(ruleset: RuleSet, program: Program) -> dict[str, FirstQuote]:
    quotes: dict[str, FirstQuote] | None = ruleset.cache.get("quotes")
    if quotes is None:
        quotes = ruleset.cache["quotes"] = first_quotes(program.rules, program.atoms)
    return quotes


def _flags(
    compiled_rule: CompiledRule,
    spans: list[tuple[int, int]],
    original: str,
    normalized: Normalized,
    page_of: Callable[[int], int],
    ruleset: RuleSet,
) -> Iterator[Flag]:
    rule = compiled_rule.rule
    # A signal is context, not evidence: its first occurrence explains it, and a camera
    # tender would otherwise carry a flag for every mention of 视频监控.
    for start, end in spans[:1] if rule.signal else spans:
        first, last = normalized.to_original(start, end)
        # Validated: pydantic's compiled validator is about twice as fast here as
        # model_construct, which runs in Python.
        yield Flag(
            rule=rule.id,
            category=compiled_rule.category,
            severity=rule.severity,
            signal=rule.signal,
            text=original[first:last],
            page=page_of(first),
            start=first,
            end=last,
            context=original[max(0, first - CONTEXT_CHARS) : last + CONTEXT_CHARS],
            ruleset_version=ruleset.version,
        )


def _scan(
    original: str,
    page_of: Callable[[int], int],
    ruleset: RuleSet | None,
    matcher: str | None,
    settings: Settings | None,
    normalized: Normalized | None,
) -> ScanResult:
    ruleset = ruleset or load_ruleset()
    settings = settings or _default_settings()
    program, found_by = compiled(ruleset, matcher or settings.detect_matcher, settings)
    normalized = normalized or normalize(original)
    text = normalized.text
    present = found_by.present(text)
    complete = True
    flags: list[Flag] = []
    evaluated: list[CompiledRule] = []
    for candidate in program.candidates(present):
        if not candidate.quoted_once:
            evaluated.append(candidate)
        elif (span := _quotes(ruleset, program)[candidate.rule.id].span(text, present)) is not None:
            flags.extend(_flags(candidate, [span], original, normalized, page_of, ruleset))
    if evaluated:
        needed = frozenset().union(*(r.atoms | r.exclude_atoms for r in evaluated)) & present
        hits, complete = found_by.find(text, settings.detect_max_hits, needed)
        segments = Segments(original, normalized.to_original)
        for compiled_rule, spans in evaluate(evaluated, hits, segments):
            flags.extend(_flags(compiled_rule, spans, original, normalized, page_of, ruleset))
    if not flags and complete:  # most documents: nothing to assess
        return ScanResult(risk=Risk.NONE, flags=[], reasons=[], ruleset_version=ruleset.version)
    flags.sort(key=lambda f: (f.start, f.end, f.rule))
    risk, reasons = assess(flags)
    if not complete:
        reasons.append(
            f"stopped after {settings.detect_max_hits} pattern hits (setting detect_max_hits); "
            "the rest of the document was not scanned"
        )
    return ScanResult(risk=risk, flags=flags, reasons=reasons, ruleset_version=ruleset.version)


def scan(
    extraction: Extraction,
    ruleset: RuleSet | None = None,
    *,
    matcher: str | None = None,
    settings: Settings | None = None,
    normalized: Normalized | None = None,
) -> ScanResult:
    """Detect over an extracted document (pages joined by form feeds); flags carry the page
    and offsets into :attr:`Extraction.text`. Pass ``normalized`` (of that text) if the
    caller has already normalized it, to avoid doing it twice."""
    return _scan(extraction.text, extraction.page_at, ruleset, matcher, settings, normalized)


def scan_text(
    text: str,
    ruleset: RuleSet | None = None,
    *,
    matcher: str | None = None,
    settings: Settings | None = None,
    normalized: Normalized | None = None,
) -> ScanResult:
    """Detect over plain text; form feeds in ``text`` separate pages. ``normalized``: as
    for :func:`scan`."""
    breaks: list[int] = []

    def page_of(offset: int) -> int:
        if not breaks:  # found on the first flag only: most documents have none
            breaks.extend(m.start() for m in re.finditer(PAGE_SEPARATOR, text))
            breaks.append(len(text))
        return bisect_left(breaks, offset) + 1

    return _scan(text, page_of, ruleset, matcher, settings, normalized)
