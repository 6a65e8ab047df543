"""kill -9 in the middle of an ingest, then the same command again: the archive must end
complete, with no duplicate and no half-stored document."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

CLI = "from tenderwatch.cli import main; main()"
TOTAL = 400


def _count(db_path) -> int:
    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.OperationalError:  # schema not created yet
        return 0


@pytest.mark.slow
def test_kill_9_then_rerun_finishes_without_duplicates(tmp_path, make_notice):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(TOTAL):
        (corpus / f"n{n:04d}.html").write_bytes(make_notice(1000 + n))
    data = tmp_path / "data"
    db_path = data / "tenderwatch.db"
    command = [
        sys.executable,
        "-c",
        CLI,
        "ingest",
        str(corpus),
        "--data-dir",
        str(data),
        "--workers",
        "1",
    ]

    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 300
        while _count(db_path) < 5:
            assert process.poll() is None, "ingest ended before it could be killed"
            assert time.monotonic() < deadline, "ingest stored nothing"
            time.sleep(0.01)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the CLI and its workers, mid-ingest
        process.wait()
    stored_at_kill = _count(db_path)
    assert 0 < stored_at_kill < TOTAL

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr

    db = sqlite3.connect(db_path)
    count = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    assert count("SELECT count(*) FROM documents") == TOTAL
    assert count("SELECT count(*) FROM captures") == TOTAL
    assert count("SELECT count(*) FROM pages") == TOTAL
    assert count("SELECT count(*) FROM doc_scans") == TOTAL
    assert count("SELECT count(DISTINCT doc_id) FROM captures") == TOTAL
    # facts commit with their document, and processes are re-linked after the re-run
    assert count("SELECT count(*) FROM notice_facts") == TOTAL
    assert count("SELECT count(DISTINCT doc_id) FROM process_notices") == TOTAL
    db.execute("INSERT INTO pages_fts (pages_fts) VALUES ('integrity-check')")
    assert count("SELECT count(*) FROM pages_fts WHERE pages_fts MATCH '\"示例采购公告\"'") == TOTAL
    blobs = [p for p in (data / "blobs").rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert len(blobs) == TOTAL
    assert all(hashlib.sha256(p.read_bytes()).hexdigest() == p.name for p in blobs)
