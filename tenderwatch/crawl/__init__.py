"""Watching procurement portals (docs/crawling.md): declarative source definitions with
Python adapters, polite resumable crawling with WARC capture, completeness reports,
takedown/change events and alerts.

    from tenderwatch.crawl import load_sources, watch_once
"""

from . import ccgp  # noqa: F401  (registers the ccgp adapter)
from .adapter import ADAPTERS, Adapter, ListEntry, ListPage, NoticePage
from .alerts import Alert, SavedSearch, atom_feed, deliver, find_alerts, load_searches
from .crawler import Crawler, CrawlReport, crawl
from .definition import InvalidSource, SourceDefinition, load_source, load_sources
from .monitor import RecheckReport, recheck
from .polite import PoliteFetcher
from .state import CrawlEvent, CrawlState, EventKind
from .watch import WatchRound, watch_once

__all__ = [
    "ADAPTERS",
    "Adapter",
    "Alert",
    "CrawlEvent",
    "CrawlReport",
    "CrawlState",
    "Crawler",
    "EventKind",
    "InvalidSource",
    "ListEntry",
    "ListPage",
    "NoticePage",
    "PoliteFetcher",
    "RecheckReport",
    "SavedSearch",
    "SourceDefinition",
    "WatchRound",
    "atom_feed",
    "crawl",
    "deliver",
    "find_alerts",
    "load_searches",
    "load_source",
    "load_sources",
    "recheck",
    "watch_once",
]
