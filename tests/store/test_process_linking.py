"""Incremental process linking (Store.link_new_notices) against a full relink and against
the pure rule (facts.processes.link_processes), on the notices of the example corpus
(examples/build/notices) plus notices that move between processes as others arrive,
committed in batches, in their order and shuffled."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from tenderwatch.facts import extract_facts
from tenderwatch.facts.processes import link_processes
from tenderwatch.model import Extraction, Page
from tenderwatch.store.sqlite import SQLiteStore

NOTICES = Path(__file__).resolve().parents[2] / "examples" / "build" / "notices"
# A buyer's yearly tenders of one title, and code-less notices of that title: they join the
# one code carrying it, and leave it for their own process once a second code carries it.
MOVING = {
    "yearly-2023.txt": "办公设备采购项目招标公告\n项目编号：BG-2023-01\n采购人：某市示例局\n",
    "yearly-2024.txt": "办公设备采购项目招标公告\n项目编号：BG-2024-01\n采购人：某市示例局\n",
    "yearly-intention.txt": "办公设备采购项目采购意向\n采购人：某市示例局\n"
    "项目名称：办公设备采购项目\n",
    "yearly-correction.txt": "办公设备采购项目更正公告\n采购人：某市示例局\n",
    "library-intention.txt": "图书采购项目采购意向\n采购人：某市示例图书馆\n",
    "library-tender.txt": "图书采购项目招标公告\n项目编号：TS-9\n采购人：某市示例图书馆\n",
}


@pytest.fixture(scope="module")
def corpus():
    return notices_of_the_corpus()


def notices_of_the_corpus() -> list[tuple[str, str, object]]:
    """(file name, text, facts) of every example notice and of MOVING, in file order."""
    texts = {path.name: path.read_text(encoding="utf-8") for path in sorted(NOTICES.glob("*.txt"))}
    texts.update(MOVING)
    return [(name, text, extract_facts(_extraction(text))) for name, text in texts.items()]


def _extraction(text: str) -> Extraction:
    return Extraction(media_type="text/plain", extractor="test", pages=[Page(number=1, text=text)])


def _document(make_document, name, text, facts):
    document = make_document([text], title=name, source=f"/corpus/{name}")
    return document.model_copy(update={"facts": facts})


def commit_in_batches(store, make_document, notices, rng: random.Random) -> None:
    position = 0
    while position < len(notices):
        size = rng.randint(1, 6)
        batch = [_document(make_document, *n) for n in notices[position : position + size]]
        store.add_documents(batch)
        store.link_new_notices()  # as ingest does after each run
        position += size


def expected_tables(make_document, notices) -> tuple[list[tuple], list[tuple]]:
    """The tables as the pure rule links the notices."""
    pairs = [(_document(make_document, *n).record.id, n[2]) for n in notices]
    processes = link_processes(pairs)
    rows = sorted(
        (p.id, p.key, p.project_code, p.buyer, p.title, p.stage.value if p.stage else None)
        for p in processes
    )
    members = sorted(
        (p.id, n.doc_id, n.notice_type.value if n.notice_type else None,
         n.published.isoformat() if n.published else None)
        for p in processes
        for n in p.notices
    )  # fmt: skip
    return rows, sorted(members, key=lambda row: row[1])


def tables(store) -> tuple[list[tuple], list[tuple]]:
    """The processes and process_notices rows (through the store's own connection, so
    this works on PostgreSQL too)."""
    processes = store._sql.execute("SELECT * FROM processes ORDER BY id").fetchall()
    notices = store._sql.execute("SELECT * FROM process_notices ORDER BY doc_id").fetchall()
    return [tuple(row) for row in processes], [tuple(row) for row in notices]


@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_incremental_linking_equals_a_full_relink(tmp_path, corpus, make_document, seed):
    notices = list(corpus)
    if seed is not None:
        random.Random(seed).shuffle(notices)
    path = tmp_path / "tw.db"
    store = SQLiteStore(path)
    try:
        commit_in_batches(store, make_document, notices, random.Random(seed))
        incremental = tables(store)
        store.relink_processes()
        assert tables(store) == incremental
    finally:
        store.close()
    assert incremental == expected_tables(make_document, corpus)
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
        commit_in_batches(store, make_document, notices, random.Random(seed))
        results.append(tables(store))
        store.close()
    assert results[0] == results[1]


def test_processes_linked_before_the_link_table_are_relinked_whole(tmp_path, corpus, make_document):
    path = tmp_path / "tw.db"
    store = SQLiteStore(path)
    try:
        commit_in_batches(store, make_document, corpus[:-1], random.Random(5))
        # An archive migrated to 0007: processes from a full relink, no link rows stored.
        db = sqlite3.connect(path)
        with db:
            db.execute("DELETE FROM notice_links")
            db.execute("DELETE FROM process_notices")
            db.execute("DELETE FROM processes")
        db.close()
        commit_in_batches(store, make_document, corpus[-1:], random.Random(5))
        assert tables(store) == expected_tables(make_document, corpus)
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
        incremental = tables(store)
        store.relink_processes()
        assert tables(store) == incremental
        assert incremental[0][0][3] == first.facts.buyer.value
    finally:
        store.close()


def test_only_unlinked_notices_are_linked_and_only_once(tmp_path, corpus, make_document):
    store = SQLiteStore(tmp_path / "tw.db")
    try:
        commit_in_batches(store, make_document, corpus[:10], random.Random(6))
        assert store.link_new_notices() == 0  # nothing new since
        name, text, facts = corpus[10]
        document = make_document([text], title=name, source=f"/corpus/{name}")
        store.add_documents([document.model_copy(update={"facts": facts})])
        assert store.link_new_notices() == 1
    finally:
        store.close()
