"""Archival capture: every HTTP exchange tenderwatch makes is written as a WARC request
and response record pair (ISO 28500, via warcio), so a notice that is later taken down
still has byte-exact evidence of what the portal served, when, and from which address.

Files are gzip WARCs (one gzip member per record, so a record can be read from its
offset alone), named by UTC time and process id, and rotated at
``Settings.warc_max_file_bytes``. See docs/fetching.md.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, NamedTuple
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from . import __version__
from .settings import Settings

# Headers that describe the bytes on the wire rather than the payload we store. The
# response body is archived decoded (it is exactly the document we ingest, so its
# sha256 is the document id); keeping these headers verbatim would make WARC readers
# try to un-chunk or gunzip it again. They are kept under a renamed header instead.
_TRANSFER_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
_RENAMED_PREFIX = "X-Tenderwatch-Original-"


class WarcLocation(NamedTuple):
    """Where a response record was written: file path, byte offset of its gzip member, id."""

    file: str
    offset: int
    record_id: str


def _warc_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _archived_headers(
    headers: Sequence[tuple[str, str]], body_length: int
) -> list[tuple[str, str]]:
    kept: list[tuple[str, str]] = []
    for name, value in headers:
        if name.lower() in _TRANSFER_HEADERS:
            kept.append((_RENAMED_PREFIX + name, value))
        else:
            kept.append((name, value))
    kept.append(("Content-Length", str(body_length)))
    return kept


class WarcWriter:
    """Append request/response pairs to rotating gzip WARC files in ``directory``.

    Thread-safe: the crawler shares one writer between worker threads.
    """

    def __init__(self, directory: Path, *, max_file_bytes: int | None = None) -> None:
        self.directory = Path(directory)
        default = Settings.model_fields["warc_max_file_bytes"].default
        self.max_file_bytes: int = default if max_file_bytes is None else max_file_bytes
        self.files: list[Path] = []
        self._lock = threading.Lock()
        self._handle: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self._sequence = 0

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._close_file()

    def _close_file(self) -> None:
        if self._handle is not None:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
        self._handle = None
        self._writer = None

    def _open_file(self) -> tuple[BinaryIO, WARCWriter]:
        if self._handle is not None and self._writer is not None:
            if self._handle.tell() < self.max_file_bytes:
                return self._handle, self._writer
            self._close_file()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._sequence += 1
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        path = self.directory / f"tenderwatch-{stamp}-{os.getpid()}-{self._sequence:05d}.warc.gz"
        # "xb": never append to or clobber a file another process might be writing.
        handle: BinaryIO = open(path, "xb")  # noqa: SIM115  (closed in _close_file)
        writer = WARCWriter(handle, gzip=True, warc_version="1.1")
        info = writer.create_warcinfo_record(
            path.name,
            {"software": f"tenderwatch/{__version__}", "format": "WARC File Format 1.1"},
        )
        writer.write_record(info)
        self._handle, self._writer = handle, writer
        self.files.append(path)
        return handle, writer

    def write_exchange(
        self,
        *,
        url: str,
        method: str,
        request_headers: Sequence[tuple[str, str]],
        status: int,
        reason: str,
        response_headers: Sequence[tuple[str, str]],
        body: bytes,
        fetched_at: datetime,
        http_version: str = "HTTP/1.1",
        ip_address: str | None = None,
    ) -> WarcLocation:
        """Write a response record and the request record that produced it.

        Returns the location of the *response* record (the one that holds the document).
        """
        date = _warc_date(fetched_at)
        common = {"WARC-Date": date}
        if ip_address:
            common["WARC-IP-Address"] = ip_address
        with self._lock:
            handle, writer = self._open_file()
            response_http = StatusAndHeaders(
                f"{status} {reason}".strip(),
                _archived_headers(response_headers, len(body)),
                protocol=http_version,
            )
            response = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=response_http,
                warc_headers_dict=dict(common),
            )
            record_id: str = response.rec_headers.get_header("WARC-Record-ID")
            parts = urlsplit(url)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            request_http = StatusAndHeaders(
                f"{method} {target} {http_version}",
                list(request_headers),
                is_http_request=True,
            )
            request = writer.create_warc_record(
                url,
                "request",
                payload=io.BytesIO(b""),
                length=0,
                http_headers=request_http,
                warc_headers_dict={**common, "WARC-Concurrent-To": record_id},
            )
            offset = handle.tell()
            writer.write_record(response)
            writer.write_record(request)
            handle.flush()
            return WarcLocation(str(self.files[-1]), offset, record_id)
