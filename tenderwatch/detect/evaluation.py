"""`tenderwatch eval --rules`: the rule set against the labelled corpus in tests/eval/cases.

Document level: a case is predicted positive when its risk is medium or high. Category
level: a category is predicted when any non-signal flag of it fires. The document-level
floors are pinned here; CI (tests/detect/test_quality.py) fails below them.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..evaluation import EVALUATIONS, EvalReport, EvalRow, ratio
from ..model import Risk
from .engine import scan_text
from .loader import RuleSet, load_ruleset
from .schema import Language

BUNDLED_CORPUS = Path(__file__).resolve().parents[2] / "tests" / "eval" / "cases"
DOCUMENT_FLOOR_PRECISION = 0.95
DOCUMENT_FLOOR_RECALL = 0.95
POSITIVE_RISKS = frozenset({Risk.MEDIUM, Risk.HIGH})


class CaseKind(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"  # a hard negative: innocent text with tempting words


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    lang: Language
    kind: CaseKind
    expect_categories: list[str] = Field(default_factory=list)
    note: str | None = None
    text: str = Field(min_length=1)


class CorpusError(Exception):
    """The labelled corpus is malformed; the message names the file and case."""


def load_cases(folder: Path) -> list[Case]:
    """Every case of ``folder/*.yaml`` (each file a YAML list of cases), ids unique."""
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise CorpusError(f"no labelled cases (*.yaml) in {folder}")
    cases: list[Case] = []
    seen: set[str] = set()
    for path in files:
        try:
            raw = yaml.safe_load(path.read_bytes())
        except yaml.YAMLError as exc:
            raise CorpusError(f"{path.name}: invalid YAML: {exc}") from None
        if not isinstance(raw, list):
            raise CorpusError(f"{path.name}: a case file is a YAML list of cases")
        for index, item in enumerate(raw):
            try:
                case = Case.model_validate(item)
            except ValidationError as exc:
                name = item.get("id") if isinstance(item, dict) else None
                first = exc.errors()[0]
                field = ".".join(map(str, first["loc"])) or "(case)"
                where = f"{path.name}: case {name or '#' + str(index + 1)}"
                raise CorpusError(f"{where}: field {field}: {first['msg']}") from None
            if case.id in seen:
                raise CorpusError(f"{path.name}: case {case.id}: duplicate id")
            if case.kind is CaseKind.NEGATIVE and case.expect_categories:
                raise CorpusError(f"{path.name}: case {case.id}: a negative expects no categories")
            seen.add(case.id)
            cases.append(case)
    return cases


def _row(name: str, truth: Iterable[bool], predicted: Iterable[bool]) -> EvalRow:
    pairs = list(zip(truth, predicted, strict=True))
    tp = sum(t and p for t, p in pairs)
    fp = sum(p and not t for t, p in pairs)
    fn = sum(t and not p for t, p in pairs)
    return EvalRow(
        name=name,
        support=sum(t for t, _ in pairs),
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
        precision=ratio(tp, tp + fp),
        recall=ratio(tp, tp + fn),
    )


def evaluate_rules(
    corpus: Path | None = None, ruleset: RuleSet | None = None, *, matcher: str | None = None
) -> EvalReport:
    """Precision/recall of the rule set on the labelled corpus, with the misses listed."""
    folder = corpus or BUNDLED_CORPUS
    cases = load_cases(folder)
    ruleset = ruleset or load_ruleset()
    errors: list[str] = []
    truth: list[bool] = []
    predicted: list[bool] = []
    expected_by_case: list[set[str]] = []
    fired_by_case: list[set[str]] = []
    for case in cases:
        result = scan_text(case.text, ruleset, matcher=matcher)
        fired = {f.category for f in result.flags if not f.signal}
        positive = case.kind is CaseKind.POSITIVE
        claimed = result.risk in POSITIVE_RISKS
        truth.append(positive)
        predicted.append(claimed)
        expected_by_case.append(set(case.expect_categories))
        fired_by_case.append(fired)
        rules = ", ".join(sorted({f.rule for f in result.flags})) or "no flags"
        if positive and not claimed:
            errors.append(f"miss {case.id}: risk {result.risk.value} ({rules})")
        elif claimed and not positive:
            errors.append(f"false alarm {case.id}: risk {result.risk.value} ({rules})")
        for category in sorted(set(case.expect_categories) - fired):
            errors.append(f"category miss {case.id}: {category} not flagged")
    document = _row("document", truth, predicted).model_copy(
        update={
            "floor_precision": DOCUMENT_FLOOR_PRECISION,
            "floor_recall": DOCUMENT_FLOOR_RECALL,
        }
    )
    categories = sorted(set().union(*expected_by_case, *fired_by_case))
    rows = [document] + [
        _row(
            category,
            (category in expected for expected in expected_by_case),
            (category in fired for fired in fired_by_case),
        )
        for category in categories
    ]
    return EvalReport(
        name="rules",
        corpus=f"{folder} ({len(cases)} cases, rule set {ruleset.version})",
        rows=rows,
        errors=errors,
    )


EVALUATIONS.add("rules", evaluate_rules)
