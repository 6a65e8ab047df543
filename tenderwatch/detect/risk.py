"""A document's risk level from its flags (documented in docs/rules.md).

Context signals never flag a document alone; two or more *distinct* signals raise a
finding by one level. The ladder is data: the first step a document reaches decides.
Signals of a capping category (context.genre: a report, ruling, audit or pledge, a document
about the capability rather than a purchase of it) then hold the risk at most at their cap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..model import Flag, Risk, Severity

_ORDER = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}


@dataclass(frozen=True)
class Step:
    risk: Risk
    severity: Severity  # a non-signal flag at least this severe ...
    signals: int  # ... together with at least this many distinct context signals


LADDER = (
    Step(Risk.HIGH, Severity.HIGH, 0),
    Step(Risk.HIGH, Severity.MEDIUM, 2),
    Step(Risk.MEDIUM, Severity.MEDIUM, 0),
    Step(Risk.MEDIUM, Severity.LOW, 2),
    Step(Risk.LOW, Severity.LOW, 0),
)

# Signal categories that cap a document's risk, and the cap.
CAPS = {"context.genre": Risk.LOW}
# Risk levels in the order Risk declares them, none to high.
_RANK = {risk: rank for rank, risk in enumerate(Risk)}


def assess(flags: Sequence[Flag]) -> tuple[Risk, list[str]]:
    """Risk level and the reasons that decided it (rule ids of findings and signals)."""
    # Decided by which rules flagged, at what severity, as signals or not: documents share
    # a few such sets (a camera tender's three context signals), so each is worked out once.
    risk, reasons = _assessed(frozenset((f.rule, f.category, f.severity, f.signal) for f in flags))
    return risk, list(reasons)


@lru_cache(maxsize=4096)
def _assessed(
    flagged: frozenset[tuple[str, str, Severity, bool]],
) -> tuple[Risk, tuple[str, ...]]:
    caps = {
        rule: CAPS[category] for rule, category, _, signal in flagged if signal and category in CAPS
    }
    risk, reasons = _climbed(flagged, frozenset(caps))
    cap = min(caps.values(), key=_RANK.__getitem__, default=None)
    if cap is not None and _RANK[risk] > _RANK[cap]:
        rules = ", ".join(sorted(caps))
        why = f"capped at {cap.value}: the document is about the capability ({rules})"
        return cap, (*reasons, why)
    return risk, reasons


def _climbed(
    flagged: frozenset[tuple[str, str, Severity, bool]], capping: frozenset[str]
) -> tuple[Risk, tuple[str, ...]]:
    """The first step of the ladder that the flags reach. A capping signal says what kind of
    document this is: it raises no finding."""
    signals = sorted({rule for rule, _, _, signal in flagged if signal and rule not in capping})
    findings = {rule: severity for rule, _, severity, signal in flagged if not signal}
    if findings:  # no step decides without one
        for step in LADDER:
            if len(signals) < step.signals:
                continue
            deciding = sorted(
                rule
                for rule, severity in findings.items()
                if _ORDER[severity] >= _ORDER[step.severity]
            )
            if deciding:
                reasons = [f"{rule} ({findings[rule].value})" for rule in deciding]
                if step.signals:
                    reasons.append(
                        f"raised by {len(signals)} context signals: {', '.join(signals)}"
                    )
                return step.risk, tuple(reasons)
    if signals or capping:
        return Risk.LOW, (f"context signals only: {', '.join(sorted([*signals, *capping]))}",)
    return Risk.NONE, ()
