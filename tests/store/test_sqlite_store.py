from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from tenderwatch.model import Risk, ScanResult
from tenderwatch.settings import Settings
from tenderwatch.store import sqlite as backend
from tenderwatch.store.base import (
    Capture,
    Decision,
    DecisionStatus,
    DocumentNotFound,
    InputError,
    SourceKind,
    StoreError,
    open_store,
)
from tenderwatch.store.migrations import migrations_for
from tenderwatch.store.sqlite import SQLiteStore, checkpoint_wal, connect


def test_migrations_are_applied_once_in_order(tmp_path):
    path = tmp_path / "tw.db"
    first = SQLiteStore(path)
    expected = [m.version for m in migrations_for("sqlite")]
    assert expected[:2] == ["0001_core", "0002_pages"]
    assert first.applied_migrations() == expected
    first.close()
    again = SQLiteStore(path)
    assert again.migrate() == []
    assert again.applied_migrations() == expected
    again.close()
    rows = sqlite3.connect(path).execute("SELECT count(*) FROM schema_migrations").fetchone()
    assert rows[0] == len(expected)


def test_an_archive_of_0007_loses_the_unused_vendor_tables_only(tmp_path, monkeypatch):
    path = tmp_path / "tw.db"
    shipped = migrations_for("sqlite")
    older = [m for m in shipped if m.version < "0008"]
    monkeypatch.setattr(backend, "migrations_for", lambda dialect: older)
    SQLiteStore(path).close()
    db = sqlite3.connect(path)
    assert {"vendor_imports", "vendor_entities"} <= _table_names(db)
    judgement = ("j", "k", "m", "e", "same", "r", "t", None, None)
    db.execute("INSERT INTO vendor_judgements VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", judgement)
    db.commit()
    monkeypatch.setattr(backend, "migrations_for", lambda dialect: shipped)
    store = SQLiteStore(path)
    assert store.applied_migrations() == [m.version for m in shipped]
    store.close()
    assert not {"vendor_imports", "vendor_entities"} & _table_names(db)
    assert db.execute("SELECT count(*) FROM vendor_judgements").fetchone()[0] == 1


def _table_names(db: sqlite3.Connection) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_pragmas(store):
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store._db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_bulk_writes_checkpoint_in_the_background(store, make_document):
    with store.bulk_writes():
        assert store._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        before = store.path.stat().st_size
        store.add_documents([make_document([f"第{n}页 视频监控 " * 200]) for n in range(50)])
        # nothing in this connection checkpoints now: the database file grows only when
        # the background thread copies the WAL into it
        deadline = time.monotonic() + 60
        while store.path.stat().st_size == before:
            assert time.monotonic() < deadline, "the WAL was never checkpointed"
            time.sleep(0.05)
    assert store._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    assert "wal-checkpoint" not in {t.name for t in threading.enumerate()}
    assert store.count_documents() == 50


def test_a_restarted_wal_is_written_from_its_start_again(store, make_document):
    # A reader on a snapshot from before the writes keeps checkpoints from copying them and
    # the next transaction from starting the WAL over, as steady commits do in an ingest.
    reader = connect(store.path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM documents").fetchone()
    store._db.execute("PRAGMA wal_autocheckpoint = 0")
    store.add_documents([make_document([f"第{n}页 视频监控 " * 200]) for n in range(20)])
    checkpointer = connect(store.path)
    held = checkpoint_wal(checkpointer)
    assert held > 64 * 1024
    store.restart_wal()
    # the commit after the request waits for the reader, then copies the whole WAL
    threading.Timer(0.2, reader.execute, args=("COMMIT",)).start()
    store.add_documents([make_document(["再来一页"])])
    store.add_documents([make_document(["又一页"])])
    # written from the start: the WAL holds the last commit only
    assert checkpoint_wal(checkpointer) < held / 4
    assert store.count_documents() == 22
    reader.close()
    checkpointer.close()


def test_open_store_picks_backend_from_url(tmp_path):
    store = open_store(Settings(data_dir=tmp_path))
    assert isinstance(store, SQLiteStore) and store.path == tmp_path / "tenderwatch.db"
    store.close()
    elsewhere = open_store(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/x.db"))
    assert isinstance(elsewhere, SQLiteStore) and elsewhere.path == tmp_path / "x.db"
    elsewhere.close()
    with pytest.raises(StoreError, match="unknown storage backend 'mysql'"):
        open_store(Settings(data_dir=tmp_path, database_url="mysql://x"))


def test_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open SQLite database"):
        SQLiteStore(bad)


def test_document_round_trip(store, make_document, make_flag):
    new = make_document(["第一页 人脸识别", "page two"], risk=Risk.HIGH, flags=[make_flag()])
    store.add_documents([new])
    doc_id = new.record.id
    assert store.has_document(doc_id)
    record = store.document(doc_id)
    assert record.title == "notice" and record.risk is Risk.HIGH
    assert [p.text for p in store.pages(doc_id)] == ["第一页 人脸识别", "page two"]
    assert store.flags(doc_id) == [make_flag()]
    assert store.captures(doc_id) == [new.capture]
    extraction = store.extraction(doc_id)
    assert extraction.text == "第一页 人脸识别\fpage two"
    assert store.latest_scan(doc_id).risk is Risk.HIGH


def test_adding_the_same_document_twice_keeps_one(store, make_document):
    new = make_document(["text"])
    store.add_documents([new])
    store.add_documents([new])
    assert store.count_documents() == 1
    assert len(store.pages(new.record.id)) == 1
    assert len(store.captures(new.record.id)) == 1


def test_capture_natural_key(store, make_document):
    new = make_document(["text"])
    store.add_documents([new])
    doc_id = new.record.id
    assert store.add_capture(new.capture) is False  # same file again: no new capture
    moved = new.capture.model_copy(update={"source": "/elsewhere/notice.html"})
    assert store.add_capture(moved) is True
    at = datetime(2026, 3, 1, tzinfo=UTC)
    url = Capture(
        doc_id=doc_id,
        kind=SourceKind.URL,
        source="http://x/n",
        captured_at=at,
        size=4,
        http_status=200,
        headers=[("Content-Type", "text/html")],
    )
    assert store.add_capture(url) is True
    assert store.add_capture(url) is False  # the very same fetch
    later = url.model_copy(update={"captured_at": at + timedelta(days=1)})
    assert store.add_capture(later) is True  # a new fetch of the URL is a new capture
    kinds = [c.kind for c in store.captures(doc_id)]
    assert kinds.count(SourceKind.URL) == 2 and len(kinds) == 4
    assert store.captures(doc_id)[-1].headers == [("Content-Type", "text/html")]


def test_capture_needs_its_document(store, make_document):
    orphan = make_document(["x"]).capture
    with pytest.raises(sqlite3.IntegrityError):
        store.add_capture(orphan)


def test_rescan_replaces_flags_and_keeps_decisions(store, make_document, make_flag):
    new = make_document(
        ["x"], risk=Risk.HIGH, flags=[make_flag(), make_flag("religion.practice.fasting")]
    )
    store.add_documents([new])
    doc_id = new.record.id
    decision = Decision(
        doc_id=doc_id,
        rule="ethnic.attribute.face",
        status=DecisionStatus.CONFIRMED,
        note="quoted in annex 2",
        reviewer="reviewer-a",
        decided_at=datetime.now(UTC),
    )
    store.add_decision(decision)
    store.store_scan(
        doc_id, ScanResult(risk=Risk.LOW, flags=[make_flag("a.b.c")], ruleset_version="r2")
    )
    assert [f.rule for f in store.flags(doc_id)] == ["a.b.c"]
    assert store.latest_scan(doc_id).ruleset_version == "r2"
    assert store.document(doc_id).risk is Risk.LOW
    assert store.decisions(doc_id) == [decision]


def test_decisions_are_an_append_only_history(store, make_document):
    new = make_document(["x"])
    store.add_documents([new])
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for minutes, status in enumerate([DecisionStatus.UNSURE, DecisionStatus.REJECTED]):
        store.add_decision(
            Decision(
                doc_id=new.record.id,
                rule="r.x",
                status=status,
                reviewer="reviewer-b",
                decided_at=t0 + timedelta(minutes=minutes),
            )
        )
    assert [d.status for d in store.decisions(new.record.id)] == ["unsure", "rejected"]


def test_resolve_id_by_prefix(store, make_document):
    new = make_document(["x"])
    store.add_documents([new])
    doc_id = new.record.id
    assert store.resolve_id(doc_id[:6].upper()) == doc_id
    with pytest.raises(DocumentNotFound, match="no document"):
        store.resolve_id("0" * 64 if not doc_id.startswith("0") else "f" * 64)
    with pytest.raises(DocumentNotFound, match="not a document id"):
        store.resolve_id("zz; DROP TABLE documents")
    for n in range(20):
        store.add_documents([make_document([str(n)])])
    with pytest.raises(DocumentNotFound, match="ambiguous"):
        store.resolve_id(_shared_prefix(store))


def _shared_prefix(store):
    ids = sorted(store.document_ids())
    for a, b in itertools.pairwise(ids):
        if a[0] == b[0]:
            return a[0]
    raise AssertionError("21 ids over 16 first digits must share one")


def test_list_filters_and_stats(store, make_document):
    store.add_documents([make_document(["a"], risk=Risk.HIGH)])
    store.add_documents([make_document(["b"], risk=Risk.NONE, media_type="application/pdf")])
    store.add_documents([make_document(["c"], risk=Risk.NONE)])
    store.record_error(
        InputError(
            source="bad.zip",
            member="../evil",
            reason="refused: path traversal",
            at=datetime.now(UTC),
        )
    )
    assert len(store.list_documents()) == 3
    assert len(store.list_documents(risk=["high"])) == 1
    assert len(store.list_documents(risk=["high", "none"], media_type=["text/html"])) == 2
    assert len(store.list_documents(status=["failed"])) == 0
    assert len(store.list_documents(limit=1)) == 1
    stats = store.stats()
    assert (stats.documents, stats.pages, stats.captures, stats.errors) == (3, 3, 3, 1)
    assert stats.by_risk == {"none": 2, "high": 1}
    assert stats.by_media_type == {"text/html": 2, "application/pdf": 1}
    assert stats.recent_errors[0].member == "../evil"


def test_a_failing_migration_leaves_nothing_behind(tmp_path, monkeypatch):
    from tenderwatch.store.migrations import Migration

    broken = Migration("9999_broken", "CREATE TABLE half_done (a TEXT);\nCREATE TABLE oops (")
    shipped = migrations_for("sqlite")
    monkeypatch.setattr(backend, "migrations_for", lambda dialect: [*shipped, broken])
    with pytest.raises(StoreError, match="migration 9999_broken failed"):
        SQLiteStore(tmp_path / "tw.db")
    db = sqlite3.connect(tmp_path / "tw.db")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "documents" in tables and "half_done" not in tables
    versions = [r[0] for r in db.execute("SELECT version FROM schema_migrations")]
    assert versions == [m.version for m in shipped]


def test_migration_files_are_named_by_number(tmp_path):
    versions = [m.version for m in migrations_for("sqlite")]
    assert versions == sorted(versions) and len({v[:4] for v in versions}) == len(versions)
    postgres_pages = next(m for m in migrations_for("postgresql") if m.version == "0002_pages")
    assert "fts5" not in postgres_pages.sql  # each dialect gets its own variant


def test_analysis_replaces_facts_and_vendor_mentions_atomically(store, make_document):
    from tenderwatch.facts import NoticeFacts, Source, TextFact
    from tenderwatch.store.base import MentionRole, VendorMatch, VendorMention

    new = make_document(["中标供应商：测试公司"])
    doc_id = new.record.id
    source = Source(page=1, start=6, end=10, text="测试公司")
    facts = NoticeFacts(suppliers=[TextFact(value="测试公司", source=source)],
                        extractor_version="t/1")  # fmt: skip
    mention = VendorMention(
        doc_id=doc_id, role=MentionRole.SUPPLIER, text="测试公司", mention_key="测试公司",
        page=1, start=6, end=10,
        matches=[VendorMatch(entity_id="x", score=91.0, decision="match",
                             features=[{"name": "core_exact"}], dataset_version="1")],
    )  # fmt: skip
    store.add_documents([new.model_copy(update={"facts": facts, "vendor_mentions": [mention]})])
    assert store.facts(doc_id) == facts
    assert store.vendor_mentions(doc_id) == [mention]
    assert [p.entity_id for p in store.vendor_procurements()] == ["x"]
    assert [d.id for d in store.list_documents(vendor="测试公司")] == [doc_id]  # supplier name
    scan = ScanResult(risk=Risk.LOW, flags=[], reasons=[], ruleset_version="r2")
    store.store_analysis(doc_id, scan, None, [])
    assert store.facts(doc_id) is None and store.vendor_mentions(doc_id) == []
    assert store.vendor_procurements() == [] and store.document(doc_id).risk is Risk.LOW
