"""One watch round over a set of sources: crawl each, re-check captured notices for
changes and takedowns, then alert on new flags. ``tenderwatch watch`` repeats rounds
every ``settings.watch_interval_s`` (or runs one with ``--once``, for cron)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from pydantic import BaseModel, Field

from ..fetch import WarcWriter, make_client
from ..settings import Settings
from ..store.base import Store
from .alerts import Alert, Delivery, SavedSearch, deliver, find_alerts
from .crawler import Crawler, CrawlReport
from .definition import SourceDefinition
from .monitor import RecheckReport, recheck
from .polite import PoliteFetcher
from .state import CrawlState


class WatchRound(BaseModel):
    crawls: list[CrawlReport] = Field(default_factory=list)
    rechecks: list[RecheckReport] = Field(default_factory=list)
    alerts: list[Alert] = Field(default_factory=list)
    delivery: Delivery = Field(default_factory=Delivery)

    @property
    def complete(self) -> bool:
        return all(c.complete for c in self.crawls)


def watch_once(
    sources: list[SourceDefinition],
    *,
    settings: Settings,
    store: Store,
    warc: WarcWriter,
    searches: Sequence[SavedSearch] = (),
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> WatchRound:
    """Crawl, re-check and alert once for every source."""
    result = WatchRound()
    started = datetime.now(UTC)
    state = CrawlState.for_store(store)
    try:
        with make_client(settings) as client:
            for source in sources:
                fetcher = PoliteFetcher(settings, source.rate, warc=warc, client=client)
                crawler = Crawler(
                    source, settings=settings, store=store, state=state, fetcher=fetcher
                )
                report = crawler.run(today=today, progress=progress)
                result.crawls.append(report)
                # Notices captured moments ago in this round need no re-check yet.
                checked = recheck(
                    source,
                    settings=settings,
                    store=store,
                    state=state,
                    fetcher=fetcher,
                    checked_before=started,
                )
                result.rechecks.append(checked)
                changed = [e.new_doc_id for e in checked.events if e.new_doc_id]
                if searches:
                    result.alerts += find_alerts(
                        store, [*report.new_documents, *changed], list(searches)
                    )
        if result.alerts:
            result.delivery = deliver(result.alerts, list(searches), settings=settings, state=state)
    finally:
        state.close()
    return result
