"""Incremental process linking (Store.link_new_notices) against a full relink,
on the notices of the example corpus (examples/build/notices) committed in batches, in
their order and shuffled."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from tenderwatch.facts import extract_facts
from tenderwatch.model import Extraction, Page
from tenderwatch.store.sqlite import SQLiteStore

NOTICES = Path(__file__).resolve().parents[2] / "examples" / "build" / "notices"


@pytest.fixture(scope="module")
def corpus():
    """(path, text, facts) of every example notice, in file order."""
    found = []
    for path in sorted(NOTICES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        found.append((path.name, text, extract_facts(_extraction(text))))
    return found


def _extraction(text: str) -> Extraction:
    return Extraction(media_type="text/plain", extractor="test", pages=[Page(number=1, text=text)])


def _commit_in_batches(store, make_document, notices, rng: random.Random) -> None:
    position = 0
    while position < len(notices):
        size = rng.randint(1, 6)
        batch = []
        for name, text, facts in notices[position : position + size]:
            document = make_document([text], title=name, source=f"/corpus/{name}")
            batch.append(document.model_copy(update={"facts": facts}))
        store.add_documents(batch)
        store.link_new_notices()  # as ingest does after each run
        position += size


def _processes(path: Path) -> tuple[list[tuple], list[tuple]]:
    db = sqlite3.connect(path)
    try:
        processes = db.execute("SELECT * FROM processes ORDER BY id").fetchall()
        notices = db.execute("SELECT * FROM process_notices ORDER BY doc_id").fetchall()
        return processes, notices
    finally:
        db.close()


@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_incremental_linking_equals_a_full_relink(tmp_path, corpus, make_document, seed):
    notices = list(corpus)
    if seed is not None:
        random.Random(seed).shuffle(notices)
    path = tmp_path / "tw.db"
    store = SQLiteStore(path)
    try:
        _commit_in_batches(store, make_document, notices, random.Random(seed))
        incremental = _processes(path)
        store.relink_processes()
        assert _processes(path) == incremental
    finally:
        store.close()
    processes, linked = incremental
    assert len(linked) == len(corpus)  # every notice is in exactly one process
    sizes = {}
    for process_id, *_ in linked:
        sizes[process_id] = sizes.get(process_id, 0) + 1
    assert max(sizes.values()) >= 3  # groups really formed across batches
    assert len(processes) < len(corpus)


def test_order_of_arrival_does_not_change_the_processes(tmp_path, corpus, make_document):
    results = []
    for seed in (3, 4):
        notices = list(corpus)
        random.Random(seed).shuffle(notices)
        path = tmp_path / f"{seed}.db"
        store = SQLiteStore(path)
        _commit_in_batches(store, make_document, notices, random.Random(seed))
        store.close()
        results.append(_processes(path))
    assert results[0] == results[1]


def test_processes_linked_before_the_key_table_are_relinked_whole(tmp_path, corpus, make_document):
    path = tmp_path / "tw.db"
    store = SQLiteStore(path)
    try:
        _commit_in_batches(store, make_document, corpus[:-1], random.Random(5))
        expected = _processes(path)
        # An archive migrated to 0007: processes from a full relink, no keys stored.
        db = sqlite3.connect(path)
        with db:
            db.execute("DELETE FROM process_keys")
            db.execute("DELETE FROM process_notices")
            db.execute("DELETE FROM processes")
        db.close()
        _commit_in_batches(store, make_document, corpus[-1:], random.Random(5))
        processes, linked = _processes(path)
        assert len(linked) == len(corpus)
        store.relink_processes()
        assert _processes(path) == (processes, linked)
        assert len(processes) >= len(expected[0]) - 1
    finally:
        store.close()


def test_a_joining_notice_does_not_change_which_member_names_the_process(tmp_path, make_document):
    # Three notices of one code, each naming a different buyer: the process takes the
    # buyer of the member with the smallest id, however they arrived.
    documents = []
    for n, buyer in enumerate(["甲示例单位", "乙示例单位", "丙示例单位"]):
        text = "示例项目招标公告\n项目编号：AB-7\n采购人：" + buyer + "\n"
        document = make_document([text], title=f"n{n}")
        facts = extract_facts(_extraction(text))
        documents.append(document.model_copy(update={"facts": facts}))
    documents.sort(key=lambda d: d.record.id)
    first, middle, last = documents
    path = tmp_path / "tw.db"
    store = SQLiteStore(path)
    try:
        store.add_documents([last, first])
        store.link_new_notices()
        store.add_documents([middle])
        store.link_new_notices()
        incremental = _processes(path)
        store.relink_processes()
        assert _processes(path) == incremental
        assert incremental[0][0][3] == first.facts.buyer.value
    finally:
        store.close()


def test_only_unlinked_notices_are_linked_and_only_once(tmp_path, corpus, make_document):
    store = SQLiteStore(tmp_path / "tw.db")
    try:
        _commit_in_batches(store, make_document, corpus[:10], random.Random(6))
        assert store.link_new_notices() == 0  # nothing new since
        name, text, facts = corpus[10]
        document = make_document([text], title=name, source=f"/corpus/{name}")
        store.add_documents([document.model_copy(update={"facts": facts})])
        assert store.link_new_notices() == 1
    finally:
        store.close()
