"""The PostgreSQL backend, for a team server: one connection per store in autocommit mode,
an explicit transaction per write call, and substring search over normalized page text
through a ``pg_trgm`` GIN index (``migrations/0002_pages.postgresql.sql``). All but the
connection, migrations and search is shared with SQLite (``sql``), through an adapter that
gives psycopg sqlite3's ``?`` parameters and tuple rows.
See docs/storage.md, "PostgreSQL".
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import cast
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.rows import DictRow, TupleRow, dict_row, tuple_row

from ..settings import Settings
from .base import BACKENDS, StoreError, stored_now
from .migrations import migrations_for
from .search import PageMatch, SearchPlan
from .sql import SQLStore

# Key of the advisory lock that serialises migrations across processes sharing a database
# (a transaction-level lock: released by the COMMIT or ROLLBACK of the migration).
MIGRATION_LOCK = int.from_bytes(
    hashlib.sha256(b"tenderwatch.migrate").digest()[:8], "big", signed=True
)


def _text(value: str) -> str:
    """PostgreSQL text cannot hold NUL; U+FFFD takes its place one for one, so offsets into
    the page text stay valid."""
    return value.replace("\x00", "\ufffd")


def _like(term: str) -> str:
    """A LIKE pattern matching ``term`` anywhere (backslash is LIKE's default escape)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _redacted(url: str) -> str:
    """The URL without its password, for error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{netloc}"))


class _QmarkConnection:
    """The sqlite3 calls the shared code (``sql``, :mod:`tenderwatch.facts.storage`) makes
    (``?`` parameters, tuple rows) on a psycopg connection, with NUL made storable in every
    text parameter."""

    def __init__(self, db: psycopg.Connection[DictRow]) -> None:
        self._db = db

    @staticmethod
    def _params(params: Iterable[object]) -> list[object]:
        return [_text(p) if isinstance(p, str) else p for p in params]

    def execute(self, sql: str, params: Iterable[object] = ()) -> psycopg.Cursor[TupleRow]:
        cursor = self._db.cursor(row_factory=tuple_row)
        return cursor.execute(sql.replace("?", "%s"), self._params(params))

    def executemany(self, sql: str, rows: Iterable[Iterable[object]]) -> None:
        with self._db.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), [self._params(r) for r in rows])


def _qmark(db: psycopg.Connection[DictRow]) -> sqlite3.Connection:
    # The shared code is typed for sqlite3; the adapter provides the part of it that it uses.
    return cast(sqlite3.Connection, _QmarkConnection(db))


class PostgresStore(SQLStore):
    """:class:`~tenderwatch.store.base.Store` on a PostgreSQL database (15+, ``pg_trgm``)."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self._db: psycopg.Connection[DictRow] = psycopg.connect(
                url, autocommit=True, row_factory=dict_row
            )
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to PostgreSQL at {_redacted(url)}: {exc}") from exc
        self._sql = _qmark(self._db)
        self.migrate()

    @classmethod
    def from_settings(cls, settings: Settings) -> PostgresStore:
        url = settings.database_url or ""
        # SQLAlchemy's driver suffix (postgresql+psycopg://) means nothing to libpq.
        scheme, rest = url.split(":", 1)
        return cls("postgresql:" + rest if "+" in scheme else url)

    def close(self) -> None:
        self._db.close()

    def reopen(self) -> PostgresStore:
        return PostgresStore(self.url)

    # -- transactions and migrations ------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._db.transaction():
            yield self._sql

    def applied_migrations(self) -> list[str]:
        rows = self._db.execute("SELECT version FROM schema_migrations ORDER BY version")
        return [r["version"] for r in rows]

    def migrate(self) -> list[str]:
        """Apply pending migrations in order, each in one transaction with its version row,
        under an advisory lock so two processes starting at once apply each only once."""
        applied = []
        try:
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations"
                    " (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
                )
        except psycopg.Error as exc:
            raise StoreError(f"cannot create schema_migrations: {exc}") from exc
        for migration in migrations_for(self.dialect):
            try:
                with self._db.transaction():
                    db = self._db
                    db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                    if migration.version in self.applied_migrations():
                        continue
                    db.execute(
                        "INSERT INTO schema_migrations VALUES (%s, %s)",
                        (migration.version, stored_now()),
                    )
                    # Without parameters psycopg sends the file as one multi-statement query.
                    db.execute(migration.sql)
            except psycopg.Error as exc:
                raise StoreError(f"migration {migration.version} failed: {exc}") from exc
            applied.append(migration.version)
        return applied

    # -- search ---------------------------------------------------------------------------

    def _matching_pages(self, plan: SearchPlan, *, limit: int) -> list[PageMatch]:
        """Pages whose normalized text contains every term, scored by how often the terms
        occur. The trigram GIN index serves the LIKE filters of terms of 3+ characters.
        Trigrams cannot narrow 1-2 character terms, so a query made only of those walks
        pages newest first and stops after a few per wanted document, as on SQLite (a full
        scan only when the terms are rare)."""
        terms = [_text(t) for t in plan.terms]
        occurrences = " + ".join(
            "(char_length(p.normalized) - char_length(replace(p.normalized, %s, '')))"
            " / char_length(%s)"
            for _ in terms
        )
        matches = " AND ".join("p.normalized LIKE %s" for _ in terms)
        params: list[object] = [value for t in terms for value in (t, t)]
        params += [_like(t) for t in terms]
        if plan.long_terms:
            order, params = "score DESC, p.id DESC", [*params, max(limit * 10, 100)]
        else:
            order, params = "p.id DESC", [*params, limit * 3]
        try:
            rows = self._db.execute(
                f"SELECT p.doc_id, p.number, {occurrences} AS score FROM pages p"
                f" WHERE {matches} ORDER BY {order} LIMIT %s",
                params,
            ).fetchall()
        except psycopg.Error as exc:
            raise StoreError(f"search failed: {exc}") from exc
        return [
            PageMatch(doc_id=r["doc_id"], page=r["number"], score=float(r["score"])) for r in rows
        ]


BACKENDS.add("postgresql", PostgresStore.from_settings)
BACKENDS.add("postgres", PostgresStore.from_settings)  # libpq accepts both URL schemes
