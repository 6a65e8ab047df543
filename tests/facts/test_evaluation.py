import yaml

from tenderwatch.evaluation import EVALUATIONS
from tenderwatch.facts.evaluation import DEFAULT_CORPUS, FLOORS, evaluate_facts, labelled_notices

PINNED = ("amounts", "dates", "buyer", "winners", "project_code")


def test_corpus_size_and_variety():
    notices = list(labelled_notices(DEFAULT_CORPUS))
    assert len(notices) >= 60
    english = [n for n, _, _ in notices if "english" in n]
    multi_page = [n for n, e, _ in notices if len(e.pages) > 1]
    tables = [n for n, e, _ in notices if " | " in e.text or "\t" in e.text]
    assert len(english) >= 5 and len(multi_page) >= 5 and len(tables) >= 12


def test_floors_are_pinned_at_095_and_met():
    assert all(FLOORS[name] >= 0.95 for name in PINNED)
    report = evaluate_facts()
    rows = {row.name: row for row in report.rows}
    for name in PINNED:
        assert rows[name].floor_accuracy == FLOORS[name]
        assert rows[name].accuracy >= FLOORS[name], report.errors
    assert report.passed, report.errors


def test_registered_for_tenderwatch_eval():
    assert EVALUATIONS.get("facts") is evaluate_facts


def test_a_wrong_label_is_caught(tmp_path):
    """The evaluation can fail: change one expected buyer and the row drops."""
    source = DEFAULT_CORPUS / "kv_text.yaml"
    entries = yaml.safe_load(source.read_text("utf-8"))
    entries[0]["expected"]["buyer"] = "不存在的采购人"
    (tmp_path / "kv_text.yaml").write_text(yaml.safe_dump(entries, allow_unicode=True), "utf-8")
    report = evaluate_facts(tmp_path)
    buyer = next(r for r in report.rows if r.name == "buyer")
    assert buyer.accuracy < 1.0
    assert any("不存在的采购人" in e for e in report.errors)


def test_missing_corpus_is_reported(tmp_path):
    report = evaluate_facts(tmp_path / "nope")
    assert report.errors and not report.rows
