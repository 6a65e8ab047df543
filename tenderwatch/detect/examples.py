"""Running every rule's own ``match`` / ``no_match`` examples (`tenderwatch rules test`)."""

from __future__ import annotations

from dataclasses import dataclass

from .engine import scan_text
from .loader import RuleSet


@dataclass(frozen=True)
class ExampleFailure:
    rule: str
    expected: str  # "match": the rule should have flagged the text; "no_match": it should not
    text: str
    fired: tuple[str, ...]  # every rule that flagged the text, to help find the culprit

    def __str__(self) -> str:
        wanted = "should flag" if self.expected == "match" else "should not flag"
        fired = ", ".join(self.fired) or "nothing"
        return f"{self.rule} {wanted}: {self.text!r} (fired: {fired})"


def check_examples(ruleset: RuleSet, *, matcher: str | None = None) -> list[ExampleFailure]:
    """Scan each example with the whole rule set; report examples whose rule misbehaves."""
    failures: list[ExampleFailure] = []
    for rule in ruleset.rules:
        for expected, texts in (
            ("match", rule.examples.match),
            ("no_match", rule.examples.no_match),
        ):
            for text in texts:
                fired = tuple(
                    dict.fromkeys(f.rule for f in scan_text(text, ruleset, matcher=matcher).flags)
                )
                if (rule.id in fired) != (expected == "match"):
                    failures.append(ExampleFailure(rule.id, expected, text, fired))
    return failures
