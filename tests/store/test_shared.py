"""The backend-independent pieces both stores share: content ids, the stored time form and
the SQLite connection set-up that the store, crawl state and review workbench all use."""

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tenderwatch.store.base import Decision, DecisionStatus, InputError, stored_time
from tenderwatch.store.sqlite import connect, write_transaction

BEIJING = timezone(timedelta(hours=8))


def test_stored_time_is_utc_so_text_order_is_time_order():
    local = datetime(2025, 3, 1, 9, 0, tzinfo=BEIJING)
    assert stored_time(local) == "2025-03-01T01:00:00+00:00"
    assert stored_time(datetime(2025, 3, 1, 9, 0)) == "2025-03-01T09:00:00"  # naive kept as is


def test_content_ids_follow_the_instant_not_its_zone():
    at = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
    one = Decision(
        doc_id="ab" * 32, rule="r1", status=DecisionStatus.CONFIRMED, reviewer="rev", decided_at=at
    )
    same = one.model_copy(update={"decided_at": at.astimezone(BEIJING), "note": "other note"})
    later = one.model_copy(update={"decided_at": at + timedelta(seconds=1)})
    assert one.id == same.id != later.id
    assert len(one.id) == 64

    error = InputError(source="a.zip", member="x.pdf", reason="truncated", at=at)
    assert error.id == error.model_copy(update={"at": at.astimezone(BEIJING)}).id
    assert error.id != error.model_copy(update={"member": "y.pdf"}).id


def test_connect_sets_up_wal_foreign_keys_and_busy_timeout(tmp_path):
    db = connect(tmp_path / "a.db")
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        assert db.isolation_level is None  # transactions are explicit
    finally:
        db.close()


def test_write_transaction_commits_or_rolls_back_as_a_whole(tmp_path):
    db = connect(tmp_path / "a.db")
    try:
        db.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
        with write_transaction(db) as tx:
            tx.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(sqlite3.IntegrityError), write_transaction(db) as tx:
            tx.execute("INSERT INTO t VALUES (2)")
            tx.execute("INSERT INTO t VALUES (1)")
        assert [r[0] for r in db.execute("SELECT x FROM t")] == [1]
        assert not db.in_transaction
    finally:
        db.close()
