"""Review workbench speed over a generated archive, each beside a baseline measured in the
same run on the same database.

    .venv/bin/python bench/bench_web.py [--docs 20000] [--repeat 20]

The archive (documents with flags, facts rows and some decisions, written straight through
the store) is generated under bench/out/web/. Numbers are milliseconds per call, median.
Baselines: the store's own `list_documents(limit=100)` (the plainest page query), and
`store.flags(doc)` + `store.pages(doc)` for the document view.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from tenderwatch.blobs import sha256_hex
from tenderwatch.facts import NoticeFacts
from tenderwatch.model import ExtractionStatus, Flag, Risk, ScanResult, Severity
from tenderwatch.review import QueueFilter, ReviewStatus, connect, dashboard, document_view, queue
from tenderwatch.settings import Settings
from tenderwatch.store.base import (
    Capture,
    Decision,
    DecisionStatus,
    DocumentRecord,
    NewDocument,
    SourceKind,
    StoredPage,
    open_store,
)
from tenderwatch.web import create_app

OUT = Path(__file__).parent / "out" / "web"
RULES = [
    (
        "ethnic.attribute.face",
        "ethnic.attribute",
        Severity.HIGH,
        "人脸抓拍机应支持识别少数民族特征",
    ),
    ("religion.practice.fasting", "religion.practice", Severity.HIGH, "斋月预警"),
    ("targeting.persons.key_persons", "targeting.persons", Severity.MEDIUM, "重点人员管控"),
    ("religion.venue.camera", "religion.venue", Severity.MEDIUM, "清真寺出入口高清摄像机"),
]
BUYERS = ["海南省XX县公安局", "福建省XX学院", "新疆XX县公安局", "西藏XX县民族宗教事务局"]
DIVISIONS = ["460000", "350000", "653100", "540000"]
EMPTY = NoticeFacts(extractor_version="bench").model_dump_json()


def build(settings: Settings, docs: int) -> None:
    rng = random.Random(42)
    store = open_store(settings)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    batch: list[NewDocument] = []
    facts: list[tuple[str, str, str, str, str]] = []
    decisions: list[Decision] = []

    def flush() -> None:
        store.add_documents(batch)
        with connect(store) as db:
            db.executemany(
                "INSERT INTO notice_facts (doc_id, buyer, buyer_division, published, facts,"
                " extractor_version) VALUES (?, ?, ?, ?, ?, 'bench')",
                facts,
            )
        for decision in decisions:
            store.add_decision(decision)
        batch.clear(), facts.clear(), decisions.clear()

    try:
        for i in range(docs):
            text = f"某某县{i}号采购公告。采购人：{BUYERS[i % 4]}。" + "项目内容：视频监控。" * 20
            flags: list[Flag] = []
            if i % 3 == 0:  # a third of the archive is flagged
                for rule, category, severity, quote in rng.sample(RULES, 2):
                    at = len(text)
                    text += quote + "。"
                    flags.append(
                        Flag(rule=rule, category=category, severity=severity, text=quote, page=1,
                             start=at, end=at + len(quote), context=quote, ruleset_version="bench")
                    )  # fmt: skip
            doc_id = sha256_hex(text.encode())
            when = start + timedelta(hours=i)
            size = len(text.encode())
            batch.append(
                NewDocument(
                    record=DocumentRecord(id=doc_id, size=size, media_type="text/plain",
                                          status=ExtractionStatus.OK, title=f"某某县{i}号采购公告",
                                          extracted_at=when),
                    pages=[StoredPage(number=1, text=text, normalized=text)],
                    capture=Capture(doc_id=doc_id, kind=SourceKind.FILE, source=f"/bench/{i}.txt",
                                    captured_at=when, size=size),
                    scan=ScanResult(risk=Risk.HIGH if flags else Risk.NONE, flags=flags,
                                    ruleset_version="bench"),
                )
            )  # fmt: skip
            facts.append((doc_id, BUYERS[i % 4], DIVISIONS[i % 4], when.date().isoformat(), EMPTY))
            if flags and i % 9 == 0:
                decisions.append(
                    Decision(doc_id=doc_id, rule=flags[0].rule, status=DecisionStatus.CONFIRMED,
                             reviewer="bench", decided_at=when)
                )  # fmt: skip
            if len(batch) == 500:
                flush()
        flush()
    finally:
        store.close()


def timed(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm caches (rule set, gazetteer, SQLite pages)
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    settings = Settings(data_dir=OUT)
    began = time.perf_counter()
    build(settings, args.docs)
    print(f"archive: {args.docs} documents built in {time.perf_counter() - began:.1f} s")

    store = open_store(settings)
    flagged = queue(store, QueueFilter(limit=1)).items[0].doc_id
    client = TestClient(create_app(settings))
    rows = [
        ("baseline: store.list_documents(limit=100)", lambda: store.list_documents(limit=100)),
        ("queue page (100 items, severity sort)", lambda: queue(store, QueueFilter())),
        (
            "queue filtered (region + pending)",
            lambda: queue(store, QueueFilter(region="650000", status=ReviewStatus.PENDING)),
        ),
        ("dashboard aggregates", lambda: dashboard(store)),
        (
            "baseline: store.flags + store.pages",
            lambda: (store.flags(flagged), store.pages(flagged)),
        ),
        ("document view", lambda: document_view(store, flagged)),
        ("HTTP GET /queue.json", lambda: client.get("/queue.json")),
        ("HTTP GET /queue (HTML)", lambda: client.get("/queue")),
        ("HTTP GET / (dashboard HTML)", lambda: client.get("/")),
        (f"HTTP GET /documents/{flagged[:8]}…", lambda: client.get(f"/documents/{flagged}")),
    ]
    for label, fn in rows:
        print(f"{label:48s} {timed(fn, args.repeat):8.1f} ms")
    store.close()


if __name__ == "__main__":
    main()
