"""The storage interface every backend implements, and the records it reads and writes.

Backends register themselves in :data:`BACKENDS` under a URL scheme; :func:`open_store`
picks one from ``settings.database_url`` (SQLite under the data directory by default).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from ..facts.model import NoticeFacts
from ..model import Extraction, ExtractionStatus, Flag, Risk, ScanResult
from ..registry import Registry
from ..settings import Settings

if TYPE_CHECKING:
    from ..vendors.judgements import Judgement


def content_id(*parts: str) -> str:
    """The id of a row derived from its natural key: storing the same thing twice (a retried
    write, a second process) gives the same id, so the primary key removes the duplicate."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def stored_time(value: datetime) -> str:
    """The one text form of a time in every backend: ISO 8601, in UTC when the zone is
    known, so text order is time order."""
    return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()


def stored_now() -> str:
    return datetime.now(UTC).isoformat()


def judgement_id(judgement: Judgement) -> str:
    """Content id of a vendor judgement (the model lives in ``vendors``, which has no ids)."""
    j = judgement
    return content_id(j.mention_key, j.entity_id, j.user, j.created_at, j.verdict.value)


class StoreError(Exception):
    """The store could not do what was asked (bad URL, schema problem)."""


class DocumentNotFound(StoreError):
    """No document matches an id or id prefix, or the prefix is ambiguous."""


class SourceKind(StrEnum):
    FILE = "file"
    ZIP = "zip"
    WARC = "warc"
    URL = "url"


class Capture(BaseModel):
    """One time the bytes of a document were seen, with where they came from."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    kind: SourceKind
    source: str = Field(description="file path, archive path or requested URL")
    member: str = Field("", description="zip member name or WARC record target URI")
    url: str | None = Field(None, description="final URL after redirects (URL and WARC captures)")
    captured_at: datetime
    size: int
    media_type: str | None = None
    http_status: int | None = None
    headers: list[tuple[str, str]] = Field(default_factory=list)
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_record_id: str | None = None

    @property
    def id(self) -> str:
        """Content-derived id over the natural key. Re-reading the same file, member or WARC
        record gives the same id (no duplicate); a new fetch of a URL is a new capture, so the
        fetch time joins the key for URLs only."""
        parts = [self.doc_id, self.kind.value, self.source, self.member]
        if self.kind is SourceKind.URL:
            parts.append(self.captured_at.isoformat())
        if self.kind is SourceKind.WARC:
            parts.append(self.warc_record_id or str(self.warc_offset))
        return content_id(*parts)


class DocumentRecord(BaseModel):
    id: str
    size: int
    media_type: str
    status: ExtractionStatus
    title: str | None = None
    extractor: str | None = None
    charset: str | None = None
    error: str | None = None
    extracted_at: datetime
    risk: Risk | None = Field(None, description="from the latest scan; None before any scan")


class StoredPage(BaseModel):
    number: int
    text: str
    normalized: str
    ocr: bool = False


class DocumentScan(BaseModel):
    doc_id: str
    risk: Risk
    reasons: list[str]
    ruleset_version: str
    scanned_at: datetime


class InputError(BaseModel):
    """An input that could not be ingested, and why."""

    source: str
    member: str = ""
    reason: str
    at: datetime

    @property
    def id(self) -> str:
        """The same failure at the same time recorded twice is one row."""
        return content_id(self.source, self.member, self.reason, stored_time(self.at))


class DecisionStatus(StrEnum):
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    UNSURE = "unsure"


class Decision(BaseModel):
    """A reviewer's judgement of one rule on one document; rows are only ever appended."""

    doc_id: str
    rule: str
    status: DecisionStatus
    note: str = ""
    reviewer: str
    decided_at: datetime

    @property
    def id(self) -> str:
        """Also the tie-break between decisions made at the same time (review.py)."""
        return content_id(self.doc_id, self.rule, self.reviewer, stored_time(self.decided_at))


class Snippet(BaseModel):
    """A piece of a page's original text with the matched spans (offsets into ``text``)."""

    page: int
    text: str
    highlights: list[tuple[int, int]]

    def marked(self, before: str = "[", after: str = "]") -> str:
        out, position = [], 0
        for start, end in self.highlights:
            out += [self.text[position:start], before, self.text[start:end], after]
            position = end
        out.append(self.text[position:])
        return "".join(out)


class SearchHit(BaseModel):
    doc_id: str
    title: str | None
    media_type: str
    risk: Risk | None
    pages: list[int] = Field(description="pages that match, in order")
    score: float = Field(description="higher is better")
    snippets: list[Snippet]


class StoreStats(BaseModel):
    documents: int
    pages: int
    captures: int
    errors: int
    by_status: dict[str, int]
    by_media_type: dict[str, int]
    by_risk: dict[str, int]
    recent_errors: list[InputError]


class MentionRole(StrEnum):
    """Where in a notice a company was named."""

    SUPPLIER = "supplier"  # a winner or supplier of the procurement
    BRAND = "brand"  # the brand column of an item table (the buyer names a maker)
    MODEL = "model"  # a product model number of a known maker


class VendorMatch(BaseModel):
    """One candidate entity for a mention, as the matcher scored it (machine output)."""

    entity_id: str
    score: float
    decision: str = Field(description="match / review / no_match")
    features: list[dict[str, Any]] = Field(description="the matcher's explained features")
    dataset_version: str = Field(description="version of the shipped vendor dataset")


class VendorMention(BaseModel):
    """A supplier, brand or model mention in a document's original text, with its matches."""

    doc_id: str
    role: MentionRole
    text: str = Field(description="exactly as extracted")
    mention_key: str = Field(description="tenderwatch.vendors.judgements.mention_key(query)")
    page: int
    start: int
    end: int
    matches: list[VendorMatch] = Field(default_factory=list)

    @property
    def id(self) -> str:
        return content_id(self.doc_id, self.role.value, str(self.start), str(self.end), self.text)


class VendorProcurements(BaseModel):
    """How often an entity was matched (decision ``match``) in stored documents."""

    entity_id: str
    documents: int
    flagged_documents: int = Field(description="of those, documents with a rights flag")
    mentions: int


class NewDocument(BaseModel):
    """Everything stored for a newly seen document, committed in one transaction."""

    record: DocumentRecord
    pages: list[StoredPage]
    full_text: str | None = None
    warnings: list[str] = Field(default_factory=list)
    capture: Capture
    scan: ScanResult | None = None
    facts: NoticeFacts | None = None
    vendor_mentions: list[VendorMention] = Field(default_factory=list)


class Store(Protocol):
    """What tenderwatch needs from a database. Writes are atomic per method call."""

    def close(self) -> None: ...

    def has_document(self, doc_id: str) -> bool: ...

    def add_documents(
        self, documents: Sequence[NewDocument], captures: Sequence[Capture] = ()
    ) -> None:
        """Commit whole documents (pages, index, capture, scan, facts, vendor mentions), then
        further captures of them, in one transaction. A document already stored only gains
        its capture."""
        ...

    def add_capture(self, capture: Capture) -> bool:
        """Record a capture; False when this exact capture was already stored."""
        ...

    def reopen(self) -> Store:
        """Another store on the same database with a connection of its own, for a thread
        that writes while this one reads (an ingest commits on a thread of its own)."""
        ...

    def bulk_writes(self) -> AbstractContextManager[None]:
        """Around many write transactions in a row (an ingest): lets the backend defer
        housekeeping that would otherwise run inside some of those commits."""
        ...

    def record_error(self, error: InputError) -> None: ...

    def store_scan(self, doc_id: str, scan: ScanResult) -> None:
        """Replace the document's flags and risk; decisions are never touched."""
        ...

    def store_analysis(
        self,
        doc_id: str,
        scan: ScanResult,
        facts: NoticeFacts | None,
        vendor_mentions: Sequence[VendorMention],
    ) -> None:
        """Replace the document's flags, risk, facts and vendor mentions in one transaction
        (a re-scan); decisions and vendor judgements are never touched."""
        ...

    def facts(self, doc_id: str) -> NoticeFacts | None: ...

    def link_new_notices(self) -> int:
        """Link the notices not in a process yet into processes, rewriting only the
        processes they join; returns how many notices were linked."""
        ...

    def relink_processes(self) -> int:
        """Link every stored notice into processes anew (after facts were re-read); returns
        how many processes."""
        ...

    def vendor_mentions(self, doc_id: str) -> list[VendorMention]: ...

    def vendor_procurements(self) -> list[VendorProcurements]:
        """Entities with matched documents, most documents first."""
        ...

    def add_vendor_judgement(self, judgement: Judgement) -> None:
        """Append a reviewer's judgement (same / not same / unsure); rows are never rewritten."""
        ...

    def vendor_judgements(self) -> list[Judgement]:
        """Every judgement, oldest first (the latest per mention and entity wins)."""
        ...

    def resolve_id(self, id_or_prefix: str) -> str: ...

    def document(self, doc_id: str) -> DocumentRecord: ...

    def extraction(self, doc_id: str) -> Extraction:
        """The stored extraction, rebuilt for re-scanning."""
        ...

    def pages(self, doc_id: str) -> list[StoredPage]: ...

    def captures(self, doc_id: str) -> list[Capture]: ...

    def flags(self, doc_id: str) -> list[Flag]: ...

    def latest_scan(self, doc_id: str) -> DocumentScan | None: ...

    def document_ids(self) -> Iterator[str]: ...

    def count_documents(self) -> int: ...

    def list_documents(
        self,
        *,
        status: list[str] | None = None,
        risk: list[str] | None = None,
        media_type: list[str] | None = None,
        region: str | None = None,
        vendor: str | None = None,
        limit: int | None = None,
    ) -> list[DocumentRecord]:
        """Newest first. ``region``: a GB/T 2260 code (its sub-divisions match too) of the
        buyer; ``vendor``: an entity id matched in the document, or a supplier name."""
        ...

    def search(self, query: str, *, limit: int = 20) -> list[SearchHit]: ...

    def stats(self) -> StoreStats: ...

    def add_decision(self, decision: Decision) -> None: ...

    def decisions(self, doc_id: str) -> list[Decision]: ...


StoreFactory = Callable[[Settings], Store]
BACKENDS: Registry[StoreFactory] = Registry("storage backend")


def open_store(settings: Settings) -> Store:
    """The store named by ``settings.database_url`` (default: SQLite in the data directory)."""
    from . import postgres, sqlite  # noqa: F401  (register the built-in backends)

    url = settings.database_url or "sqlite:"
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    try:
        factory = BACKENDS.get(scheme)
    except KeyError as exc:
        raise StoreError(f"{exc.args[0]}; set TENDERWATCH_DATABASE_URL to one of those") from None
    return factory(settings)
