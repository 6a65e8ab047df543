"""Throughput of extract_facts over the labelled notices (repeated), beside a baseline
measured in the same run: one pass that only splits lines and finds ``key：value`` colons,
the least any reader of the text must do.

    .venv/bin/python bench/facts_throughput.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import re
import time

from tenderwatch.facts import extract_facts
from tenderwatch.facts.evaluation import DEFAULT_CORPUS, labelled_notices
from tenderwatch.facts.regions import load_gazetteer

_COLON = re.compile(r"[:：]")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    extractions = [e for _, e, _ in labelled_notices(DEFAULT_CORPUS)] * args.rounds
    chars = sum(len(e.text) for e in extractions)
    extract_facts(extractions[0])  # load label, gazetteer and product data once

    start = time.perf_counter()
    colons = sum(len(_COLON.findall(line)) for e in extractions for line in e.text.splitlines())
    baseline = time.perf_counter() - start

    start = time.perf_counter()
    values = sum(len(extract_facts(e).amounts) for e in extractions)
    full = time.perf_counter() - start

    names = [
        "新疆维吾尔自治区喀什地区莎车县公安局",
        "伊犁州公安局",
        "某某大学",
        "北京市朝阳区教育委员会",
    ]
    gazetteer = load_gazetteer()
    start = time.perf_counter()
    for _ in range(5_000):
        for name in names:
            gazetteer.locate(name)
    locate = time.perf_counter() - start

    rate = f"{chars / 1e6:.2f} M chars"
    print(f"notices: {len(extractions)} ({rate}), amounts read: {values}, colons: {colons}")
    for name, seconds in (("baseline split+colon scan", baseline), ("extract_facts", full)):
        per_s = len(extractions) / seconds
        print(f"{name:26} {per_s:12,.0f} notices/s {chars / seconds / 1e6:8.2f} M chars/s")
    print(f"{'gazetteer.locate':26} {20_000 / locate:12,.0f} names/s")


if __name__ == "__main__":
    main()
