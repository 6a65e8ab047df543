from __future__ import annotations

import pytest

from tenderwatch.extract import sniff
from tenderwatch.extract.sniff import DOCX, XLSX


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7\n...", "application/pdf"),
        (b"\xef\xbb\xbf<!DOCTYPE html><html></html>", "text/html"),
        (b"  <html><body>x</body></html>", "text/html"),
        (b"WARC/1.1\r\nWARC-Type: response\r\n", "application/warc"),
        ("采购公告\n预算".encode("gb18030"), "text/plain"),
        (b"\x00\x01\x02\x03binary", "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
)
def test_magic(data: bytes, expected: str) -> None:
    assert sniff(data) == expected


def test_zip_members_decide_office_kind(zip_bytes) -> None:
    assert sniff(zip_bytes({"word/document.xml": b"<x/>"})) == DOCX
    assert sniff(zip_bytes({"xl/workbook.xml": b"<x/>"})) == XLSX
    assert sniff(zip_bytes({"notice.html": b"<html/>"})) == "application/zip"


def test_extension_is_ignored(text_pdf) -> None:
    assert sniff(text_pdf(["x"]), filename="notice.html") == "application/pdf"
