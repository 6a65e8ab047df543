"""A document's risk level from its flags (documented in docs/rules.md).

Context signals never flag a document alone; two or more *distinct* signals raise a
finding by one level. The ladder is data: the first step a document reaches decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    signals = sorted({f.rule for f in flags if f.signal})
    findings: dict[str, Severity] = {}
    for flag in flags:
        if not flag.signal:
            findings[flag.rule] = flag.severity
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
                return step.risk, reasons
    if signals:
        return Risk.LOW, [f"context signals only: {', '.join(signals)}"]
    return Risk.NONE, []
