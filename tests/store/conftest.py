from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tenderwatch.blobs import sha256_hex
from tenderwatch.model import ExtractionStatus, Flag, Risk, ScanResult, Severity
from tenderwatch.normalize import normalize
from tenderwatch.store.base import Capture, DocumentRecord, NewDocument, SourceKind, StoredPage
from tenderwatch.store.sqlite import SQLiteStore


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "tw.db")
    yield s
    s.close()


def _make_document(
    pages: list[str],
    *,
    title: str = "notice",
    source: str = "/archive/notice.html",
    risk: Risk = Risk.NONE,
    flags: list[Flag] | None = None,
    media_type: str = "text/html",
) -> NewDocument:
    """A stored document built from page texts, as ingest would build it."""
    data = "\f".join(pages).encode() + title.encode()
    doc_id = sha256_hex(data)
    return NewDocument(
        record=DocumentRecord(
            id=doc_id,
            size=len(data),
            media_type=media_type,
            status=ExtractionStatus.OK,
            title=title,
            extractor="test/1",
            charset="utf-8",
            extracted_at=datetime.now(UTC),
        ),
        pages=[
            StoredPage(number=n, text=t, normalized=normalize(t).text)
            for n, t in enumerate(pages, 1)
        ],
        capture=Capture(
            doc_id=doc_id,
            kind=SourceKind.FILE,
            source=source,
            captured_at=datetime(2026, 1, 2, tzinfo=UTC),
            size=len(data),
            media_type=media_type,
        ),
        scan=ScanResult(risk=risk, flags=flags or [], reasons=[], ruleset_version="r1"),
    )


def _make_flag(rule: str = "ethnic.attribute.face", text: str = "维族") -> Flag:
    return Flag(
        rule=rule,
        category=rule.rsplit(".", 1)[0],
        severity=Severity.HIGH,
        text=text,
        page=1,
        start=0,
        end=len(text),
        context=text,
        ruleset_version="r1",
    )


@pytest.fixture
def make_document():
    return _make_document


@pytest.fixture
def make_flag():
    return _make_flag
