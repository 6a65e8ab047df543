from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tenderwatch.vendors import JudgementLog, Verdict


def test_judgements_persist_latest_wins_and_history_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "vendors" / "judgements.jsonl"
    log = JudgementLog(path)
    t1 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    log.record("海康威视", "hikvision", Verdict.UNSURE, "reviewer-a", when=t1)
    log.record("ＨＩＫ威視", "hikvision", Verdict.NOT_SAME, "reviewer-b", when=t1)
    log.record("海康威視", "hikvision", Verdict.SAME, "reviewer-b", "checked", when=t1)
    assert len(path.read_text(encoding="utf-8").splitlines()) == 3  # append-only audit trail
    reread = JudgementLog(path)
    latest = reread.verdicts("海康威视")["hikvision"]
    assert (latest.verdict, latest.user, latest.note) == (Verdict.SAME, "reviewer-b", "checked")
    assert reread.verdicts("hik威视")["hikvision"].verdict is Verdict.NOT_SAME
    assert len(reread.all()) == 2


def test_corrupt_line_loses_only_that_judgement(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    JudgementLog(path).record("大华", "dahua", Verdict.SAME, "r")
    with path.open("a", encoding="utf-8") as out:
        out.write('{"mention_key": "x", "verdict": "maybe"}\n')
    log = JudgementLog(path)
    assert len(log.all()) == 1 and len(log.errors) == 1 and ":2:" in log.errors[0]


def test_judgement_needs_a_user(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="reviewer"):
        JudgementLog(tmp_path / "j.jsonl").record("大华", "dahua", Verdict.SAME, "  ")
