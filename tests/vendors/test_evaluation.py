from __future__ import annotations

import shutil
from pathlib import Path

from tenderwatch.evaluation import EVALUATIONS
from tenderwatch.vendors.evaluation import FLOOR_PRECISION, FLOOR_RECALL, evaluate_vendors

LABELLED = Path(__file__).parent / "labelled"


def test_labelled_pairs_meet_the_floors() -> None:
    assert FLOOR_PRECISION >= 0.95 and FLOOR_RECALL >= 0.9
    report = evaluate_vendors()
    overall = next(row for row in report.rows if row.name == "all pairs")
    assert overall.support >= 150
    assert overall.precision >= 0.95 and overall.recall >= 0.9, report.errors
    assert report.passed
    assert EVALUATIONS.get("vendors") is evaluate_vendors


def test_wrong_labels_fail_the_floors(tmp_path: Path) -> None:
    shutil.copy(LABELLED / "decoys.ftm.jsonl", tmp_path)
    lines = (LABELLED / "pairs.csv").read_text(encoding="utf-8").splitlines()
    flipped = [lines[0]] + [
        line.replace(",yes,", ",no,") if i % 3 == 0 else line for i, line in enumerate(lines[1:])
    ]
    (tmp_path / "pairs.csv").write_text("\n".join(flipped) + "\n", encoding="utf-8")
    report = evaluate_vendors(tmp_path)
    assert not report.passed
    assert any(line.startswith("false match:") for line in report.errors)


def test_missing_corpus_fails(tmp_path: Path) -> None:
    report = evaluate_vendors(tmp_path)
    assert not report.passed and "no labelled pairs" in report.errors[0]
