"""Content-addressed blob store: the exact bytes of every document, kept under
``DATA_DIR/blobs/ab/<sha256>`` so a document id always leads back to its evidence.

One level of 256 folders, as git does: filesystems index large folders, while every folder
made costs a block and, on ext4, about a millisecond of kernel time. Earlier archives used
two levels (``ab/cd/<sha256>``: 65,536 folders, most of them made by the first 100k blobs);
their blobs are still found where they are."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

# Temporary files: this prefix, the blob's digest, a dash and a random suffix.
_PARTIAL = ".tmp-"
# A blob is written in milliseconds, a huge one in seconds: a temporary file nobody has
# touched for an hour was left by a writer that died, not by one still writing.
STALE_PARTIAL_SECONDS = 3600.0


def sha256_hex(data: bytes) -> str:
    """A document id: the lowercase hex sha256 of its bytes."""
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Writes are atomic (temp file, rename) and idempotent, so a crash never leaves a
    truncated blob under its final name and re-ingesting costs one ``stat``. They are
    durable (fsync) before :meth:`put` returns, or, with ``durable=False``, once
    :meth:`sync` has been called: ingest writes blobs in its workers and syncs them on its
    commit thread just before their rows commit, so that no worker waits on a disk."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, digest: str) -> Path:
        """Where the blob is, or will be written."""
        return self._stored(digest) or self._path(digest)

    def exists(self, digest: str) -> bool:
        return self._stored(digest) is not None

    def _path(self, digest: str) -> Path:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a sha256 hex digest: {digest!r}")
        return self.root / digest[:2] / digest

    def _stored(self, digest: str) -> Path | None:
        """Where the blob is, in either layout; None when it is not stored."""
        path = self._path(digest)
        for candidate in (path, path.parent / digest[2:4] / digest):
            if candidate.is_file():
                return candidate
        return None

    def put(self, data: bytes, digest: str | None = None, *, durable: bool = True) -> str:
        """Store ``data`` and return its sha256; a blob already present is left alone."""
        digest = digest or sha256_hex(data)
        if self.exists(digest):
            return digest
        final = self._path(digest)
        final.parent.mkdir(parents=True, exist_ok=True)
        # Named after the blob, so that what a writer killed mid-write leaves is found.
        fd, tmp_name = tempfile.mkstemp(dir=final.parent, prefix=f"{_PARTIAL}{digest}-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                if durable:
                    os.fsync(handle.fileno())
            os.replace(tmp_name, final)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return digest

    def discard_partial(self, digest: str) -> int:
        """Remove the temporary files of this blob that a writer killed while writing it
        left behind (an extraction worker stopped or killed); returns how many. Only for a
        blob nobody is writing now."""
        removed = 0
        for leftover in self._path(digest).parent.glob(f"{_PARTIAL}{digest}-*"):
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed

    def discard_stale_partials(self, older_than: float = STALE_PARTIAL_SECONDS) -> int:
        """Remove the temporary files that no write has touched for ``older_than`` seconds:
        what writers killed mid-write left when nothing was there to clean up after them (a
        whole ingest killed). Returns how many. One listing of every blob folder."""
        cutoff = time.time() - older_than
        removed = 0
        try:
            folders = [entry.path for entry in os.scandir(self.root) if entry.is_dir()]
        except FileNotFoundError:
            return 0  # nothing stored yet
        for folder in folders:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if not entry.name.startswith(_PARTIAL):
                        continue
                    try:
                        if entry.stat().st_mtime < cutoff:
                            os.unlink(entry.path)
                            removed += 1
                    except FileNotFoundError:
                        pass  # its writer renamed or removed it meanwhile
        return removed

    def sync(self, digest: str) -> None:
        """Make a stored blob durable (after ``put(..., durable=False)``). On ext4 and XFS
        the fsync also commits the journal that holds the blob's rename."""
        fd = os.open(self.path_for(digest), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def get(self, digest: str) -> bytes:
        return self.path_for(digest).read_bytes()
