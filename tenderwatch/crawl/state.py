"""Crawl state in the archive database (tables from migration 0003_crawl.sql): which URLs
each source announced and what became of them, which date windows were read to the end,
run reports, takedown/change events and delivered alerts. Keeping it in the database
makes a crawl resumable: after a kill, pending URLs and unfinished windows are redone."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel

from ..store.base import Store, StoreError, content_id, stored_now
from ..store.sqlite import SQLiteStore, connect, write_transaction


class UrlState(StrEnum):
    PENDING = "pending"
    CAPTURED = "captured"
    FAILED = "failed"
    GONE = "gone"


class EventKind(StrEnum):
    CHANGED = "changed"  # new bytes at the same URL; both versions are kept
    VANISHED = "vanished"  # HTTP 404/410
    REDIRECTED = "redirected"  # now redirects to the portal's home page
    REMOVED = "removed"  # the page says the notice was withdrawn


class Found(NamedTuple):
    """A URL a list page or notice page announced."""

    url: str
    kind: str  # notice / attachment
    parent: str | None = None
    title: str | None = None
    published: date | None = None


class TrackedUrl(BaseModel):
    source: str
    url: str
    kind: str
    parent: str | None = None
    title: str | None = None
    published: date | None = None
    state: UrlState
    last_checked: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    doc_id: str | None = None
    attempts: int = 0
    error: str | None = None


class CrawlEvent(BaseModel):
    source: str
    url: str
    kind: EventKind
    at: datetime
    old_doc_id: str | None = None
    new_doc_id: str | None = None
    http_status: int | None = None
    detail: str = ""

    @property
    def id(self) -> str:
        return content_id(self.source, self.url, self.kind.value, self.at.isoformat())


class CrawlState:
    """Crawl bookkeeping on the SQLite archive file (its own connection, same WAL file)."""

    def __init__(self, path: Path) -> None:
        self._db = connect(path)

    @classmethod
    def for_store(cls, store: Store) -> CrawlState:
        if not isinstance(store, SQLiteStore):
            raise StoreError(
                "crawl state is kept in the SQLite archive only for now; unset "
                "TENDERWATCH_DATABASE_URL to crawl"
            )
        return cls(store.path)

    def close(self) -> None:
        self._db.close()

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        return write_transaction(self._db)

    # -- URLs ------------------------------------------------------------------------------

    def discover(self, source: str, found: Sequence[Found]) -> int:
        """Remember announced URLs in one transaction; returns how many were new."""
        added = 0
        with self._write() as db:
            for item in found:
                cursor = db.execute(
                    "INSERT INTO crawl_urls (source, url, kind, parent, title, published, state,"
                    " first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (
                        source,
                        item.url,
                        item.kind,
                        item.parent,
                        item.title,
                        item.published and item.published.isoformat(),
                        UrlState.PENDING.value,
                        stored_now(),
                    ),
                )
                added += cursor.rowcount
        return added

    def _rows(self, where: str, params: tuple[object, ...]) -> list[TrackedUrl]:
        rows = self._db.execute(
            "SELECT source, url, kind, parent, title, published, state, etag, last_modified,"
            " doc_id, attempts, error, last_checked"
            f" FROM crawl_urls WHERE {where} ORDER BY first_seen, url",
            params,
        )
        return [
            TrackedUrl(
                source=r[0],
                url=r[1],
                kind=r[2],
                parent=r[3],
                title=r[4],
                published=r[5],
                state=UrlState(r[6]),
                etag=r[7],
                last_modified=r[8],
                doc_id=r[9],
                attempts=r[10],
                error=r[11],
                last_checked=r[12],
            )
            for r in rows
        ]

    def get(self, source: str, url: str) -> TrackedUrl | None:
        found = self._rows("source = ? AND url = ?", (source, url))
        return found[0] if found else None

    def to_capture(self, source: str, max_attempts: int) -> list[TrackedUrl]:
        """Notices and attachments still to fetch: new ones, and failed ones with attempts
        left. Attachments are here too: a kill may come between a notice and its files."""
        return self._rows(
            "source = ? AND (state = 'pending' OR (state = 'failed' AND attempts < ?))",
            (source, max_attempts),
        )

    def captured(self, source: str) -> list[TrackedUrl]:
        return self._rows("source = ? AND kind = 'notice' AND state = 'captured'", (source,))

    def all_urls(self, source: str) -> list[TrackedUrl]:
        return self._rows("source = ?", (source,))

    def mark(
        self,
        source: str,
        url: str,
        state: UrlState,
        *,
        doc_id: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        error: str | None = None,
    ) -> None:
        """Record the outcome of a fetch; a failure counts an attempt."""
        with self._write() as db:
            db.execute(
                "UPDATE crawl_urls SET state = ?, last_checked = ?,"
                " doc_id = COALESCE(?, doc_id), etag = COALESCE(?, etag),"
                " last_modified = COALESCE(?, last_modified), error = ?,"
                " attempts = attempts + ? WHERE source = ? AND url = ?",
                (
                    state.value,
                    stored_now(),
                    doc_id,
                    etag,
                    last_modified,
                    error,
                    1 if state is UrlState.FAILED else 0,
                    source,
                    url,
                ),
            )

    # -- windows and runs ------------------------------------------------------------------

    def window_done(self, source: str, start: date, end: date) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM crawl_windows WHERE source = ? AND window_start = ? AND window_end = ?",
            (source, start.isoformat(), end.isoformat()),
        ).fetchone()
        return row is not None

    def finish_window(
        self, source: str, start: date, end: date, announced: int | None, listed: int
    ) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO crawl_windows VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT"
                " (source, window_start, window_end) DO UPDATE SET announced = excluded.announced,"
                " listed = excluded.listed, done_at = excluded.done_at",
                (source, start.isoformat(), end.isoformat(), announced, listed, stored_now()),
            )

    def save_run(
        self, run_id: str, source: str, started: datetime, complete: bool, report: str
    ) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO crawl_runs VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (run_id, source, started.isoformat(), stored_now(), int(complete), report),
            )

    def runs(self, source: str) -> list[str]:
        """Stored run reports (JSON), oldest first."""
        rows = self._db.execute(
            "SELECT report FROM crawl_runs WHERE source = ? ORDER BY started_at", (source,)
        )
        return [r[0] for r in rows]

    # -- events ----------------------------------------------------------------------------

    def add_event(self, event: CrawlEvent) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO crawl_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (
                    event.id,
                    event.source,
                    event.url,
                    event.kind.value,
                    event.at.isoformat(),
                    event.old_doc_id,
                    event.new_doc_id,
                    event.http_status,
                    event.detail,
                ),
            )

    def events(self, source: str | None = None) -> list[CrawlEvent]:
        sql = (
            "SELECT source, url, kind, at, old_doc_id, new_doc_id, http_status, detail"
            " FROM crawl_events"
        )
        params: tuple[object, ...] = ()
        if source is not None:
            sql += " WHERE source = ?"
            params = (source,)
        rows = self._db.execute(sql + " ORDER BY at", params)
        return [
            CrawlEvent(
                source=r[0],
                url=r[1],
                kind=EventKind(r[2]),
                at=r[3],
                old_doc_id=r[4],
                new_doc_id=r[5],
                http_status=r[6],
                detail=r[7],
            )
            for r in rows
        ]

    # -- alerts ----------------------------------------------------------------------------

    def delivered(self, alert_id: str, channel: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM alert_deliveries WHERE alert_id = ? AND channel = ?", (alert_id, channel)
        ).fetchone()
        return row is not None

    def mark_delivered(self, alert_id: str, channel: str) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO alert_deliveries VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (alert_id, channel, stored_now()),
            )
