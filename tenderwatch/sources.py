"""Turning what a user names (files, folders, zip and WARC archives, URLs, URL lists) into
a stream of :class:`Input` items: bytes plus where they came from, or an error saying why
that one input could not be read. Nothing here raises for bad input; the batch goes on.

Archives are expanded by the expander registered for their sniffed media type. A zip or
WARC found inside a folder is expanded too; archives inside archives are not (one level).
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from .extract import sniff
from .registry import Registry
from .settings import Settings
from .store.base import Capture, SourceKind

if TYPE_CHECKING:
    from .fetch import FetchResult, WarcWriter

ZIP_MEDIA_TYPE = "application/zip"
WARC_MEDIA_TYPE = "application/warc"
URL_SCHEMES = ("http://", "https://")
# Enough to recognise any supported format (and a gzip WARC) from the start of a file.
HEAD_BYTES = 64 * 1024


class Origin(BaseModel):
    """Where and when bytes were seen; becomes a :class:`Capture` once the id is known."""

    model_config = ConfigDict(frozen=True)

    kind: SourceKind
    source: str
    member: str = ""
    url: str | None = None
    captured_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    http_status: int | None = None
    headers: list[tuple[str, str]] = Field(default_factory=list)
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_record_id: str | None = None

    @property
    def label(self) -> str:
        return f"{self.source} ! {self.member}" if self.member else self.source

    @property
    def charset_hint(self) -> str | None:
        """The charset an HTTP Content-Type header declared, for the extractor to weigh."""
        for name, value in self.headers:
            if name.lower() == "content-type" and "charset=" in value.lower():
                declared = value.lower().split("charset=", 1)[1].split(";")[0]
                return declared.strip().strip("\"'") or None
        return None

    def capture(self, doc_id: str, size: int, media_type: str | None) -> Capture:
        return Capture(doc_id=doc_id, size=size, media_type=media_type, **self.model_dump())


class Input(BaseModel):
    """One document's bytes, or the reason they could not be read."""

    origin: Origin
    data: bytes | None = None
    media_type: str | None = None
    error: str | None = None

    @classmethod
    def failed(cls, origin: Origin, reason: str) -> Input:
        return cls(origin=origin, error=reason)

    @classmethod
    def fetched(cls, source: str, result: FetchResult) -> Input:
        """A fetched response with its HTTP and WARC provenance; ``source`` is the URL asked for."""
        origin = Origin(
            kind=SourceKind.URL,
            source=source,
            url=result.url,
            captured_at=result.fetched_at,
            http_status=result.status,
            headers=result.headers,
            warc_file=result.warc_file,
            warc_offset=result.warc_offset,
            warc_record_id=result.warc_record_id,
        )
        return cls(origin=origin, data=result.body, media_type=sniff(result.body, result.url))


# -- archives -------------------------------------------------------------------------------

Expander = Callable[[Path, Settings], Iterator[Input]]
EXPANDERS: Registry[Expander] = Registry("archive expander")
# Archive types recognisable from their first bytes and read as a stream, of any size.
STREAMED = frozenset({WARC_MEDIA_TYPE})


def _unsafe_member(info: zipfile.ZipInfo) -> str | None:
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
        return f"refused: unsafe member name {info.filename!r} (path traversal)"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "refused: member is a symbolic link"
    if info.flag_bits & 0x1:
        return "refused: member is encrypted; decrypt the archive first"
    return None


@EXPANDERS.register(ZIP_MEDIA_TYPE)
def expand_zip(path: Path, settings: Settings) -> Iterator[Input]:
    """Members in archive order, each checked against the limits before it is inflated."""
    archive = Origin(kind=SourceKind.ZIP, source=str(path))
    try:
        handle = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        yield Input.failed(archive, f"not a readable zip archive: {exc}")
        return
    with handle:
        total = 0
        members = [i for i in handle.infolist() if not i.is_dir()]
        for count, info in enumerate(members, 1):
            origin = archive.model_copy(update={"member": info.filename})
            if count > settings.max_archive_members:
                yield Input.failed(
                    archive,
                    f"archive has {len(members)} members; only the first "
                    f"{settings.max_archive_members} were read (max_archive_members)",
                )
                return
            problem = _unsafe_member(info)
            ratio = info.file_size / max(info.compress_size, 1)
            if problem is None and info.file_size > settings.max_file_bytes:
                problem = f"member is {info.file_size} bytes, over max_file_bytes"
            if problem is None and ratio > settings.max_decompression_ratio:
                problem = (
                    f"refused: compression ratio {ratio:.0f} is over max_decompression_ratio "
                    f"{settings.max_decompression_ratio:.0f} (zip bomb?)"
                )
            if problem is None and total + info.file_size > settings.max_decompressed_bytes:
                problem = "refused: archive expands past max_decompressed_bytes"
            if problem is not None:
                yield Input.failed(origin, problem)
                continue
            try:
                with handle.open(info) as member:
                    # Read one byte past the declared size: a header that lies is caught
                    # here instead of inflating without bound.
                    data = member.read(info.file_size + 1)
            except (
                zipfile.BadZipFile,
                zlib.error,
                OSError,
                EOFError,
                NotImplementedError,
                RuntimeError,
                ValueError,
            ) as exc:
                yield Input.failed(origin, f"cannot read member: {exc}")
                continue
            if len(data) > info.file_size:
                yield Input.failed(origin, "refused: member is larger than its header says")
                continue
            total += len(data)
            yield Input(origin=origin, data=data, media_type=sniff(data, info.filename))


@EXPANDERS.register(WARC_MEDIA_TYPE)
def expand_warc(path: Path, settings: Settings) -> Iterator[Input]:
    """Response records become inputs with their URL, HTTP status, headers and record id.
    Redirects are hops, not documents, and are skipped; 4xx/5xx are errors. A truncated
    record, or bytes after the last readable record, are errors too (warcio itself
    silently drops a record cut inside its gzip member)."""
    from warcio.archiveiterator import ArchiveIterator

    archive = Origin(kind=SourceKind.WARC, source=str(path))
    total = count = end = 0
    try:
        with path.open("rb") as stream:
            records = ArchiveIterator(stream)
            for record in records:
                if record.rec_type != "response":
                    end = records.get_record_offset() + records.get_record_length()
                    continue
                count += 1
                if count > settings.max_archive_members:
                    yield Input.failed(
                        archive, "more records than max_archive_members; rest skipped"
                    )
                    return
                # Payload first: asking for the record's offset reads the record to its end.
                data = record.content_stream().read(settings.max_file_bytes + 1)
                truncated = (
                    getattr(record.raw_stream, "limit", 0) > 0
                    and len(data) <= settings.max_file_bytes
                )
                origin = _warc_origin(path, record, records.get_record_offset())
                end = records.get_record_offset() + records.get_record_length()
                status = origin.http_status
                total += len(data)
                if status is not None and 300 <= status < 400:
                    continue
                if truncated:
                    yield Input.failed(origin, "record is truncated (WARC cut short?)")
                elif status is not None and status >= 400:
                    yield Input.failed(
                        origin, f"archived response is HTTP {status}, not a document"
                    )
                elif len(data) > settings.max_file_bytes:
                    yield Input.failed(origin, "record payload is over max_file_bytes")
                elif total > settings.max_decompressed_bytes:
                    yield Input.failed(
                        archive, "WARC expands past max_decompressed_bytes; rest skipped"
                    )
                    return
                else:
                    yield Input(origin=origin, data=data, media_type=sniff(data, origin.url))
            size = path.stat().st_size
    # warcio raises assorted exception types on damaged input (even AttributeError on a
    # cut header); any of them means "unreadable from here on" for this one archive.
    except Exception as exc:
        yield Input.failed(archive, f"WARC cannot be read after {count} records: {exc}")
        return
    if end < size:
        yield Input.failed(
            archive,
            f"{size - end} bytes after the last readable record could not be read (truncated?)",
        )


def _warc_origin(path: Path, record: Any, offset: int) -> Origin:
    target = record.rec_headers.get_header("WARC-Target-URI") or ""
    http = record.http_headers
    date = record.rec_headers.get_header("WARC-Date")
    return Origin(
        kind=SourceKind.WARC,
        source=str(path),
        member=target,
        url=target,
        captured_at=datetime.fromisoformat(date.replace("Z", "+00:00"))
        if date
        else datetime.now(UTC),
        http_status=int(http.get_statuscode()) if http and http.get_statuscode() else None,
        headers=list(http.headers) if http else [],
        warc_file=str(path),
        warc_offset=offset,
        warc_record_id=record.rec_headers.get_header("WARC-Record-ID"),
    )


# -- files and folders ----------------------------------------------------------------------


def _read_file(path: Path, settings: Settings, *, expand: bool) -> Iterator[Input]:
    origin = Origin(kind=SourceKind.FILE, source=str(path))
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
            if expand and sniff(head, path.name) in STREAMED:
                # WARC files are read record by record, so they may exceed max_file_bytes.
                yield from EXPANDERS.get(sniff(head, path.name))(path, settings)
                return
            if size > settings.max_file_bytes:
                yield Input.failed(
                    origin, f"file is {size} bytes, over max_file_bytes ({settings.max_file_bytes})"
                )
                return
            data = head + handle.read(settings.max_file_bytes + 1 - len(head))
    except OSError as exc:
        yield Input.failed(origin, f"cannot read file: {exc.strerror or exc}")
        return
    # Sniffed from the whole file: a zip is told from a DOCX only by its central directory.
    media_type = sniff(data, path.name)
    if expand and media_type in EXPANDERS:
        yield from EXPANDERS.get(media_type)(path, settings)
        return
    yield Input(origin=origin, data=data, media_type=media_type)


def _walk(folder: Path) -> Iterator[Path]:
    """Files under ``folder`` in sorted order, skipping hidden names; links not followed."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def read_urls(path: Path) -> tuple[list[str], list[Input]]:
    """URLs from a list file (one per line, ``#`` comments), and errors for bad lines."""
    urls, errors = [], []
    origin = Origin(kind=SourceKind.URL, source=str(path))
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Input.failed(origin, f"cannot read URL list: {exc}")]
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.lower().startswith(URL_SCHEMES):
            urls.append(text)
        else:
            errors.append(
                Input.failed(
                    origin.model_copy(update={"member": f"line {number}"}),
                    f"not an http(s) URL: {text[:200]!r}",
                )
            )
    return urls, errors


class _UrlFetcher:
    """Fetches URLs into inputs, opening the WARC writer at the first URL only."""

    def __init__(self, settings: Settings, stack: ExitStack) -> None:
        self._settings = settings
        self._stack = stack
        self._warc: WarcWriter | None = None

    def __call__(self, url: str) -> Input:
        from .fetch import FetchError, WarcWriter, fetch

        if self._warc is None:
            self._warc = self._stack.enter_context(WarcWriter(self._settings.data_dir / "warc"))
        try:
            result = fetch(url, settings=self._settings, warc=self._warc)
        except FetchError as exc:
            return Input.failed(Origin(kind=SourceKind.URL, source=url), exc.reason)
        fetched = Input.fetched(url, result)
        if not 200 <= result.status < 300:
            return Input.failed(fetched.origin, f"HTTP {result.status} from {result.url}")
        return fetched


def iter_inputs(
    targets: Iterable[str], *, settings: Settings, url_lists: Iterable[Path] = ()
) -> Iterator[Input]:
    """Every input named by ``targets`` (paths or http(s) URLs) and the URL list files."""
    with ExitStack() as stack:
        fetch_url = _UrlFetcher(settings, stack)
        for target in targets:
            if target.lower().startswith(URL_SCHEMES):
                yield fetch_url(target)
                continue
            path = Path(target)
            if path.is_dir():
                for file in _walk(path):
                    yield from _read_file(file, settings, expand=True)
            elif path.exists():
                yield from _read_file(path, settings, expand=True)
            else:
                yield Input.failed(
                    Origin(kind=SourceKind.FILE, source=target),
                    "no such file or folder (URLs must start with http:// or https://)",
                )
        for list_file in url_lists:
            urls, errors = read_urls(list_file)
            yield from errors
            for url in urls:
                yield fetch_url(url)
