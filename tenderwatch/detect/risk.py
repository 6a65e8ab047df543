"""A document's risk level from its flags (documented in docs/rules.md).

Context signals never flag a document alone; two or more *distinct* signals raise a
finding by one level. The ladder is data: the first step a document reaches decides.
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


def assess(flags: Sequence[Flag]) -> tuple[Risk, list[str]]:
    """Risk level and the reasons that decided it (rule ids of findings and signals)."""
    # Decided by which rules flagged, at what severity, as signals or not: documents share
    # a few such sets (a camera tender's three context signals), so each is worked out once.
    risk, reasons = _assessed(frozenset((f.rule, f.severity, f.signal) for f in flags))
    return risk, list(reasons)


@lru_cache(maxsize=4096)
def _assessed(flagged: frozenset[tuple[str, Severity, bool]]) -> tuple[Risk, tuple[str, ...]]:
    signals = sorted({rule for rule, _, signal in flagged if signal})
    findings = {rule: severity for rule, severity, signal in flagged if not signal}
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
    if signals:
        return Risk.LOW, (f"context signals only: {', '.join(signals)}",)
    return Risk.NONE, ()
