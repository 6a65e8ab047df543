"""``tenderwatch eval --vendors``: precision and recall of vendor matching on labelled pairs.

The corpus folder holds ``pairs.csv`` (mention, entity_id, same, kind, note) and any number of
``*.ftm.jsonl`` files with extra entities (decoys: other companies with similar names), which
are imported beside the shipped vendors. A pair is predicted "same" when the matcher returns
that entity with decision ``match``.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from ..evaluation import EVALUATIONS, EvalReport, EvalRow, ratio
from .dataset import shipped_entities
from .imports import read_ftm
from .matcher import Decision, VendorIndex

FLOOR_PRECISION = 0.95
FLOOR_RECALL = 0.9


def default_corpus() -> Path:
    return Path(__file__).resolve().parents[2] / "tests" / "vendors" / "labelled"


def _row(name: str, tp: int, fp: int, fn: int, tn: int, floors: bool = False) -> EvalRow:
    return EvalRow(
        name=name,
        support=tp + fp + fn + tn,
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
        precision=ratio(tp, tp + fp),
        recall=ratio(tp, tp + fn),
        accuracy=ratio(tp + tn, tp + fp + fn + tn),
        floor_precision=FLOOR_PRECISION if floors else None,
        floor_recall=FLOOR_RECALL if floors else None,
    )


def evaluate_vendors(corpus: Path | None = None) -> EvalReport:
    folder = corpus or default_corpus()
    errors: list[str] = []
    entities = shipped_entities()
    for path in sorted(folder.glob("*.ftm.jsonl")):
        imported = read_ftm(path)
        entities += imported.entities
        errors += imported.errors
    index = VendorIndex(entities)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # tp fp fn tn
    pairs = folder / "pairs.csv"
    if not pairs.is_file():
        errors.append(f"no labelled pairs at {pairs}")
    else:
        with pairs.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                expected = row["same"].strip() == "yes"
                if index.get(row["entity_id"]) is None:
                    errors.append(f"unknown entity {row['entity_id']!r} in {pairs}")
                result = index.match(row["mention"])
                predicted = any(
                    c.entity_id == row["entity_id"] and c.decision is Decision.MATCH
                    for c in result.candidates
                )
                slot = {(True, True): 0, (False, True): 1, (True, False): 2, (False, False): 3}
                position = slot[(expected, predicted)]
                for key in ("all pairs", f"kind: {row['kind']}"):
                    counts[key][position] += 1
                if expected != predicted:
                    best = result.best
                    got = (
                        f"{best.entity_id} {best.decision.value} {best.score:g}" if best else "none"
                    )
                    label = "missed" if expected else "false match"
                    errors.append(f"{label}: {row['mention']!r} ~ {row['entity_id']} (best: {got})")
    rows = [
        _row(
            name,
            counts[name][0],
            counts[name][1],
            counts[name][2],
            counts[name][3],
            name == "all pairs",
        )
        for name in sorted(counts)
    ]
    if not rows:
        rows = [_row("all pairs", 0, 1, 1, 0, True)]  # no data must fail, not pass
    return EvalReport(name="vendors", corpus=str(folder), rows=rows, errors=errors)


EVALUATIONS.add("vendors", evaluate_vendors)
