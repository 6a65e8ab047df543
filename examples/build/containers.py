"""Archives of the corpus: a WARC capture of portal pages and a zip of notices in folders.

Their metadata lives in archives.yaml; their members are notice sources whose front matter names
the archive (``archive:``) and the member path or URL (``member:``).
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile
from collections.abc import Callable
from email.utils import format_datetime
from pathlib import Path
from typing import Literal

import yaml
from notice_source import Notice
from pydantic import BaseModel, ConfigDict
from renderers import MEDIA_TYPES
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


class ArchiveMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    format: Literal["warc", "zip"]
    captured: dt.datetime  # WARC: capture time of the first record; zip: member times
    description: str


Member = tuple[Notice, bytes]
Packer = Callable[[ArchiveMeta, list[Member]], bytes]
PACKERS: dict[str, Packer] = {}


def packer(fmt: str) -> Callable[[Packer], Packer]:
    def register(func: Packer) -> Packer:
        PACKERS[fmt] = func
        return func

    return register


def load_archives(path: Path) -> list[ArchiveMeta]:
    return [ArchiveMeta.model_validate(item) for item in yaml.safe_load(path.read_text("utf-8"))]


def _content_type(notice: Notice) -> str:
    media_type = MEDIA_TYPES[notice.meta.format]
    if notice.meta.format in ("html", "txt"):
        # Portals send the charset in the header; some pages name none themselves.
        return f"{media_type}; charset={notice.meta.charset_label.upper()}"
    return media_type


def _record_id(url: str, kind: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, kind + ' ' + url)}>"


@packer("warc")
def pack_warc(meta: ArchiveMeta, members: list[Member]) -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    info = writer.create_warcinfo_record(
        Path(meta.file).name,
        {"software": "tenderwatch examples/build (fictional capture)", "format": "WARC 1.0"},
    )
    info.rec_headers.replace_header("WARC-Date", meta.captured.strftime("%Y-%m-%dT%H:%M:%SZ"))
    info.rec_headers.replace_header("WARC-Record-ID", _record_id(meta.file, "warcinfo"))
    writer.write_record(info)
    for i, (notice, payload) in enumerate(members):
        url = notice.meta.member or ""
        when = meta.captured + dt.timedelta(minutes=3 * i, seconds=17 * i)
        warc_date = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        host = url.split("/")[2]
        request = StatusAndHeaders(
            f"GET /{url.split('/', 3)[3]} HTTP/1.1",
            [
                ("Host", host),
                ("User-Agent", "tenderwatch/0.1 (+research archiving)"),
                ("Accept", "text/html,application/xhtml+xml,*/*;q=0.8"),
                ("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5"),
            ],
            is_http_request=True,
        )
        response = StatusAndHeaders(
            "200 OK",
            [
                ("Server", "nginx"),
                ("Date", format_datetime(when.replace(tzinfo=dt.UTC), usegmt=True)),
                ("Content-Type", _content_type(notice)),
                ("Content-Length", str(len(payload))),
                (
                    "Last-Modified",
                    format_datetime(
                        dt.datetime.combine(notice.meta.published, dt.time(1, 0), dt.UTC),
                        usegmt=True,
                    ),
                ),
                ("Connection", "close"),
                ("X-Frame-Options", "SAMEORIGIN"),
            ],
            protocol="HTTP/1.1",
        )
        resp = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(payload),
            http_headers=response,
            warc_headers_dict={"WARC-Date": warc_date, "WARC-Record-ID": _record_id(url, "resp")},
        )
        req = writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(b""),
            http_headers=request,
            warc_headers_dict={
                "WARC-Date": warc_date,
                "WARC-Record-ID": _record_id(url, "req"),
                "WARC-Concurrent-To": _record_id(url, "resp"),
            },
        )
        writer.write_record(req)
        writer.write_record(resp)
    return buf.getvalue()


@packer("zip")
def pack_zip(meta: ArchiveMeta, members: list[Member]) -> bytes:
    when = meta.captured.timetuple()[:6]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        paths = [Path(n.meta.member or "") for n, _ in members]
        folders = sorted({f"{p.as_posix()}/" for path in paths for p in path.parents if p.parts})
        for folder in folders:  # explicit folder entries, as desktop zip tools write them
            archive.writestr(zipfile.ZipInfo(folder, date_time=when), b"")
        for notice, payload in members:
            info = zipfile.ZipInfo(notice.meta.member or "", date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, payload)
    return buf.getvalue()
