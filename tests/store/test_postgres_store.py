"""The PostgreSQL backend against a real server (TENDERWATCH_TEST_PG_DSN, started by
scripts/test.sh). The store behaviour tests of test_sqlite_store.py and test_search.py run
here a second time with the ``store`` fixture below, so both backends pass the same tests;
each test gets its own schema, so parallel workers never see each other's rows."""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import random
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from tenderwatch.ingest import ingest
from tenderwatch.model import Risk, ScanResult
from tenderwatch.settings import Settings
from tenderwatch.sources import iter_inputs
from tenderwatch.store import postgres as backend
from tenderwatch.store.base import (
    MentionRole,
    StoreError,
    VendorMatch,
    VendorMention,
    VendorProcurements,
    open_store,
)
from tenderwatch.store.migrations import Migration, migrations_for
from tenderwatch.store.postgres import PostgresStore
from tenderwatch.vendors.judgements import Judgement, Verdict

pytestmark = pytest.mark.postgres

DSN = os.environ.get("TENDERWATCH_TEST_PG_DSN")

# Behaviour tests that check SQLite itself (pragmas, exception types, WAL checkpoints); the
# PostgreSQL counterparts of the first two are written out below.
SQLITE_ONLY = {
    "test_pragmas",
    "test_capture_needs_its_document",
    "test_bulk_writes_checkpoint_in_the_background",
    "test_a_restarted_wal_is_written_from_its_start_again",
}


def _module(filename: str):
    """A sibling test module (tests are not a package: --import-mode=importlib)."""
    path = Path(__file__).with_name(filename)
    spec = importlib.util.spec_from_file_location(f"_pg_shared_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shared_tests(filename: str) -> dict[str, object]:
    """Test functions taking a ``store`` (and the module's own fixtures) from a sibling
    module; bound here they use this module's ``store`` fixture."""
    module = _module(filename)
    shared: dict[str, object] = {}
    for name, item in vars(module).items():
        if name.startswith("test_") and name not in SQLITE_ONLY:
            if "store" in inspect.signature(item).parameters:
                shared[name] = item
        elif type(item).__name__ == "FixtureFunctionDefinition":
            shared[name] = item  # fixtures the tests need, such as test_search's corpus
    return shared


globals().update(_shared_tests("test_sqlite_store.py"))
globals().update(_shared_tests("test_search.py"))


@pytest.fixture(scope="session")
def pg_admin():
    if not DSN:
        pytest.skip("TENDERWATCH_TEST_PG_DSN is not set (scripts/test.sh starts a server)")
    with psycopg.connect(DSN, autocommit=True) as db:
        # Created once in public, which every test schema's search_path includes; the lock
        # keeps two xdist workers from racing on CREATE EXTENSION.
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (backend.MIGRATION_LOCK,))
            db.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        yield db


@pytest.fixture
def pg_url(pg_admin):
    """A postgresql:// URL whose search_path is a fresh schema, dropped afterwards."""
    schema = f"tw_{uuid.uuid4().hex[:16]}"
    pg_admin.execute(f"CREATE SCHEMA {schema}")
    options = quote(f"-c search_path={schema},public")
    separator = "&" if "?" in DSN else "?"
    yield f"{DSN}{separator}options={options}"
    pg_admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["postgresql"])
def store(pg_url):
    s = PostgresStore(pg_url)
    yield s
    s.close()


def _tables(db_url: str) -> set[str]:
    with psycopg.connect(db_url) as db:
        rows = db.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        return {r[0] for r in rows}


def test_migrations_are_applied_once_in_order(pg_url):
    first = PostgresStore(pg_url)
    expected = [m.version for m in migrations_for("postgresql")]
    assert expected[:2] == ["0001_core", "0002_pages"]
    assert first.applied_migrations() == expected
    first.close()
    again = PostgresStore(pg_url)
    assert again.migrate() == [] and again.applied_migrations() == expected
    again.close()
    assert {"documents", "pages", "schema_migrations"} <= _tables(pg_url)
    assert "pages_fts" not in _tables(pg_url)  # the SQLite variant of 0002 did not run


def test_two_processes_migrating_at_once_apply_each_migration_once(pg_url):
    stores, errors = [], []

    def open_one():
        try:
            stores.append(PostgresStore(pg_url))
        except StoreError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(stores) == 3
    assert stores[0].applied_migrations() == [m.version for m in migrations_for("postgresql")]
    for s in stores:
        s.close()


def test_a_failing_migration_leaves_nothing_behind(pg_url, monkeypatch):
    broken = Migration("9999_broken", "CREATE TABLE half_done (a TEXT);\nCREATE TABLE oops (")
    shipped = migrations_for("postgresql")
    monkeypatch.setattr(backend, "migrations_for", lambda dialect: [*shipped, broken])
    with pytest.raises(StoreError, match="migration 9999_broken failed"):
        PostgresStore(pg_url)
    assert "documents" in _tables(pg_url) and "half_done" not in _tables(pg_url)
    with psycopg.connect(pg_url) as db:
        versions = [r[0] for r in db.execute("SELECT version FROM schema_migrations")]
    assert versions == [m.version for m in shipped]


def test_open_store_picks_postgres_from_url(pg_url, tmp_path):
    for url in (pg_url, pg_url.replace("postgresql:", "postgresql+psycopg:", 1)):
        store = open_store(Settings(data_dir=tmp_path, database_url=url))
        assert isinstance(store, PostgresStore) and store.count_documents() == 0
        store.close()


def test_unreachable_server_is_a_clear_error_without_the_password(tmp_path):
    url = f"postgresql://someone:s3cret@/nodb?host={tmp_path}&connect_timeout=2"
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL") as raised:
        open_store(Settings(data_dir=tmp_path, database_url=url))
    assert "s3cret" not in str(raised.value) and "someone:***@" in str(raised.value)


def test_capture_needs_its_document(store, make_document):
    orphan = make_document(["x"]).capture
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        store.add_capture(orphan)
    assert store.stats().captures == 0


def test_a_failed_batch_commits_nothing(store, make_document):
    good = make_document(["fine"])
    orphan = make_document(["never stored"]).capture
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        store.add_documents([good], [orphan])
    assert store.count_documents() == 0 and store.stats().pages == 0


def test_nul_characters_are_stored_as_replacement_characters(store, make_document):
    new = make_document(["监控\x00摄像机 camera"], title="t\x00itle")
    store.add_documents([new])
    page = store.pages(new.record.id)[0]
    assert page.text == "监控\ufffd摄像机 camera"  # same length: offsets still point right
    assert len(page.text) == len(new.pages[0].text)
    assert store.document(new.record.id).title == "t\ufffditle"
    assert [h.doc_id for h in store.search("摄像机")] == [new.record.id]


def test_like_wildcards_in_queries_match_literally(store, make_document):
    store.add_documents([make_document(["预算 100% 到位"], title="percent")])
    store.add_documents([make_document(["预算 1000 元 abc"], title="plain")])
    store.add_documents([make_document(["a_b 型号"], title="underscore")])
    assert [h.title for h in store.search("100%")] == ["percent"]
    assert [h.title for h in store.search("0%")] == ["percent"]
    assert [h.title for h in store.search("a_b")] == ["underscore"]
    assert store.search("a%b") == [] and store.search("\\") == []


def test_the_trigram_index_serves_chinese_queries(store, make_document):
    store.add_documents([make_document(["校园视频监控系统 人脸识别门禁"])])
    with store._db.transaction():
        store._db.execute("SET LOCAL enable_seqscan = off")
        plan = store._db.execute(
            "EXPLAIN SELECT id FROM pages WHERE normalized LIKE %s", ("%人脸识别%",)
        ).fetchall()
    assert "pages_normalized_trgm" in " ".join(r["QUERY PLAN"] for r in plan)


def test_vendor_mentions_matches_and_judgements(store, make_document, make_flag):
    new = make_document(["中标供应商：示例科技有限公司"], flags=[make_flag()])
    store.add_documents([new])
    doc_id = new.record.id
    match = VendorMatch(
        entity_id="vendor-x", score=0.93, decision="match", features=[{"name": "exact"}],
        dataset_version="v1",
    )  # fmt: skip
    mention = VendorMention(
        doc_id=doc_id, role=MentionRole.SUPPLIER, text="示例科技有限公司", mention_key="示例科技",
        page=1, start=6, end=14, matches=[match],
    )  # fmt: skip
    scan = ScanResult(risk=Risk.HIGH, flags=[make_flag()], ruleset_version="r2")
    store.store_analysis(doc_id, scan, None, [mention, mention])  # found twice: one row
    assert store.vendor_mentions(doc_id) == [mention]
    assert store.vendor_procurements() == [
        VendorProcurements(entity_id="vendor-x", documents=1, flagged_documents=1, mentions=1)
    ]
    assert [d.id for d in store.list_documents(vendor="vendor-x")] == [doc_id]
    assert store.list_documents(vendor="vendor-y") == []
    judgement = Judgement(
        mention_key="示例科技", mention="示例科技有限公司", entity_id="vendor-x",
        verdict=Verdict.SAME, user="reviewer-a", created_at="2026-01-02T03:04:05+00:00",
    )  # fmt: skip
    store.add_vendor_judgement(judgement)
    store.add_vendor_judgement(judgement)  # the same decision again: one row
    assert store.vendor_judgements() == [judgement]
    store.store_analysis(doc_id, scan, None, [])
    assert store.vendor_mentions(doc_id) == [] and store.vendor_procurements() == []
    assert store.vendor_judgements() == [judgement]  # re-analysis never touches judgements


NOTICE = (
    "<html><head><meta charset='utf-8'><title>示例采购公告 第{n}号</title></head>"
    "<body><h1>示例采购公告 第{n}号</h1><p>采购单位：某县教育局（示例）。</p>"
    "<p>品目：{item}</p></body></html>"
)


@pytest.fixture
def notices(tmp_path) -> Path:
    folder = tmp_path / "notices"
    folder.mkdir()
    for n, item in enumerate(["食堂餐饮服务", "校园视频监控系统 人脸识别门禁", "办公家具"], 1):
        (folder / f"{n}.html").write_text(NOTICE.format(n=n, item=item), encoding="utf-8")
    (folder / "broken.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    return folder


def test_ingest_into_postgres_end_to_end(pg_url, tmp_path, notices):
    settings = Settings(data_dir=tmp_path / "data", database_url=pg_url, workers=1)
    store = open_store(settings)

    def run():
        inputs = iter_inputs([str(notices)], settings=settings)
        return ingest(inputs, settings=settings, store=store)

    try:
        summary = run()
        assert (summary.new, summary.duplicate, len(summary.failed)) == (3, 0, 1)
        again = run()
        assert (again.new, again.duplicate) == (0, 3)
        stats = store.stats()
        assert (stats.documents, stats.pages, stats.captures) == (3, 3, 3)
        assert stats.errors >= 1 and "broken.zip" in stats.recent_errors[0].source
        hits = store.search("监控")
        assert len(hits) == 1 and "第2号" in (hits[0].title or "")
        assert hits[0].snippets[0].marked().count("[监控]") == 1
        assert all(d.risk is not None for d in store.list_documents())
        # written through facts.storage on PostgreSQL too
        facts = {d.id: store.facts(d.id) for d in store.list_documents()}
        assert len(facts) == 3 and None not in facts.values()
        assert facts[hits[0].doc_id].buyer is not None
    finally:
        store.close()
    assert not (tmp_path / "data" / "tenderwatch.db").exists()


def test_the_cli_uses_postgres_from_the_environment(pg_url, tmp_path, notices):
    """A fresh process: open_store must find the backend without tests importing it."""
    env = {**os.environ, "TENDERWATCH_DATABASE_URL": pg_url}
    command = [str(Path(sys.executable).with_name("tenderwatch"))]
    data = ["--data-dir", str(tmp_path / "data")]

    def tw(*args):
        return subprocess.run([*command, *args, *data], env=env, capture_output=True, text=True)

    ingested = tw("ingest", str(notices / "2.html"), "--workers", "1")
    assert ingested.returncode == 0, ingested.stderr
    found = tw("search", "人脸识别", "--format", "json")
    assert found.returncode == 0, found.stderr
    hits = [json.loads(line) for line in found.stdout.splitlines() if line.strip()]
    assert len(hits) == 1 and "第2号" in hits[0]["title"]
    assert not (tmp_path / "data" / "tenderwatch.db").exists()


def test_incremental_process_linking_on_postgres(pg_url, make_document):
    linking = _module("test_process_linking.py")
    notices = linking.notices_of_the_corpus()
    random.Random(7).shuffle(notices)
    store = PostgresStore(pg_url)
    try:
        linking.commit_in_batches(store, make_document, notices, random.Random(7))
        incremental = linking.tables(store)
        assert incremental == linking.expected_tables(make_document, notices)
        store.relink_processes()
        assert linking.tables(store) == incremental
    finally:
        store.close()
