"""Scanning a document: normalize, find atom hits, evaluate rules, map evidence back to the
original text, assess risk."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import cache
from operator import attrgetter
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

    def build() -> tuple[Program, Matcher]:
        program = ruleset.cached("program", lambda: compile_ruleset(ruleset))
        return program, MATCHERS.get(name)(program, cache_dir(settings))

    return ruleset.cached(name, build)


# Validated construction straight from the compiled validator: pydantic's own __init__ adds a
# Python frame per object, and model_construct runs in Python (both slower, per flag).
_new_flag: Callable[[dict[str, object]], Flag] = Flag.__pydantic_validator__.validate_python
_new_result: Callable[[dict[str, object]], ScanResult] = (
    ScanResult.__pydantic_validator__.validate_python
)


class _Scanner:
    """Everything the documents of one call share (program, matcher, quote finders,
    limits), looked up once per call rather than per document."""

    def __init__(self, ruleset: RuleSet | None, matcher: str | None, settings: Settings | None):
        ruleset = ruleset or load_ruleset()
        settings = settings or _default_settings()
        self.program, self.found_by = compiled(
            ruleset, matcher or settings.detect_matcher, settings
        )
        program = self.program
        self.quotes: dict[str, FirstQuote] = ruleset.cached(
            "quotes", lambda: first_quotes(program.rules, program.atoms)
        )
        self.version = version = ruleset.version
        self.max_hits = settings.detect_max_hits
        # The fields of a flag that come from its rule, copied into each of its flags.
        self.fields: dict[str, dict[str, object]] = ruleset.cached(
            "flag fields",
            lambda: {
                c.rule.id: {
                    "rule": c.rule.id,
                    "category": c.category,
                    "severity": c.rule.severity,
                    "signal": c.rule.signal,
                    "ruleset_version": version,
                }
                for c in program.rules
            },
        )
        # Most documents raise nothing: they share one result per rule set instead of
        # building one each (results are read, stored and sent, never changed in place).
        self.nothing: ScanResult = ruleset.cached(
            "nothing",
            lambda: _new_result(
                {"risk": Risk.NONE, "flags": [], "reasons": [], "ruleset_version": version}
            ),
        )

    def scan(
        self, original: str, page_of: Callable[[int], int] | None, normalized: Normalized | None
    ) -> ScanResult:
        """``page_of``: the page of an offset of ``original``; None: form feeds in it
        separate pages."""
        normalized = normalized or normalize(original)
        text = normalized.text
        present = self.found_by.present(text)
        candidates = self.program.candidates(present.keys()) if present else ()
        if not candidates:  # most documents: nothing to evaluate
            return self.nothing
        complete = True
        flags: list[Flag] = []
        evaluated: list[CompiledRule] = []
        units = 0  # per character, in the first pass's ends: looked up for a quote only
        for candidate in candidates:
            if not candidate.quoted_once:
                evaluated.append(candidate)
                continue
            units = units or self.found_by.units_per_character(text)
            if (span := self.quotes[candidate.rule.id].span(text, present, units)) is not None:
                flags.append(self._flag(candidate, span, original, normalized, page_of))
        if evaluated:
            # Atoms only in exclusions are not in the first pass: looked for here, wherever.
            needed = [rule.find_atoms for rule in evaluated]
            hits, complete = self.found_by.find(text, self.max_hits, needed)
            segments = Segments(original, normalized.to_original, text)
            for compiled_rule, spans in evaluate(evaluated, hits, segments):
                # A signal is context, not evidence: its first occurrence explains it, and
                # a camera tender would otherwise carry a flag for every mention of 视频监控.
                for span in spans[:1] if compiled_rule.rule.signal else spans:
                    flags.append(self._flag(compiled_rule, span, original, normalized, page_of))
        if not flags and complete:
            return self.nothing
        flags.sort(key=_FLAG_ORDER)
        risk, reasons = assess(flags)
        if not complete:
            reasons.append(
                f"stopped after {self.max_hits} pattern hits (setting detect_max_hits); "
                "the rest of the document was not scanned"
            )
        return _new_result(
            {"risk": risk, "flags": flags, "reasons": reasons, "ruleset_version": self.version}
        )

    def _flag(
        self,
        compiled_rule: CompiledRule,
        span: tuple[int, int],
        original: str,
        normalized: Normalized,
        page_of: Callable[[int], int] | None,
    ) -> Flag:
        first, last = normalized.to_original(*span)
        return _new_flag(
            {
                **self.fields[compiled_rule.rule.id],
                "text": original[first:last],
                # Counted where it is needed: most documents raise no flag, and a page
                # table per document would cost every one of them.
                "page": page_of(first)
                if page_of is not None
                else original.count(PAGE_SEPARATOR, 0, first) + 1,
                "start": first,
                "end": last,
                "context": original[max(0, first - CONTEXT_CHARS) : last + CONTEXT_CHARS],
            }
        )


_FLAG_ORDER = attrgetter("start", "end", "rule")


def _check_lengths(items: Sequence[object], normalized: Sequence[Normalized] | None) -> None:
    if normalized is not None and len(normalized) != len(items):
        raise ValueError(f"{len(items)} documents but {len(normalized)} normalized texts")


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
    return _Scanner(ruleset, matcher, settings).scan(
        extraction.text, extraction.page_at, normalized
    )


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
    return _Scanner(ruleset, matcher, settings).scan(text, None, normalized)


def scan_many(
    extractions: Sequence[Extraction],
    ruleset: RuleSet | None = None,
    *,
    matcher: str | None = None,
    settings: Settings | None = None,
    normalized: Sequence[Normalized] | None = None,
) -> list[ScanResult]:
    """:func:`scan` over a batch of documents (``normalized``: one per extraction, or None),
    with what they share looked up once; results equal scanning them one by one."""
    _check_lengths(extractions, normalized)
    scanner = _Scanner(ruleset, matcher, settings)
    return [
        scanner.scan(e.text, e.page_at, None if normalized is None else normalized[i])
        for i, e in enumerate(extractions)
    ]


def scan_texts(
    texts: Sequence[str],
    ruleset: RuleSet | None = None,
    *,
    matcher: str | None = None,
    settings: Settings | None = None,
    normalized: Sequence[Normalized] | None = None,
) -> list[ScanResult]:
    """:func:`scan_text` over a batch of texts, as :func:`scan_many` does for extractions."""
    _check_lengths(texts, normalized)
    scanner = _Scanner(ruleset, matcher, settings)
    return [
        scanner.scan(text, None, None if normalized is None else normalized[i])
        for i, text in enumerate(texts)
    ]
