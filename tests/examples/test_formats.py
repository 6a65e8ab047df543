"""Every corpus file is what the manifest says it is, read with the real libraries."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import docx
import openpyxl
import pypdfium2
import pytest
from warcio.archiveiterator import ArchiveIterator


def _ooxml(part: str) -> Callable[[bytes], bool]:
    def check(data: bytes) -> bool:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
        return data[:4] == b"PK\x03\x04" and {"[Content_Types].xml", part} <= names

    return check


def _gzip_warc(data: bytes) -> bool:
    return data[:2] == b"\x1f\x8b" and gzip.decompress(data)[:8] == b"WARC/1.0"


# Magic bytes per manifest format (what content sniffing must recognise).
MAGIC: dict[str, Callable[[bytes], bool]] = {
    "pdf": lambda data: data[:5] == b"%PDF-",
    "docx": _ooxml("word/document.xml"),
    "xlsx": _ooxml("xl/workbook.xml"),
    "zip": lambda data: data[:4] == b"PK\x03\x04",
    "warc": _gzip_warc,
    "html": lambda data: data.removeprefix(codecs.BOM_UTF8)[:15].lower() == b"<!doctype html>",
    "txt": lambda data: b"\x00" not in data and b"<" not in data[:100],
}


def _members(entry: dict, data: bytes) -> dict[str, bytes]:
    """Member name (zip path or WARC URL) -> payload bytes."""
    if entry["format"] == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return {i.filename: z.read(i) for i in z.infolist() if not i.is_dir()}
    records = ArchiveIterator(io.BytesIO(data))
    return {
        r.rec_headers.get_header("WARC-Target-URI"): r.content_stream().read()
        for r in records
        if r.rec_type == "response"
    }


def _documents(examples_dir: Path, readable: list[dict]) -> list[tuple[dict, bytes]]:
    """Every notice's labels with its bytes, archive members included."""
    out = []
    for entry in readable:
        data = (examples_dir / entry["file"]).read_bytes()
        if "members" in entry:
            payloads = _members(entry, data)
            out += [(m, payloads[m["member"]]) for m in entry["members"]]
        else:
            out.append((entry, data))
    return out


def test_format_matches_magic_bytes(corpus_file: dict, examples_dir: Path) -> None:
    data = (examples_dir / corpus_file["file"]).read_bytes()
    assert MAGIC[corpus_file["format"]](data)


def test_archive_members_match_their_labels(examples_dir: Path, readable_files: list) -> None:
    for entry in readable_files:
        if "members" not in entry:
            continue
        payloads = _members(entry, (examples_dir / entry["file"]).read_bytes())
        assert set(payloads) == {m["member"] for m in entry["members"]}
        for member in entry["members"]:
            payload = payloads[member["member"]]
            assert hashlib.sha256(payload).hexdigest() == member["sha256"]
            assert MAGIC[member["format"]](payload)


def test_text_encodings_are_what_the_manifest_says(examples_dir: Path, readable_files) -> None:
    seen = set()
    for labels, data in _documents(examples_dir, readable_files):
        encoding = labels.get("encoding")
        if encoding is None:
            continue
        seen.add(encoding)
        text = data.decode("utf-8-sig" if encoding == "utf-8" else encoding)  # strict
        assert labels["title"] in text
        if encoding != "utf-8":
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
    assert seen == {"utf-8", "gb18030", "big5"}


def test_gbk_pages_need_more_than_gb2312(examples_dir: Path, readable_files) -> None:
    """A page that declares gb2312 but uses GBK-only characters: decoders must widen to GBK."""
    trap = [
        data
        for labels, data in _documents(examples_dir, readable_files)
        if labels.get("encoding") == "gb18030" and b"charset=gb2312" in data
    ]
    assert trap
    assert any(_fails(data, "gb2312") for data in trap)


def _fails(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return True
    return False


def _pdf_pages(data: bytes) -> list[str]:
    pdf = pypdfium2.PdfDocument(data)
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def test_text_pdfs_have_a_text_layer_and_scans_have_none(examples_dir: Path, readable_files):
    scans = 0
    for labels, data in _documents(examples_dir, readable_files):
        if labels["format"] != "pdf":
            continue
        pages = _pdf_pages(data)
        text = "".join(pages)
        if labels["extraction"] == "ocr":
            scans += 1
            assert all(len(page.strip()) < 5 for page in pages), labels["file"]
        else:
            squeeze = str.maketrans("", "", " \r\n")  # line wrapping differs between layouts
            assert labels["title"].translate(squeeze) in text.translate(squeeze), labels["title"]
    assert scans >= 2


def test_scans_are_images_at_scanner_resolution(examples_dir: Path, readable_files) -> None:
    for entry in readable_files:
        if entry.get("extraction") != "ocr":
            continue
        pdf = pypdfium2.PdfDocument(examples_dir / entry["file"])
        try:
            for page in pdf:
                images = [
                    o for o in page.get_objects() if o.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE
                ]
                assert len(images) == 1
                width_px = images[0].get_px_size()[0]
                dpi = width_px / (page.get_width() / 72)
                assert 190 <= dpi <= 310
        finally:
            pdf.close()


def test_damaged_inputs_are_unreadable(damaged_file: dict, examples_dir: Path) -> None:
    data = (examples_dir / damaged_file["file"]).read_bytes()
    if not data:
        return  # the empty file: nothing to read is the point
    with pytest.raises(pypdfium2.PdfiumError):
        pypdfium2.PdfDocument(data)


def test_warc_reads_with_headers_and_charsets(examples_dir: Path, readable_files) -> None:
    (entry,) = [e for e in readable_files if e["format"] == "warc"]
    members = {m["member"]: m for m in entry["members"]}
    types = []
    with open(examples_dir / entry["file"], "rb") as stream:
        for record in ArchiveIterator(stream):
            types.append(record.rec_type)
            if record.rec_type != "response":
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            assert "example" in url.split("/")[2], "hosts are fictional"
            assert record.http_headers.get_statuscode() == "200"
            content_type = record.http_headers.get_header("Content-Type")
            payload = record.content_stream().read()
            assert int(record.http_headers.get_header("Content-Length")) == len(payload)
            if members[url]["format"] == "html":
                charset = content_type.split("charset=")[1].lower()
                assert payload.decode({"gbk": "gb18030", "gb2312": "gb18030"}.get(charset, charset))
    assert types[0] == "warcinfo"
    assert types.count("response") == types.count("request") == len(members) >= 3


def test_zip_is_safe_and_nested(examples_dir: Path, readable_files) -> None:
    (entry,) = [e for e in readable_files if e["format"] == "zip"]
    with zipfile.ZipFile(examples_dir / entry["file"]) as archive:
        names = archive.namelist()
        assert archive.testzip() is None
    for name in names:
        path = PurePosixPath(name)
        assert not path.is_absolute() and ".." not in path.parts and "\\" not in name
    assert max(len(PurePosixPath(n).parts) for n in names) >= 3, "a nested folder"


def test_docx_award_has_the_main_items_table(examples_dir: Path, readable_files) -> None:
    header = ["品名", "品牌", "规格型号", "数量", "单价"]
    found = 0
    for labels, data in _documents(examples_dir, readable_files):
        if labels["format"] != "docx" or labels["language"] != "zh-Hans":
            continue
        document = docx.Document(io.BytesIO(data))
        assert document.tables, labels["title"]
        found += any([c.text for c in t.rows[0].cells] == header for t in document.tables)
    assert found >= 3


def test_xlsx_has_an_item_list_and_a_price_sheet(examples_dir: Path, readable_files) -> None:
    books = [e for e in readable_files if e["format"] == "xlsx"]
    assert len(books) >= 2
    for entry in books:
        book = openpyxl.load_workbook(examples_dir / entry["file"], read_only=True)
        try:
            assert len(book.sheetnames) >= 3  # notice text, item list, price sheet
            numbers = [
                v
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
                for v in row
                if isinstance(v, int | float)
            ]
            assert numbers, "quantities and prices are numbers, not text"
        finally:
            book.close()
