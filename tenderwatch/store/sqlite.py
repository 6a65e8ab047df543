"""The SQLite backend: one file, WAL (readers never block the writer), foreign keys on,
a busy timeout so a second process waits instead of failing, FTS5 trigram search. All
but the connection, migrations and search is shared with PostgreSQL (``sql``)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..settings import Settings
from .base import BACKENDS, StoreError, stored_now
from .migrations import migrations_for
from .search import PageMatch, SearchPlan
from .sql import SQLStore

# Seconds a writer waits for another process's transaction before giving up; ingest
# commits are milliseconds, so this only trips on a stuck process.
BUSY_TIMEOUT_MS = 30_000
# Page cache per connection (SQLite's default is 2 MiB): the FTS trigram index of a growing
# archive is written all over, and re-reading its pages was most of the parent's commit CPU.
CACHE_KIB = 64 * 1024
# During bulk writes a thread checkpoints the WAL, this often, instead of the commits. A
# page that several commits rewrote meanwhile (index interiors, the FTS structure, the ends
# of tables) is copied to the database once: against every 0.5 s, a quarter less written
# and less system CPU in a SQL-only replay of ingest on a 100k archive.
CHECKPOINT_INTERVAL_S = 5.0
# SQLite writes the WAL from its start again only when a transaction begins after a
# checkpoint copied all of it. Passive checkpoints under steady commits never get there (a
# commit lands while they copy): the WAL grew without end, 67 GB at 800k notices, a full
# disk. Once it holds this much, the next commit is followed by a RESTART checkpoint (see
# SQLiteStore.restart_wal), which copies the rest while no one writes.
WAL_RESTART_BYTES = 128 * 1024 * 1024


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the archive file as every part of tenderwatch opens it (the store,
    crawl state, the review workbench): autocommit (transactions are explicit), usable
    from any thread, WAL, foreign keys on, and a busy timeout."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL mode: a commit survives a process crash (kill -9); only an OS crash may
    # lose the last transactions, never corrupt the file. FULL would make an fsync per
    # commit the bottleneck of ingest and crawl, which write per document and per URL.
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    return db


@contextmanager
def write_transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction on a :func:`connect` connection. IMMEDIATE takes the write lock
    up front, so two writers queue on busy_timeout instead of one failing half-way with
    "database is locked"."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def checkpoint_wal(db: sqlite3.Connection) -> int:
    """Copy the WAL into the database as far as readers allow, without blocking the writer
    (PASSIVE); the bytes the WAL holds (copied or not: it is written from its start only
    after a complete checkpoint)."""
    _, frames, _ = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    page_size: int = db.execute("PRAGMA page_size").fetchone()[0]
    return int(frames) * page_size


class SQLiteStore(SQLStore):
    """:class:`~tenderwatch.store.base.Store` on one SQLite file."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            self._db = self._sql = connect(path)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open SQLite database {path}: {exc}") from exc
        self._wal_restart = threading.Event()
        self.migrate()

    @classmethod
    def from_settings(cls, settings: Settings) -> SQLiteStore:
        url = settings.database_url or ""
        # SQLAlchemy's form: sqlite:///relative/path, sqlite:////absolute/path.
        location = url.removeprefix("sqlite:").removeprefix("///")
        return cls(Path(location) if location else settings.data_dir / "tenderwatch.db")

    def close(self) -> None:
        self._db.close()

    def reopen(self) -> SQLiteStore:
        return SQLiteStore(self.path)

    @contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """SQLite copies the WAL into the database file, fsync included, inside whichever
        commit takes the WAL past 1000 pages: about a quarter of the time of the thread
        that commits an ingest's documents. Here a thread with its own connection
        checkpoints between commits instead (PASSIVE: it never blocks the writer, and
        SQLite runs it without the GIL); automatic checkpoints resume afterwards."""
        automatic = self._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        checkpointer = connect(self.path)
        stop = threading.Event()

        def checkpoint() -> None:
            while not stop.wait(CHECKPOINT_INTERVAL_S):
                if checkpoint_wal(checkpointer) > WAL_RESTART_BYTES:
                    self.restart_wal()

        thread = threading.Thread(target=checkpoint, name="wal-checkpoint", daemon=True)
        self._db.execute("PRAGMA wal_autocheckpoint = 0")
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            checkpointer.close()
            self._db.execute(f"PRAGMA wal_autocheckpoint = {int(automatic)}")

    # -- transactions and migrations ------------------------------------------------------

    def restart_wal(self) -> None:
        """Have the next commit of this store copy the rest of the WAL into the database and
        wait for readers to leave the WAL (a RESTART checkpoint): the transaction after it
        writes the WAL from its start. Run by the committing connection between two of its
        transactions, it never waits for a writer, and bulk writes' passive checkpoints have
        copied most of the WAL already."""
        self._wal_restart.set()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with write_transaction(self._db) as db:
            yield db
        if self._wal_restart.is_set():
            self._wal_restart.clear()
            self._db.execute("PRAGMA wal_checkpoint(RESTART)")

    def applied_migrations(self) -> list[str]:
        rows = self._db.execute("SELECT version FROM schema_migrations ORDER BY version")
        return [r[0] for r in rows]

    def migrate(self) -> list[str]:
        """Apply pending migrations in order; returns the versions applied now."""
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            " (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = set(self.applied_migrations())
        applied = []
        for migration in migrations_for(self.dialect):
            if migration.version in done:
                continue
            # executescript commits any open transaction first, so the BEGIN lives in the
            # script. The version row goes first: a process that lost a race to apply the
            # same migration fails on its primary key before touching the schema.
            script = (
                "BEGIN IMMEDIATE;\n"
                f"INSERT INTO schema_migrations VALUES ('{migration.version}', '{stored_now()}');\n"
                f"{migration.sql}\n;COMMIT;"
            )
            try:
                self._db.executescript(script)
            except sqlite3.DatabaseError as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                if migration.version in self.applied_migrations():
                    continue
                raise StoreError(f"migration {migration.version} failed: {exc}") from exc
            applied.append(migration.version)
        return applied

    # -- search ---------------------------------------------------------------------------

    def _matching_pages(self, plan: SearchPlan, *, limit: int) -> list[PageMatch]:
        short_filter = "".join(" AND instr(p.normalized, ?) > 0" for _ in plan.short_terms)
        if plan.fts_query:
            wanted = max(limit * 10, 100)
            if plan.short_terms:
                rows = self._search_rows(
                    "SELECT p.doc_id, p.number, -bm25(pages_fts) FROM pages_fts"
                    " JOIN pages p ON p.id = pages_fts.rowid"
                    f" WHERE pages_fts MATCH ?{short_filter} ORDER BY bm25(pages_fts) LIMIT ?",
                    [plan.fts_query, *plan.short_terms, wanted],
                )
            else:
                # Rank inside the index, then read only the pages kept: joining first reads
                # the row of every match (~1000 for a term on 1% of 100k pages) before the
                # cut.
                rows = self._search_rows(
                    "SELECT p.doc_id, p.number, -m.rank FROM (SELECT rowid, bm25(pages_fts)"
                    " AS rank FROM pages_fts WHERE pages_fts MATCH ? ORDER BY rank LIMIT ?) m"
                    " JOIN pages p ON p.id = m.rowid",
                    [plan.fts_query, wanted],
                )
            return [PageMatch(doc_id=d, page=n, score=float(s)) for d, n, s in rows]
        # Trigrams cannot match 1-2 characters: scan the normalized text, newest pages first,
        # stopping after a few pages per wanted document (a full scan only when rare), and
        # score by how often the terms occur.
        rows = self._search_rows(
            "SELECT p.doc_id, p.number, p.normalized FROM pages p"
            f" WHERE 1 = 1{short_filter} ORDER BY p.id DESC LIMIT ?",
            [*plan.short_terms, limit * 3],
        )
        return [
            PageMatch(doc_id=d, page=n, score=float(sum(text.count(t) for t in plan.terms)))
            for d, n, text in rows
        ]

    def _search_rows(self, sql: str, params: list[object]) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreError(f"search failed: {exc}") from exc


BACKENDS.add("sqlite", SQLiteStore.from_settings)
