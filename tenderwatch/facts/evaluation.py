"""``tenderwatch eval --facts``: field-level accuracy of :func:`extract_facts` against
labelled notices (YAML files of ``{id, pages | text, title?, expected}``).

A field is scored on a notice only when the notice labels it. Accuracy is the share of
notices where the field is exactly right; precision/recall count individual values
(one per winner, amount, date, product)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from ..evaluation import EVALUATIONS, EvalReport, EvalRow, ratio
from ..model import Extraction, Page
from .extract import extract_facts
from .model import NoticeFacts

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "tests" / "facts" / "labelled"
# Floors pinned for CI (issue 4): never lower one without saying why in the change.
FLOORS = {"amounts": 0.95, "dates": 0.95, "buyer": 0.95, "winners": 0.95, "project_code": 0.95}

Values = set[tuple[str, ...]]


def _one(value: object) -> Values:
    return set() if value is None else {(str(value),)}


def _amounts(facts: NoticeFacts) -> Values:
    return {
        (a.role.value, "bad" if a.value is None else str(Decimal(a.value).normalize() + 0))
        for a in facts.amounts
    }


def _expected_amounts(items: list[dict[str, Any]]) -> Values:
    out: Values = set()
    for item in items:
        value = item.get("value")
        out.add(
            (
                str(item["role"]),
                "bad" if value is None else str(Decimal(str(value)).normalize() + 0),
            )
        )
    return out


def _dates(facts: NoticeFacts) -> Values:
    return {(d.role.value, "bad" if d.value is None else d.value.isoformat()) for d in facts.dates}


def _region(role: str) -> Callable[[NoticeFacts], Values]:
    return lambda facts: {(r.division.code,) for r in facts.regions if r.role == role}


def _items(facts: NoticeFacts) -> Values:
    return {
        (i.name or "", i.model or "", str(i.quantity or ""), str(i.unit_price or ""))
        for i in facts.items
    }


def _expected_items(items: list[dict[str, Any]]) -> Values:
    def num(value: Any) -> str:
        return "" if value is None else str(Decimal(str(value)).normalize() + 0)

    return {
        (
            str(i.get("name", "")),
            str(i.get("model", "")),
            num(i.get("quantity")),
            num(i.get("unit_price")),
        )
        for i in items
    }


@dataclass(frozen=True)
class Measure:
    """How one field is read from facts and from the label."""

    got: Callable[[NoticeFacts], Values]
    expected: Callable[[Any], Values]


MEASURES: dict[str, Measure] = {
    "notice_type": Measure(lambda f: _one(f.notice_type and f.notice_type.value.value), _one),
    "project_code": Measure(lambda f: _one(f.project_code and f.project_code.value), _one),
    "project_name": Measure(lambda f: _one(f.project_name and f.project_name.value), _one),
    "buyer": Measure(lambda f: _one(f.buyer and f.buyer.value), _one),
    "agency": Measure(lambda f: _one(f.agency and f.agency.value), _one),
    "winners": Measure(
        lambda f: {(s.value,) for s in f.suppliers}, lambda v: {(str(x),) for x in v}
    ),
    "amounts": Measure(_amounts, _expected_amounts),
    "dates": Measure(
        _dates, lambda v: {(str(k), "bad" if x is None else str(x)) for k, x in v.items()}
    ),
    "delivery_place": Measure(lambda f: _one(f.delivery_place and f.delivery_place.value), _one),
    "buyer_region": Measure(_region("buyer"), lambda v: _one(v)),
    "delivery_region": Measure(_region("delivery"), lambda v: _one(v)),
    "items": Measure(_items, _expected_items),
    "products": Measure(
        lambda f: {(p.model,) for p in f.products}, lambda v: {(str(x),) for x in v}
    ),
}


@dataclass
class _Tally:
    support: int = 0
    exact: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)


def labelled_notices(corpus: Path) -> Iterable[tuple[str, Extraction, dict[str, Any]]]:
    """(id, extraction, expected) for every notice in the corpus folder's YAML files."""
    for path in sorted(corpus.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text("utf-8")) or []:
            pages = entry.get("pages") or [entry["text"]]
            extraction = Extraction(
                media_type=entry.get("media_type", "text/html"),
                extractor="labelled",
                title=entry.get("title"),
                pages=[Page(number=n, text=t) for n, t in enumerate(pages, start=1)],
            )
            yield f"{path.name}:{entry['id']}", extraction, entry["expected"]


def evaluate_facts(corpus: Path | None = None) -> EvalReport:
    """Field-level accuracy over the labelled notices (default: tests/facts/labelled)."""
    folder = corpus or DEFAULT_CORPUS
    tallies = {name: _Tally() for name in MEASURES}
    errors: list[str] = []
    if not folder.is_dir():
        errors.append(f"no labelled corpus at {folder}")
    for notice_id, extraction, expected in labelled_notices(folder) if folder.is_dir() else []:
        facts = extract_facts(extraction)
        for name, value in expected.items():
            if name not in MEASURES:
                errors.append(f"{notice_id}: unknown label {name!r}")
                continue
            measure, tally = MEASURES[name], tallies[name]
            got, want = measure.got(facts), measure.expected(value)
            tally.support += 1
            tally.tp += len(got & want)
            tally.fp += len(got - want)
            tally.fn += len(want - got)
            if got == want:
                tally.exact += 1
            else:
                errors.append(f"{notice_id} {name}: expected {sorted(want)} got {sorted(got)}")
    rows = [
        EvalRow(
            name=name,
            support=t.support,
            true_positives=t.tp,
            false_positives=t.fp,
            false_negatives=t.fn,
            precision=ratio(t.tp, t.tp + t.fp),
            recall=ratio(t.tp, t.tp + t.fn),
            accuracy=ratio(t.exact, t.support),
            floor_accuracy=FLOORS.get(name),
        )
        for name, t in tallies.items()
        if t.support
    ]
    return EvalReport(name="facts", corpus=str(folder), rows=rows, errors=errors)


EVALUATIONS.add("facts", evaluate_facts)
