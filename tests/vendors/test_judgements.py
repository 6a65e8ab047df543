from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from tenderwatch.store.sqlite import SQLiteStore
from tenderwatch.vendors import JudgementLog, Verdict, judgement_log


def test_judgements_are_stored_append_only_and_latest_wins(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "tw.db")
    log = judgement_log(store)
    t1 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    t2 = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    log.record("海康威視", "hikvision", Verdict.UNSURE, "reviewer-a", when=t1)
    log.record("ＨＩＫ威視", "hikvision", Verdict.NOT_SAME, "reviewer-b", when=t1)
    log.record("海康威視", "hikvision", Verdict.SAME, "reviewer-b", "checked", when=t2)
    store.close()
    db = sqlite3.connect(tmp_path / "tw.db")
    assert db.execute("SELECT count(*) FROM vendor_judgements").fetchone()[0] == 3  # audit trail
    reread = judgement_log(SQLiteStore(tmp_path / "tw.db"))  # a later run
    latest = reread.verdicts("海康威视")["hikvision"]  # the key folds script and width
    assert (latest.verdict, latest.user, latest.note) == (Verdict.SAME, "reviewer-b", "checked")
    assert reread.verdicts("hik威视")["hikvision"].verdict is Verdict.NOT_SAME
    assert len(reread.all()) == 2


def test_a_log_without_store_keeps_judgements_in_memory() -> None:
    log = JudgementLog()
    log.record("大华", "dahua", Verdict.SAME, "r")
    assert log.verdicts("大华")["dahua"].user == "r"


def test_judgement_needs_a_user() -> None:
    stored = []
    with pytest.raises(ValueError, match="reviewer"):
        JudgementLog(sink=stored.append).record("大华", "dahua", Verdict.SAME, "  ")
    assert stored == []
