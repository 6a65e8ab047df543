from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time

import pytest

from tenderwatch.blobs import BlobStore, sha256_hex


def test_blob_layout_and_round_trip(tmp_path):
    blobs = BlobStore(tmp_path / "blobs")
    data = "招标公告".encode()
    digest = blobs.put(data)
    assert digest == hashlib.sha256(data).hexdigest() == sha256_hex(data)
    path = tmp_path / "blobs" / digest[:2] / digest
    assert path.read_bytes() == data
    assert blobs.get(digest) == data and blobs.exists(digest)


def test_blobs_of_the_two_level_layout_are_found_and_kept(tmp_path):
    data = b"stored by an earlier version"
    digest = sha256_hex(data)
    old = tmp_path / digest[:2] / digest[2:4] / digest
    old.parent.mkdir(parents=True)
    old.write_bytes(data)
    blobs = BlobStore(tmp_path)
    assert blobs.exists(digest) and blobs.get(digest) == data and blobs.path_for(digest) == old
    assert blobs.put(data) == digest
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [old]  # not written twice


def test_put_is_idempotent_and_leaves_no_temp_files(tmp_path):
    blobs = BlobStore(tmp_path)
    digest = blobs.put(b"same bytes")
    before = blobs.path_for(digest).stat().st_mtime_ns
    assert blobs.put(b"same bytes") == digest
    assert blobs.path_for(digest).stat().st_mtime_ns == before
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [digest]


def test_hostile_digest_is_refused(tmp_path):
    blobs = BlobStore(tmp_path)
    with pytest.raises(ValueError, match="not a sha256"):
        blobs.path_for("../../etc/passwd".ljust(64, "a"))


def test_a_blob_written_for_a_later_sync_is_stored_whole(tmp_path):
    blobs = BlobStore(tmp_path)
    digest = blobs.put(b"synced by the commit thread", durable=False)
    assert blobs.get(digest) == b"synced by the commit thread"
    blobs.sync(digest)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [digest]
    with pytest.raises(FileNotFoundError):
        blobs.sync(sha256_hex(b"never stored"))  # a row must not commit without its blob


def test_what_a_writer_killed_mid_write_leaves_is_discarded(tmp_path):
    # A child process dies (SIGKILL) between writing its temporary file and renaming it,
    # as an extraction worker stopped by the document timeout or the OOM killer may.
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from tenderwatch.blobs import BlobStore\n"
        "os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)\n"
        "BlobStore(Path(sys.argv[1])).put(b'half written')\n"
    )
    child = subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=False)
    assert child.returncode == -signal.SIGKILL
    digest = sha256_hex(b"half written")
    blobs = BlobStore(tmp_path)
    (leftover,) = tmp_path.rglob(".tmp-*")
    assert not blobs.exists(digest)
    # Another blob's temporary file in the same folder is someone else's write: kept.
    others = leftover.parent / f".tmp-{'0' * 64}-x"
    others.write_bytes(b"")
    assert blobs.discard_partial(digest) == 1
    assert list(tmp_path.rglob(".tmp-*")) == [others]
    assert blobs.discard_partial(digest) == 0


def test_only_stale_temporary_files_are_discarded(tmp_path):
    blobs = BlobStore(tmp_path / "blobs")
    assert blobs.discard_stale_partials() == 0  # no folder yet
    kept = blobs.put(b"a stored blob")
    folder = blobs.path_for(kept).parent
    stale = folder / f".tmp-{'a' * 64}-old"
    fresh = folder / f".tmp-{'b' * 64}-now"  # a write going on: kept
    for partial in (stale, fresh):
        partial.write_bytes(b"half")
    hours_ago = time.time() - 2 * 3600
    os.utime(stale, (hours_ago, hours_ago))
    os.utime(blobs.path_for(kept), (hours_ago, hours_ago))  # an old blob is no partial
    assert blobs.discard_stale_partials() == 1
    assert not stale.exists() and fresh.exists()
    assert blobs.get(kept) == b"a stored blob"
    assert blobs.discard_stale_partials(older_than=0) == 1  # the fresh one, when asked
