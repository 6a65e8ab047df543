from __future__ import annotations

import gc
import io
import os
import signal
import sqlite3
import threading
import time
import zipfile
from pathlib import Path

import pytest

from tenderwatch.blobs import BlobStore, sha256_hex
from tenderwatch.ingest import ingest, worker_pool
from tenderwatch.sources import iter_inputs
from tenderwatch.store.base import SourceKind


def run(targets, settings, store, **kwargs):
    events = []
    summary = ingest(
        iter_inputs([str(t) for t in targets], settings=settings, **kwargs),
        settings=settings,
        store=store,
        progress=events.append,
    )
    return summary, events


def test_folder_then_reingest_adds_no_duplicates(folder, settings, store):
    summary, events = run([folder], settings, store)
    assert (summary.new, summary.duplicate, summary.failed) == (3, 0, [])
    assert len(events) == 3 and all(e.outcome == "new" for e in events)
    assert ".hidden.html" not in {e.label.rsplit("/", 1)[-1] for e in events}
    again, _ = run([folder], settings, store)
    assert (again.new, again.duplicate, again.failed) == (0, 3, [])
    stats = store.stats()
    assert (stats.documents, stats.captures) == (3, 3)
    blobs = [p for p in (settings.data_dir / "blobs").rglob("*") if p.is_file()]
    assert len(blobs) == 3


def test_an_ingest_removes_what_a_killed_run_half_wrote(folder, settings, store):
    # A whole ingest killed mid-write leaves its workers' temporary blob files behind.
    folder_of_blobs = settings.data_dir / "blobs" / "ab"
    folder_of_blobs.mkdir(parents=True)
    leftover = folder_of_blobs / f".tmp-ab{'0' * 62}-k1ll3d"
    leftover.write_bytes(b"half a document")
    hours_ago = time.time() - 2 * 3600
    os.utime(leftover, (hours_ago, hours_ago))
    summary, _ = run([folder], settings, store)
    assert summary.new == 3
    assert not leftover.exists()
    assert not list((settings.data_dir / "blobs").rglob(".tmp-*"))


def test_same_bytes_twice_in_one_batch_is_one_document(folder, settings, store):
    (folder / "copy.html").write_bytes((folder / "a.html").read_bytes())
    summary, _ = run([folder], settings, store)
    assert (summary.new, summary.duplicate) == (3, 1)
    doc_id = next(d.id for d in store.list_documents() if "第1号" in (d.title or ""))
    sources = sorted(c.source.rsplit("/", 1)[-1] for c in store.captures(doc_id))
    assert sources == ["a.html", "copy.html"]


def test_documents_are_searchable_and_scanned(folder, settings, store):
    run([folder], settings, store)
    hits = store.search("监控")
    assert len(hits) == 1 and "第2号" in hits[0].title
    assert all(d.risk is not None for d in store.list_documents())
    assert store.stats().pages == 3


def test_bad_inputs_fail_alone(tmp_path, folder, settings, store):
    (folder / "empty.html").write_bytes(b"")
    (folder / "big.html").write_bytes(b"<html>" + b"x" * 5000)
    (folder / "broken.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    small = settings.model_copy(update={"max_file_bytes": 4000})
    summary, _ = run([folder, tmp_path / "missing.html"], small, store)
    assert summary.new == 3
    reasons = {f.source.rsplit("/", 1)[-1]: f.reason for f in summary.failed}
    assert "empty file" in reasons["empty.html"]
    assert "max_file_bytes" in reasons["big.html"]
    assert "zip" in reasons["broken.zip"]
    assert "no such file" in reasons["missing.html"]
    assert store.stats().errors == 4


def _zip(entries, path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return path


def _mark_encrypted(path, name):
    """Set the 'encrypted' flag bit of one member (zipfile cannot write encrypted members)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name).header_offset
    data[local + 6] |= 0x1
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 8] |= 0x1
    path.write_bytes(bytes(data))


def test_zip_members_with_hostile_ones_refused(tmp_path, settings, store, make_notice):
    symlink = zipfile.ZipInfo("link.html")
    symlink.external_attr = 0o120777 << 16
    archive = _zip(
        [
            ("notices/one.html", make_notice(21)),
            ("notices/two.html", make_notice(22)),
            ("../../evil.html", make_notice(23)),
            ("/etc/cron.d/evil", b"* * * * * root true"),
            ("bomb.txt", b"\0" * 3_000_000),
            (symlink, "/etc/passwd"),
            ("secret.html", make_notice(24)),
        ],
        tmp_path / "bundle.zip",
    )
    _mark_encrypted(archive, "secret.html")
    summary, _ = run([archive], settings, store)
    assert summary.new == 2
    reasons = {f.source.split(" ! ", 1)[1]: f.reason for f in summary.failed}
    assert "path traversal" in reasons["../../evil.html"]
    assert "path traversal" in reasons["/etc/cron.d/evil"]
    assert "zip bomb" in reasons["bomb.txt"]
    assert "symbolic link" in reasons["link.html"]
    assert "encrypted" in reasons["secret.html"]
    capture = store.captures(store.search("第21号")[0].doc_id)[0]
    assert (capture.kind, capture.source, capture.member) == (
        SourceKind.ZIP,
        str(archive),
        "notices/one.html",
    )
    assert not (tmp_path.parent / "evil.html").exists()


def test_zip_total_size_limit(tmp_path, settings, store, make_notice):
    archive = _zip([(f"n{i}.html", make_notice(30 + i)) for i in range(4)], tmp_path / "four.zip")
    limited = settings.model_copy(update={"max_decompressed_bytes": 2 * len(make_notice(30)) + 10})
    summary, _ = run([archive], limited, store)
    assert summary.new == 2
    assert all("max_decompressed_bytes" in f.reason for f in summary.failed)
    assert len(summary.failed) == 2


def test_zip_inside_a_folder_is_expanded(tmp_path, folder, settings, store, make_notice):
    _zip([("inner.html", make_notice(40))], folder / "sub" / "more.zip")
    summary, _ = run([folder], settings, store)
    assert summary.new == 4
    kinds = sorted(c.kind for d in store.list_documents() for c in store.captures(d.id))
    assert kinds.count(SourceKind.ZIP) == 1


def _warc(path, records):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, status, body, headers in records:
            http_headers = StatusAndHeaders(f"{status} X", headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=http_headers
            )
            writer.write_record(record)
    return path


def test_warc_responses_become_documents(tmp_path, settings, store, make_notice):
    warc = _warc(
        tmp_path / "crawl.warc.gz",
        [
            (
                "http://portal.example/a.html",
                200,
                make_notice(50),
                [("Content-Type", "text/html; charset=utf-8")],
            ),
            ("http://portal.example/old", 301, b"", [("Location", "http://portal.example/a.html")]),
            ("http://portal.example/gone", 404, b"gone", [("Content-Type", "text/plain")]),
        ],
    )
    summary, _ = run([warc], settings, store)
    assert summary.new == 1
    assert [f.reason for f in summary.failed] == ["archived response is HTTP 404, not a document"]
    doc = store.search("第50号")[0]
    capture = store.captures(doc.doc_id)[0]
    assert capture.kind is SourceKind.WARC and capture.url == "http://portal.example/a.html"
    assert capture.http_status == 200 and capture.warc_offset == 0
    assert capture.warc_record_id.startswith("<urn:uuid:")
    assert ("Content-Type", "text/html; charset=utf-8") in capture.headers
    again, _ = run([warc], settings, store)
    assert again.duplicate == 1 and len(store.captures(doc.doc_id)) == 1


def test_truncated_warc_keeps_what_was_read(tmp_path, settings, store, make_notice):
    full = _warc(
        tmp_path / "full.warc.gz",
        [
            (
                f"http://portal.example/{i}",
                200,
                make_notice(60 + i),
                [("Content-Type", "text/html")],
            )
            for i in range(3)
        ],
    )
    # cut inside the last record's payload, and inside its header: both are reported
    for n, cut in enumerate((20, 200)):
        damaged = tmp_path / f"cut{n}.warc.gz"
        damaged.write_bytes(full.read_bytes()[: full.stat().st_size - cut])
        summary, _ = run([damaged], settings, store)
        assert summary.new + summary.duplicate == 2
        assert len(summary.failed) == 1 and "truncated" in summary.failed[0].reason


def test_document_timeout_kills_the_worker_and_the_batch_goes_on(tmp_path, folder, settings, store):
    slow = tmp_path / "slow"
    slow.mkdir()
    # ~4 MB of text full of rule hits: seconds of work, against a 50 ms limit
    lines = (f"第{i}行 视频监控系统采购 camera\n" for i in range(100_000))
    (slow / "huge.txt").write_text("".join(lines), encoding="utf-8")
    hurried = settings.model_copy(update={"document_timeout_s": 0.05})
    # what the worker would leave if it were stopped while writing the document's blob
    digest = sha256_hex((slow / "huge.txt").read_bytes())
    partial = settings.data_dir / "blobs" / digest[:2] / f".tmp-{digest}-stopped"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"part of it")
    summary, _ = run([slow], hurried, store)
    assert [f.source.rsplit("/", 1)[-1] for f in summary.failed] == ["huge.txt"]
    assert "document_timeout_s" in summary.failed[0].reason
    assert not partial.exists()
    after, _ = run([folder / "a.html", folder / "b.html"], settings, store)
    assert after.new == 2  # the pool replaced the killed worker
    # kept as a failed document (bytes and provenance are evidence), reported again on re-run
    assert store.stats().by_status == {"failed": 1, "ok": 2}
    again, _ = run([slow], settings, store)
    assert len(again.failed) == 1 and again.new == 0


def test_jobs_queued_behind_a_timed_out_document_are_done(tmp_path, settings, store, make_notice):
    # One worker gets the slow document and the notices after it ahead of its answers; the
    # kill that stops the slow one must not cost the notices waiting behind it.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    lines = (f"第{i}行 视频监控系统采购 camera\n" for i in range(100_000))
    (inbox / "0-huge.txt").write_text("".join(lines), encoding="utf-8")
    for n in range(1, 6):
        (inbox / f"{n}.html").write_bytes(make_notice(100 + n))
    # the huge document takes seconds, a notice milliseconds: 1 s separates them on any load
    hurried = settings.model_copy(update={"document_timeout_s": 1.0})
    summary, events = run([inbox], hurried, store)
    assert [f.source.rsplit("/", 1)[-1] for f in summary.failed] == ["0-huge.txt"]
    assert summary.new == 5
    assert store.stats().by_status == {"failed": 1, "ok": 5}
    failed_id = next(e.doc_id for e in events if e.outcome.value == "failed")
    assert BlobStore(settings.data_dir / "blobs").exists(failed_id)  # bytes kept as evidence


def _gone(pid):
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):  # reaped before or while reading
        return True
    return "\nState:\tZ" in status


def test_dead_workers_are_replaced(folder, settings, store, make_notice):
    (folder.parent / "first.html").write_bytes(make_notice(70))
    run([folder.parent / "first.html"], settings, store)  # the pool is up and ready
    pids = worker_pool(settings).pids
    for pid in pids:
        os.kill(pid, signal.SIGKILL)  # as if the OOM killer took them
    deadline = time.monotonic() + 60
    while not all(_gone(pid) for pid in pids):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    summary, _ = run([folder], settings, store)
    assert (summary.new, summary.failed) == (3, [])
    assert not set(pids) & set(worker_pool(settings).pids)


def test_a_document_its_worker_dies_on_twice_fails_alone(tmp_path, settings, store, make_notice):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    lines = (f"第{i}行 视频监控系统采购 camera\n" for i in range(100_000))
    (inbox / "0-huge.txt").write_text("".join(lines), encoding="utf-8")
    (inbox / "1.html").write_bytes(make_notice(80))
    huge = sha256_hex((inbox / "0-huge.txt").read_bytes())
    pool = worker_pool(settings)  # the one the ingest below uses: same size, idle
    killed: list[int] = []

    def kill_whoever_is_on_the_huge_document() -> None:
        # White box: the pool's only slot says which worker has the huge document (seconds
        # of work) at the head of its jobs; each such worker is killed once it is ready.
        deadline = time.monotonic() + 60
        while len(killed) < 2 and time.monotonic() < deadline:
            slot = pool._slots[0]
            pid = slot.process.pid
            try:
                on_it = slot.ready and slot.jobs[0].key == huge
            except IndexError:
                on_it = False
            if on_it and pid is not None and pid not in killed:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.005)

    killer = threading.Thread(target=kill_whoever_is_on_the_huge_document)
    killer.start()
    summary, _ = run([inbox], settings.model_copy(update={"document_timeout_s": 600}), store)
    killer.join()
    assert len(killed) == 2
    assert [(f.source.rsplit("/", 1)[-1], f.reason) for f in summary.failed] == [
        ("0-huge.txt", "the extraction worker died twice on it (killed by SIGKILL)")
    ]
    assert summary.new == 1  # the notice queued behind it went to the next worker


def test_a_failed_commit_stops_the_ingest_and_keeps_whole_documents(
    tmp_path, settings, store, make_notice
):
    # Commits run on a thread of their own; a database that refuses a write must still
    # stop the ingest with that error, and leave only whole documents behind.
    store._db.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON pages WHEN new.text LIKE '%第7号%'"
        " BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
    )
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(10):
        (folder / f"{n}.html").write_bytes(make_notice(n))
    with pytest.raises(sqlite3.IntegrityError, match="disk says no"):
        run([folder], settings, store)
    stats = store.stats()
    assert stats.documents == stats.pages == stats.captures  # nothing half stored
    store._db.execute("DROP TRIGGER refuse")
    summary, _ = run([folder], settings, store)
    assert summary.new == 10 - stats.documents and summary.failed == []
    assert store.stats().documents == 10


def test_the_collector_is_tuned_for_an_ingest_and_restored_after_it(folder, settings, store):
    # During a run the objects alive at its start are frozen and young ones are collected
    # less often; the process's collector settings are back afterwards, also after a failure.
    before = gc.get_threshold(), gc.get_freeze_count()
    during = []

    def progress(event):
        during.append((gc.get_threshold()[0], gc.get_freeze_count()))

    inputs = iter_inputs([str(folder)], settings=settings)
    summary = ingest(inputs, settings=settings, store=store, progress=progress)
    assert summary.new == 3 and during
    assert all(threshold > before[0][0] and frozen > 0 for threshold, frozen in during)
    assert (gc.get_threshold(), gc.get_freeze_count()) == before

    def broken():
        yield from iter_inputs([str(folder)], settings=settings)
        raise RuntimeError("the input source broke")

    with pytest.raises(RuntimeError, match="broke"):
        ingest(broken(), settings=settings, store=store)
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
    # what the caller froze itself stays frozen
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        ingest(iter_inputs([str(folder)], settings=settings), settings=settings, store=store)
        # neither thawed (0) nor grown by the run's own objects; frozen objects may be freed
        assert 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
