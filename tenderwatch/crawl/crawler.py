"""One crawl of one source: read the list pages of each date window, then capture every
announced notice and its attachments into WARC files and the archive (through
:func:`tenderwatch.ingest.ingest`), and report what was announced against what was captured.

Resumable by construction: a URL is marked captured only after ingest committed it, and a
window is marked done only after its last list page was read. A killed crawl redoes just
the unfinished part on the next run."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from pydantic import BaseModel, Field

from ..fetch import FetchError, FetchResult, WarcWriter, make_client
from ..ingest import IngestEvent, Outcome, ingest
from ..settings import Settings
from ..sources import Input
from ..store.base import Store
from .adapter import ADAPTERS, Adapter, ParseError
from .definition import SourceDefinition
from .polite import PoliteFetcher
from .state import CrawlState, Found, TrackedUrl, UrlState


class Failure(BaseModel):
    url: str
    reason: str


class WindowReport(BaseModel):
    start: date
    end: date
    announced: int | None = Field(None, description="what the portal said it had, if it says")
    listed: int = Field(0, description="notice links found on the list pages")
    pages: int = 0
    error: str | None = None

    @property
    def short(self) -> int:
        """Notices the portal announced that its list pages did not show."""
        return max(0, (self.announced or 0) - self.listed)


class CrawlReport(BaseModel):
    """What a crawl found and kept; ``complete`` is false when anything is missing."""

    source: str
    run_id: str
    started_at: datetime
    finished_at: datetime | None = None
    windows: list[WindowReport] = Field(default_factory=list)
    new_notices: int = 0
    captured: int = Field(0, description="notices captured in this run")
    attachments: int = Field(0, description="attachments captured in this run")
    failed: list[Failure] = Field(default_factory=list)
    outstanding: int = Field(0, description="notices and attachments not captured yet")
    new_documents: list[str] = Field(
        default_factory=list, description="ids of documents first stored by this run"
    )
    requests: int = 0

    @property
    def announced(self) -> int:
        return sum(w.announced if w.announced is not None else w.listed for w in self.windows)

    @property
    def listed(self) -> int:
        return sum(w.listed for w in self.windows)

    @property
    def problems(self) -> list[str]:
        """Every reason this crawl is incomplete, in words."""
        found = [f"{w.start}..{w.end}: {w.error}" for w in self.windows if w.error]
        found += [
            f"{w.start}..{w.end}: the portal announced {w.announced} notices but its list pages "
            f"showed {w.listed}"
            for w in self.windows
            if w.short
        ]
        if self.outstanding:
            found.append(
                f"{self.outstanding} announced notices or attachments are not captured yet"
            )
        return found

    @property
    def complete(self) -> bool:
        return not self.problems


@dataclass
class _Fetched:
    """A notice fetched by a worker thread, with its attachments."""

    url: str
    kind: str
    result: FetchResult | None = None
    error: str | None = None
    attachments: list[_Fetched] = field(default_factory=list)


class Crawler:
    def __init__(
        self,
        source: SourceDefinition,
        *,
        settings: Settings,
        store: Store,
        state: CrawlState,
        fetcher: PoliteFetcher,
    ) -> None:
        self.source = source
        self.settings = settings
        self.store = store
        self.state = state
        self.fetcher = fetcher
        self.adapter: Adapter = ADAPTERS.get(source.adapter)
        self.max_attempts = settings.crawl_retries + 1

    # -- list pages ------------------------------------------------------------------------

    def read_window(self, start: date, end: date, report: CrawlReport) -> None:
        window = WindowReport(start=start, end=end)
        report.windows.append(window)
        spec = self.source.listing
        for page in range(spec.first_page, spec.first_page + spec.max_pages):
            url = self.adapter.list_url(self.source, start, end, page)
            try:
                result = self.fetcher.get(url)
                if result.status != 200:
                    raise FetchError(url, f"list page answered HTTP {result.status}")
                listing = self.adapter.parse_list(
                    self.source, result.body, result.url, result.header("content-type")
                )
            except (FetchError, ParseError) as exc:
                window.error = f"list page {page}: {exc}"
                return
            except Exception as exc:  # a bug in an adapter costs this window, not the crawl
                window.error = (
                    f"list page {page}: the {self.source.adapter} adapter failed: {exc!r}"
                )
                return
            window.pages += 1
            if window.announced is None:
                window.announced = listing.announced
            if not listing.entries:
                break
            report.new_notices += self.state.discover(
                self.source.name,
                [
                    Found(e.url, "notice", title=e.title, published=e.published)
                    for e in listing.entries
                ],
            )
            window.listed += len(listing.entries)
            if window.announced is not None and window.listed >= window.announced:
                break
        else:
            if window.announced is None or window.listed < window.announced:
                window.error = f"stopped after max_pages={spec.max_pages} list pages"
                return
        self.state.finish_window(self.source.name, start, end, window.announced, window.listed)

    # -- notices and attachments -----------------------------------------------------------

    def _fetch(self, url: str, kind: str) -> _Fetched:
        try:
            return _Fetched(url, kind, result=self.fetcher.get(url))
        except FetchError as exc:
            return _Fetched(url, kind, error=exc.reason)

    def fetch_notice(self, url: str) -> _Fetched:
        """Runs in a worker thread: the notice, then its attachments not yet captured."""
        notice = self._fetch(url, "notice")
        result = notice.result
        if result is None or not 200 <= result.status < 300:
            return notice
        try:
            page = self.adapter.parse_notice(
                self.source, result.body, result.url, result.header("content-type")
            )
        except Exception as exc:  # a bug in an adapter costs the attachments, not the crawl
            notice.error = f"the {self.source.adapter} adapter failed on the notice: {exc!r}"
            return notice
        for link in page.attachments:
            known = self.state.get(self.source.name, link)
            if known is None or known.state is not UrlState.CAPTURED:
                notice.attachments.append(self._fetch(link, "attachment"))
        return notice

    def fetch_tracked(self, tracked: TrackedUrl) -> _Fetched:
        """Runs in a worker thread: a notice with its attachments, or a lone attachment."""
        if tracked.kind == "notice":
            return self.fetch_notice(tracked.url)
        return self._fetch(tracked.url, tracked.kind)

    def inputs(
        self, todo: list[TrackedUrl], report: CrawlReport, meta: dict[str, tuple[str, str, str]]
    ) -> Iterator[Input]:
        """Fetch ``todo`` concurrently and yield what ingest should store."""
        workers = self.source.rate.concurrency
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crawl") as pool:
            # Bounded batches: results hold whole bodies, so never run far ahead of ingest.
            for offset in range(0, len(todo), workers * 2):
                batch = todo[offset : offset + workers * 2]
                for top in pool.map(self.fetch_tracked, batch):
                    self.state.discover(
                        self.source.name,
                        [Found(a.url, "attachment", parent=top.url) for a in top.attachments],
                    )
                    for fetched in [top, *top.attachments]:
                        item = self._to_input(fetched, report, meta)
                        if item is not None:
                            yield item

    def _to_input(
        self, fetched: _Fetched, report: CrawlReport, meta: dict[str, tuple[str, str, str]]
    ) -> Input | None:
        result = fetched.result
        reason = fetched.error
        if result is not None and not 200 <= result.status < 300:
            reason = f"HTTP {result.status}"
        if result is None or reason is not None:
            self.state.mark(self.source.name, fetched.url, UrlState.FAILED, error=reason)
            report.failed.append(Failure(url=fetched.url, reason=reason or "no response"))
            return None
        meta[fetched.url] = (
            fetched.kind,
            result.header("etag") or "",
            result.header("last-modified") or "",
        )
        return Input.fetched(fetched.url, result)

    def on_ingested(
        self, event: IngestEvent, report: CrawlReport, meta: dict[str, tuple[str, str, str]]
    ) -> None:
        """Ingest committed (or refused) one fetched URL: now its state may change."""
        kind, etag, last_modified = meta.pop(event.label, ("notice", "", ""))
        if event.outcome is Outcome.NEW and event.doc_id is not None:
            report.new_documents.append(event.doc_id)
        if event.doc_id is None:
            self.state.mark(self.source.name, event.label, UrlState.FAILED, error=event.detail)
            report.failed.append(Failure(url=event.label, reason=event.detail or "not stored"))
            return
        self.state.mark(
            self.source.name,
            event.label,
            UrlState.CAPTURED,
            doc_id=event.doc_id,
            etag=etag or None,
            last_modified=last_modified or None,
            error=event.detail if event.outcome is Outcome.FAILED else None,
        )
        if kind == "notice":
            report.captured += 1
        else:
            report.attachments += 1

    # -- the whole run ---------------------------------------------------------------------

    def reconcile(self) -> None:
        """Put back to pending every URL marked captured whose document never committed.

        Ingest reports a document before its batch commits, so a kill can leave a URL
        marked captured without its document; checking the store makes resume exact.
        """
        for tracked in self.state.all_urls(self.source.name):
            if (
                tracked.state is UrlState.CAPTURED
                and tracked.doc_id is not None
                and not self.store.has_document(tracked.doc_id)
            ):
                self.state.mark(self.source.name, tracked.url, UrlState.PENDING)

    def run(
        self, *, today: date | None = None, progress: Callable[[str], None] | None = None
    ) -> CrawlReport:
        started = datetime.now(UTC)
        run_id = hashlib.sha256(
            f"{self.source.name}\x1f{started.isoformat()}".encode()
        ).hexdigest()[:16]
        report = CrawlReport(source=self.source.name, run_id=run_id, started_at=started)
        today = today or started.date()
        self.reconcile()
        for start, end in self.source.windows(today):
            # The window holding today keeps growing, so it is always read again.
            if end < today and self.state.window_done(self.source.name, start, end):
                continue
            if progress:
                progress(f"{self.source.name}: list {start}..{end}")
            self.read_window(start, end, report)
        todo = self.state.to_capture(self.source.name, self.max_attempts)
        notices = {t.url for t in todo if t.kind == "notice"}
        # An attachment of a notice fetched now comes along with it.
        todo = [t for t in todo if t.kind == "notice" or t.parent not in notices]
        if progress:
            progress(f"{self.source.name}: {len(todo)} notices and attachments to capture")
        meta: dict[str, tuple[str, str, str]] = {}
        ingest(
            self.inputs(todo, report, meta),
            settings=self.settings,
            store=self.store,
            progress=lambda event: self.on_ingested(event, report, meta),
        )
        report.outstanding = sum(
            1
            for t in self.state.all_urls(self.source.name)
            if t.state in (UrlState.PENDING, UrlState.FAILED)
        )
        report.requests = self.fetcher.requests
        report.finished_at = datetime.now(UTC)
        self.state.save_run(
            run_id, self.source.name, started, report.complete, report.model_dump_json()
        )
        return report


def crawl(
    source: SourceDefinition,
    *,
    settings: Settings,
    store: Store,
    warc: WarcWriter,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> CrawlReport:
    """Crawl ``source`` once: new list entries, then every notice not yet captured."""
    state = CrawlState.for_store(store)
    with make_client(settings) as client:
        fetcher = PoliteFetcher(settings, source.rate, warc=warc, client=client)
        try:
            return Crawler(
                source, settings=settings, store=store, state=state, fetcher=fetcher
            ).run(today=today, progress=progress)
        finally:
            state.close()
