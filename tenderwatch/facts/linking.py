"""Linking stored notices into processes inside the store (tables ``notice_links`` of
migration 0007 and ``processes`` / ``process_notices`` of 0005), by the rule of
:mod:`tenderwatch.facts.processes`.

What linking needs of a notice (its keys, type, publication date, code, buyer, project
name and title) is written with its facts (:func:`write_link`), so linking reads small
rows, never facts back. Linking works in chunks of notices; per chunk
it touches the notices of the chunk, the code-less notices sharing a name with them (one
UPDATE each, in SQL) and the rows of the processes whose members changed. A process is
summarised by SQL over its members, so memory does not grow with the archive, the number
of new notices, or the size of a process.

Functions take an open DB-API connection with ``?`` parameters inside the caller's
transaction (sqlite3, or the PostgreSQL store's adapter).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from pydantic import ValidationError

from .model import DateRole, NoticeFacts
from .processes import STAGES, LinkKeys, link_keys, process_id, process_key

# Notices per chunk, and bound parameters per statement: far below SQLite's and
# PostgreSQL's limits.
_CHUNK = 500


class _Notice(NamedTuple):
    doc_id: str
    keys: LinkKeys
    notice_type: str | None
    published: str | None


def notice_type_of(facts: NoticeFacts) -> str | None:
    return facts.notice_type.value.value if facts.notice_type else None


def published_of(facts: NoticeFacts) -> str | None:
    """The publication date as ISO text."""
    published = facts.date_of(DateRole.PUBLICATION)
    return published.value.isoformat() if published and published.value else None


def write_link(db: sqlite3.Connection, doc_id: str, facts: NoticeFacts) -> None:
    """Store what linking needs of the notice, not linked yet (call when its facts are
    written; :func:`~tenderwatch.facts.storage.delete_facts` deletes it)."""
    keys = link_keys(facts)
    db.execute(
        "INSERT INTO notice_links (doc_id, code_key, name_key, notice_type, published,"
        " project_code, buyer, project_name, title) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            doc_id,
            keys.code,
            keys.name,
            notice_type_of(facts),
            published_of(facts),
            facts.project_code.value if facts.project_code else None,
            facts.buyer.value if facts.buyer else None,
            facts.project_name.value if facts.project_name else None,
            facts.title,
        ),
    )


def link_new(db: sqlite3.Connection) -> int:
    """Link the notices not linked yet; returns how many. An archive with facts stored
    before migration 0007 (no link rows) is re-linked whole, once."""
    if _backfill(db):
        return relink(db)[1]
    return _link_unlinked(db)


def _link_unlinked(db: sqlite3.Connection) -> int:
    linked = 0
    while True:
        chunk = db.execute(
            "SELECT doc_id, code_key, name_key, notice_type, published FROM notice_links"
            " WHERE process_key IS NULL ORDER BY doc_id LIMIT ?",
            (_CHUNK,),
        ).fetchall()
        if not chunk:
            return linked
        _link_chunk(
            db, [_Notice(doc, LinkKeys(code, name), *rest) for doc, code, name, *rest in chunk]
        )
        linked += len(chunk)


def relink(db: sqlite3.Connection) -> tuple[int, int]:
    """Link every notice anew (after facts were re-read); returns (processes, notices).
    Notices whose stored facts have no link row yet get one; facts that no longer validate
    are left out."""
    _backfill(db)
    db.execute("DELETE FROM process_notices")
    db.execute("DELETE FROM processes")
    db.execute("UPDATE notice_links SET process_key = NULL")
    linked = _link_unlinked(db)
    (processes,) = db.execute("SELECT count(*) FROM processes").fetchone()
    return int(processes), linked


def _backfill(db: sqlite3.Connection) -> int:
    """Write the link rows missing for stored facts; returns how many."""
    (facts,) = db.execute("SELECT count(*) FROM notice_facts").fetchone()
    (links,) = db.execute("SELECT count(*) FROM notice_links").fetchone()
    if facts == links:
        return 0
    after, written = "", 0
    while True:
        rows = db.execute(
            "SELECT f.doc_id, f.facts FROM notice_facts f WHERE f.doc_id > ? AND NOT EXISTS"
            " (SELECT 1 FROM notice_links l WHERE l.doc_id = f.doc_id) ORDER BY f.doc_id LIMIT ?",
            (after, _CHUNK),
        ).fetchall()
        if not rows:
            return written
        for doc_id, data in rows:
            # Facts written by an older model version no longer validate; `tenderwatch scan`
            # re-reads them, and until then the notice is in no process.
            try:
                facts = NoticeFacts.model_validate_json(data)
            except ValidationError:
                continue
            write_link(db, doc_id, facts)
            written += 1
        after = rows[-1][0]


def _link_chunk(db: sqlite3.Connection, chunk: Sequence[_Notice]) -> None:
    changed: set[str] = set()  # keys of the processes whose members changed
    # Where the code-less notices of each name go, over every stored notice (linked or not).
    target: dict[str, str] = {}
    for name in sorted({n.keys.name for n in chunk if n.keys.name is not None}):
        # One subquery per end: SQLite reads a lone min() or max() off one end of the
        # index, but both in one query from every row of the name (4.2 against 0.02 ms
        # per name at 20k notices a name: linking a million new notices took 812 s, not 124).
        low, high = db.execute(
            "SELECT (SELECT min(code_key) FROM notice_links WHERE name_key = ?),"
            " (SELECT max(code_key) FROM notice_links WHERE name_key = ?)",
            (name, name),
        ).fetchone()
        codes = {code for code in (low, high) if code is not None}
        target[name] = process_key("", LinkKeys(None, name), codes)
        # A new code for this name moves the code-less notices linked before, all at once.
        before = db.execute(
            "SELECT process_key FROM notice_links WHERE name_key = ? AND code_key IS NULL"
            " AND process_key IS NOT NULL LIMIT 1",
            (name,),
        ).fetchone()
        if before is not None and before[0] != target[name]:
            _ensure_processes(db, [target[name]])
            block = (
                "SELECT doc_id FROM notice_links WHERE name_key = ? AND code_key IS NULL"
                " AND process_key IS NOT NULL"
            )
            db.execute(
                f"UPDATE process_notices SET process_id = ? WHERE doc_id IN ({block})",
                (process_id(target[name]), name),
            )
            db.execute(
                f"UPDATE notice_links SET process_key = ? WHERE doc_id IN ({block})",
                (target[name], name),
            )
            changed.update((before[0], target[name]))

    doc_ids = [n.doc_id for n in chunk]
    # A notice whose facts were re-read since it was linked leaves its old process.
    marks = ", ".join("?" * len(doc_ids))
    changed.update(
        key
        for (key,) in db.execute(
            "SELECT p.link_key FROM process_notices n JOIN processes p ON p.id = n.process_id"
            f" WHERE n.doc_id IN ({marks})",
            doc_ids,
        )
    )
    db.execute(f"DELETE FROM process_notices WHERE doc_id IN ({marks})", doc_ids)

    keys = [
        target[n.keys.name]
        if n.keys.code is None and n.keys.name is not None
        else process_key(n.doc_id, n.keys, ())
        for n in chunk
    ]
    _ensure_processes(db, sorted(set(keys)))
    db.executemany(
        "UPDATE notice_links SET process_key = ? WHERE doc_id = ?",
        list(zip(keys, doc_ids, strict=True)),
    )
    db.executemany(
        "INSERT INTO process_notices (process_id, doc_id, notice_type, published)"
        " VALUES (?, ?, ?, ?)",
        [
            (process_id(key), n.doc_id, n.notice_type, n.published)
            for key, n in zip(keys, chunk, strict=True)
        ],
    )
    changed.update(keys)
    _summarise(db, sorted(changed))


def _ensure_processes(db: sqlite3.Connection, keys: Iterable[str]) -> None:
    # process_notices rows need their process row first; _summarise fills it in.
    db.executemany(
        "INSERT INTO processes (id, link_key) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
        [(process_id(key), key) for key in keys],
    )


# A process row summarised from its members, in SQL (no member is read into memory).
_MEMBERS = "FROM notice_links l WHERE l.process_key = processes.link_key"


def _first(column: str) -> str:
    """The column's value of the process's first member (by id) that has one."""
    return f"(SELECT l.{column} {_MEMBERS} AND l.{column} IS NOT NULL ORDER BY l.doc_id LIMIT 1)"


_RANK = " ".join(f"WHEN '{kind.value}' THEN {rank}" for rank, kind in enumerate(STAGES))
_STAGE = " ".join(f"WHEN {rank} THEN '{kind.value}'" for rank, kind in enumerate(STAGES))
_SUMMARISE = (
    f"UPDATE processes SET project_code = {_first('project_code')}, buyer = {_first('buyer')},"
    f" title = COALESCE(NULLIF({_first('project_name')}, ''),"
    f" (SELECT l.title {_MEMBERS} AND l.title <> '' ORDER BY l.doc_id LIMIT 1)),"
    f" stage = CASE (SELECT max(CASE l.notice_type {_RANK} END) {_MEMBERS}) {_STAGE} END"
    " WHERE id = ?"
)


def _summarise(db: sqlite3.Connection, keys: Iterable[str]) -> None:
    """Rewrite the rows of the processes of ``keys`` from their members; drop those left
    without any."""
    ids = [(process_id(key),) for key in keys]
    db.executemany(_SUMMARISE, ids)
    db.executemany(
        "DELETE FROM processes WHERE id = ? AND NOT EXISTS"
        " (SELECT 1 FROM notice_links l WHERE l.process_key = processes.link_key)",
        ids,
    )
