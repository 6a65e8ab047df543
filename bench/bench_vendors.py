"""Benchmark: match 10,000 supplier names against 100,000 synthetic list entities.

Prints the indexed matcher (1 and 2 worker processes) beside a naive baseline measured in the
same run: rapidfuzz ``process.extractOne`` (WRatio) over every list name, timed on a sample of
queries and extrapolated. Synthetic names are generated from a fixed seed; nothing is written.

    .venv/bin/python bench/bench_vendors.py [--entities 100000] [--queries 10000]
"""

from __future__ import annotations

import argparse
import os
import random
import time

from rapidfuzz import fuzz, process

from tenderwatch.vendors import Decision, Entity, VendorIndex
from tenderwatch.vendors.model import EntityName, NameKind
from tenderwatch.vendors.names import fold

CHARS = (
    "安邦宝北博昌晨成诚达大德鼎东方飞丰峰富港高广海瀚浩和恒宏鸿华辉汇佳嘉建江金锦京晶景久"
    "聚凯康科坤蓝朗乐力利联良林龙隆茂美明南宁鹏平齐启千强庆荣瑞润森山尚深盛世曙顺思泰腾天"
    "通同万威维伟卫文翔祥欣新信星兴旭轩雅扬耀亿义易益银英盈永宇裕远悦云泽兆振正之志智中众"
)
PLACES = [
    "北京",
    "上海",
    "杭州",
    "深圳",
    "广州",
    "南京",
    "成都",
    "武汉",
    "西安",
    "乌鲁木齐",
    "厦门",
]
GENERIC = ["科技", "信息技术", "智能科技", "电子", "网络科技", "安防工程", "数字技术", "系统集成"]
FORMS = ["有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]
TRAD = str.maketrans("东华龙兴发电网络术达丰广庆万实义宁云", "東華龍興發電網絡術達豐廣慶萬實義寧雲")


def synthetic_entities(count: int, rng: random.Random) -> list[Entity]:
    seen: set[str] = set()
    entities = []
    while len(entities) < count:
        brand = "".join(rng.choice(CHARS) for _ in range(rng.choice((2, 3, 3, 4))))
        if brand in seen:
            continue
        seen.add(brand)
        legal = rng.choice(PLACES) + brand + rng.choice(GENERIC) + rng.choice(FORMS)
        names = [EntityName(name=legal, kind=NameKind.LEGAL, source="bench")]
        if rng.random() < 0.5:
            names.append(EntityName(name=brand + "科技", kind=NameKind.SHORT, source="bench"))
        entities.append(Entity(id=f"E{len(entities)}", names=names, origin="bench"))
    return entities


def supplier_names(entities: list[Entity], count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(mention, expected entity id or '') — half variants of list names, half unrelated."""
    out = []
    for _ in range(count):
        if rng.random() < 0.5:
            entity = rng.choice(entities)
            legal = entity.names[0].name
            variant = rng.choice(
                [
                    legal,
                    legal.translate(TRAD),
                    legal.replace("股份有限公司", "有限公司"),
                    legal + rng.choice(PLACES) + "分公司",
                    "（" + rng.choice(PLACES) + "）" + legal,
                ]
            )
            out.append((variant, entity.id))
        else:
            brand = "".join(rng.choice(CHARS) for _ in range(5))
            out.append((rng.choice(PLACES) + brand + rng.choice(GENERIC) + "有限公司", ""))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--baseline-sample", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(42)
    entities = synthetic_entities(args.entities, rng)
    queries = supplier_names(entities, args.queries, rng)
    mentions = [q for q, _ in queries]
    print(f"cpus={os.cpu_count()} entities={len(entities)} queries={len(queries)}")

    start, cpu = time.perf_counter(), time.process_time()
    index = VendorIndex(entities)
    build = time.perf_counter() - start
    print(f"index build: {build:.1f} s wall, {time.process_time() - cpu:.1f} s CPU")

    results = {}
    for workers in (1, 2):
        start, cpu = time.perf_counter(), time.process_time()
        results[workers] = index.match_many(mentions, workers=workers)
        took = time.perf_counter() - start
        print(f"  (parent process CPU {time.process_time() - cpu:.1f} s)")
        print(
            f"indexed matcher, {workers} worker(s): {took:.1f} s for {len(mentions)} names "
            f"({took / len(mentions) * 1000:.2f} ms/name); "
            f"build + match {build + took:.1f} s"
        )
    found = results[1]
    expected = [e for _, e in queries]
    tp = sum(1 for r, e in zip(found, expected, strict=True) if e and _matched(r, e))
    fp = sum(
        1 for r, e in zip(found, expected, strict=True) if not e and r.decision is Decision.MATCH
    )
    positives = sum(1 for e in expected if e)
    print(f"indexed matcher quality: recall {tp / positives:.3f}, false matches {fp}")

    choices = [fold(e.names[0].name) for e in entities]
    sample = queries[: args.baseline_sample]
    start = time.perf_counter()
    hits = 0
    for mention, expected_id in sample:
        best = process.extractOne(fold(mention), choices, scorer=fuzz.WRatio)
        hits += bool(expected_id) and best is not None and f"E{best[2]}" == expected_id
    took = time.perf_counter() - start
    per = took / len(sample)
    print(
        f"baseline rapidfuzz extractOne(WRatio) over {len(choices)} names: "
        f"{per * 1000:.1f} ms/name, "
        f"extrapolated {per * len(mentions):.0f} s for {len(mentions)} names; "
        f"top-1 correct on {hits}/{sum(1 for _, e in sample if e)} list variants in the sample"
    )


def _matched(result: object, entity_id: str) -> bool:
    candidates = getattr(result, "candidates", [])
    return any(c.entity_id == entity_id and c.decision is Decision.MATCH for c in candidates)


if __name__ == "__main__":
    main()
