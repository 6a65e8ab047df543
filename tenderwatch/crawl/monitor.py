"""Takedown and change tracking: re-fetch captured notices and record evidence events when
one changes (new sha256; both versions stay in the archive), vanishes (HTTP 404/410),
now redirects to the portal's home page, or says it was withdrawn."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from ..blobs import sha256_hex
from ..fetch import FetchError, FetchResult
from ..ingest import ingest
from ..model import Risk
from ..settings import Settings
from ..sources import Input
from ..store.base import Store
from .adapter import ADAPTERS
from .definition import SourceDefinition
from .polite import PoliteFetcher
from .state import CrawlEvent, CrawlState, EventKind, TrackedUrl, UrlState

_GONE_STATUSES = frozenset({404, 410})


class RecheckReport(BaseModel):
    source: str
    checked: int = 0
    unchanged: int = 0
    events: list[CrawlEvent] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="re-checks that could not be made")


def _is_home(result: FetchResult, source: SourceDefinition) -> bool:
    if not result.redirects:
        return False
    final = urlsplit(result.url)
    home = urlsplit(source.home)
    return final.path in ("", "/") or (final.netloc, final.path) == (home.netloc, home.path)


def _flagged(store: Store, tracked: TrackedUrl) -> bool:
    if tracked.doc_id is None:
        return False
    scan = store.latest_scan(tracked.doc_id)
    return scan is not None and scan.risk is not Risk.NONE


def classify(
    tracked: TrackedUrl, result: FetchResult, source: SourceDefinition
) -> tuple[EventKind | None, str]:
    """What a re-fetch says about a captured notice: an event kind (None: unchanged/new
    bytes to decide by hash) and a detail for the evidence record."""
    if result.status in _GONE_STATUSES:
        return EventKind.VANISHED, f"HTTP {result.status}"
    if _is_home(result, source):
        return EventKind.REDIRECTED, f"redirects to {result.url}"
    if 200 <= result.status < 300:
        page = ADAPTERS.get(source.adapter).parse_notice(
            source, result.body, result.url, result.header("content-type")
        )
        if page.removed:
            return EventKind.REMOVED, "the page says the notice was withdrawn"
        if sha256_hex(result.body) != tracked.doc_id:
            return EventKind.CHANGED, "new content at the same URL"
    return None, ""


def recheck(
    source: SourceDefinition,
    *,
    settings: Settings,
    store: Store,
    state: CrawlState,
    fetcher: PoliteFetcher,
    checked_before: datetime | None = None,
) -> RecheckReport:
    """Re-fetch the source's captured notices (flagged ones only unless ``recheck: all``),
    skipping those last fetched at or after ``checked_before``."""
    report = RecheckReport(source=source.name)
    tracked = [
        t
        for t in state.captured(source.name)
        if (source.recheck == "all" or _flagged(store, t))
        and (checked_before is None or t.last_checked is None or t.last_checked < checked_before)
    ]
    changed: list[tuple[TrackedUrl, FetchResult]] = []
    for item in tracked:
        headers = {}
        if item.etag:
            headers["If-None-Match"] = item.etag
        if item.last_modified:
            headers["If-Modified-Since"] = item.last_modified
        try:
            result = fetcher.get(item.url, headers)
        except FetchError as exc:
            report.errors.append(f"{item.url}: {exc.reason}")
            continue
        report.checked += 1
        if result.status == 304:
            report.unchanged += 1
            continue
        if not (200 <= result.status < 300 or result.status in _GONE_STATUSES):
            report.errors.append(f"{item.url}: HTTP {result.status}; checked again next round")
            continue
        kind, detail = classify(item, result, source)
        if kind is None:
            report.unchanged += 1
            continue
        new_doc = sha256_hex(result.body) if 200 <= result.status < 300 else None
        event = CrawlEvent(
            source=source.name,
            url=item.url,
            kind=kind,
            at=result.fetched_at,
            old_doc_id=item.doc_id,
            new_doc_id=new_doc,
            http_status=result.status,
            detail=detail,
        )
        state.add_event(event)
        report.events.append(event)
        if kind is EventKind.CHANGED:
            changed.append((item, result))
        else:
            state.mark(source.name, item.url, UrlState.GONE, error=detail)
    # New versions go through the normal pipeline; the old version's blob stays.
    if changed:
        ingest(_inputs(changed), settings=settings, store=store)
    for item, result in changed:
        state.mark(
            source.name,
            item.url,
            UrlState.CAPTURED,
            doc_id=sha256_hex(result.body),
            etag=result.header("etag"),
            last_modified=result.header("last-modified"),
        )
    return report


def _inputs(changed: list[tuple[TrackedUrl, FetchResult]]) -> Iterator[Input]:
    for item, result in changed:
        yield Input.fetched(item.url, result)
