"""Media type from the bytes themselves (magic numbers), never from the file name."""

from __future__ import annotations

import io
import re
import zipfile

OCTET_STREAM = "application/octet-stream"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_HTML = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b", re.I | re.S
)
# Bytes that never appear in text in any encoding we read (NUL and most C0 controls).
_BINARY = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return "application/zip"  # damaged: the zip reader will say why
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return "application/zip"


def sniff(data: bytes, filename: str | None = None) -> str:
    """Media type of ``data``. ``filename`` is accepted for callers' convenience and only
    ever used for logging elsewhere: extensions lie, bytes do not."""
    head = data[:4096]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "application/pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if stripped.startswith(b"WARC/"):
        return "application/warc"
    if head.startswith(b"\x1f\x8b") and b"WARC/" in _gunzip_head(data):
        return "application/warc"
    if _HTML.match(stripped[:1024]):
        return "text/html"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text/plain"  # UTF-16 with BOM
    if head and not _BINARY.search(head):
        return "text/plain"
    return OCTET_STREAM


def _gunzip_head(data: bytes) -> bytes:
    import zlib

    try:
        return zlib.decompressobj(wbits=31).decompress(data[:65536], 64)
    except zlib.error:
        return b""
