"""A crawl killed with SIGKILL in the middle resumes on the next run: nothing announced is
lost, nothing already captured is fetched or stored twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import yaml

from tenderwatch.crawl import CrawlState
from tenderwatch.crawl.state import UrlState
from tenderwatch.store.base import open_store

CLI = "import tenderwatch.cli.crawl; from tenderwatch.cli.app import app; app()"


def _watch(tmp_path, settings, sources_dir):
    env = {
        **os.environ,
        "TENDERWATCH_DATA_DIR": str(settings.data_dir),
        "TENDERWATCH_ALLOW_PRIVATE_NETWORKS": "1",
        "TENDERWATCH_CRAWL_BACKOFF_S": "0.01",
        "TENDERWATCH_WORKERS": "1",
    }
    command = [
        sys.executable,
        "-c",
        CLI,
        "watch",
        "--once",
        "--source",
        "fixture",
        "--sources-dir",
        str(sources_dir),
        "--date",
        "2024-01-05",
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _captured(settings, portal) -> set[str]:
    """Paths the crawl state marks captured whose document is stored. The state is marked
    after the document commits, so a kill in between leaves a stored, unmarked notice."""
    store = open_store(settings)
    state = CrawlState.for_store(store)
    try:
        return {
            t.url.removeprefix(portal.base)
            for t in state.captured("fixture")
            if store.has_document(t.doc_id)
        }
    finally:
        state.close()
        store.close()


def test_kill_during_crawl_then_resume(portal, source, settings, tmp_path):
    sources_dir = tmp_path / "sources"
    sources_dir.mkdir()
    raw = source.model_dump(mode="json")
    raw["rate"]["concurrency"] = 1
    # Re-checks would fetch captured notices again; with nothing flagged there are none.
    raw["recheck"] = "flagged"
    portal.state.notices["n1"].text = "办公桌椅采购。"
    (sources_dir / "fixture.yaml").write_text(
        yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8"
    )
    release = threading.Event()
    portal.state.block["/notice/n4"] = release
    # Ingest commits in batches at most a second old; slow pages before the blocked one
    # let a batch commit (and the crawl state mark it) before the kill, so both sides of
    # the resume are exercised.
    portal.state.slow = {"/notice/n2", "/files/n2.txt", "/notice/n3", "/files/n3.txt"}

    process = _watch(tmp_path, settings, sources_dir)
    deadline = time.monotonic() + 120
    while "/notice/n4" not in portal.state.hits() or not _captured(settings, portal):
        assert process.poll() is None, process.stdout.read().decode()
        assert time.monotonic() < deadline, "the crawl never reached notice n4"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    release.set()
    first_hits = portal.state.hits()
    captured_before = _captured(settings, portal)

    process = _watch(tmp_path, settings, sources_dir)
    output = process.communicate(timeout=120)[0].decode()
    assert process.returncode == 0, output
    resumed = portal.state.hits() - first_hits
    # Notices committed before the kill are not fetched again; the rest are, once.
    assert captured_before, "the kill came before anything was captured"
    assert not captured_before & set(resumed)
    for path in {f"/notice/n{i}" for i in range(1, 6)} - captured_before:
        assert resumed[path] == 1, path

    store = open_store(settings)
    state = CrawlState.for_store(store)
    try:
        tracked = state.all_urls("fixture")
        assert len(tracked) == 10
        assert [t for t in tracked if t.state is not UrlState.CAPTURED] == []
        assert store.count_documents() == 10
        assert len({t.doc_id for t in tracked}) == 10
    finally:
        state.close()
        store.close()
