"""Scan-stage throughput on generated procurement-notice text, beside baselines measured in
the same run: ripgrep (`rg -F -f terms.txt`) over the same corpus and a naive Python loop of
`re.search` per term.

    .venv/bin/python bench/bench_scan.py --size-mb 1024      # the full benchmark (>= 1 GB)
    .venv/bin/python bench/bench_scan.py --size-mb 20        # a quick run
    .venv/bin/python bench/bench_scan.py --size-mb 1024 --kind tenders   # long documents

The corpus is written under bench/out/ (git-ignored) and reused when it already exists.
Every number is megabytes per CPU-second of one process, i.e. per core.

Documents are fed in batches (--batch, default 256), as `tenderwatch scan` (rescan) feeds
stored documents to `scan_many`: each batch is normalized document by document (the
"normalize" line), then scanned with one `scan_texts` call (the "scan stage" line: matching,
full rule logic, evidence mapped to the original text, risk; the same results as `scan_text`
per document). `--batch 1` alternates normalizing and scanning one document at a time, as an
ingest worker does: both stages then run slower per document (CPU caches: each stage evicts
the other's code and tables).
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tenderwatch._native import compiled_modules
from tenderwatch.detect import load_ruleset, scan_texts
from tenderwatch.detect.compiler import AtomKind
from tenderwatch.detect.engine import compiled
from tenderwatch.normalize import normalize
from tenderwatch.settings import Settings

OUT = Path(__file__).resolve().parent / "out"
SEPARATOR = "\n\x1e\n"  # between documents in the corpus file (record separator)

BUYERS = [
    "某某市公安局",
    "某某县人民医院",
    "某某大学",
    "某某区教育局",
    "某某市交通运输局",
    "某某县自然资源局",
    "某某市第一中学",
    "某某镇人民政府",
    "某某市城市管理局",
]
# Most notices buy ordinary things; a minority buy security systems; a few involve
# minority schools or halal catering (hard negatives); about 2% carry a finding.
ORDINARY = [
    "台式计算机",
    "激光打印机",
    "空调",
    "办公桌椅",
    "图书",
    "实验室设备",
    "道路维修工程",
    "绿化养护服务",
    "食堂食材配送",
    "物业管理服务",
    "公务用车",
    "档案数字化服务",
]
SECURITY = [
    "网络摄像机",
    "高清球机",
    "硬盘录像机",
    "核心交换机",
    "人脸识别门禁",
    "GPU服务器",
    "视频监控平台",
    "存储设备",
]
GENERAL = [
    "供应商须具有独立承担民事责任的能力，具有良好的商业信誉和健全的财务会计制度。",
    "本项目不接受联合体投标，投标人须在中华人民共和国境内注册。",
    "投标文件应按照招标文件要求密封，逾期送达的投标文件恕不接受。",
    "采购人将根据评标委员会推荐的中标候选人确定中标人。",
    "为落实政府采购政策，本项目专门面向中小企业采购。",
    "质保期为三年，自验收合格之日起计算，质保期内免费上门维修。",
    "付款方式：合同签订后支付30%，验收合格后支付70%。",
]
SECURITY_CLAUSES = [
    "视频监控系统应支持7×24小时不间断录像，存储时间不少于90天。",
    "系统应支持人脸抓拍、车辆识别及与公安视频专网对接。",
    "服务器配置：2颗CPU，512GB内存，8块NVIDIA T4 GPU卡。",
]
NEGATIVE_CLAUSES = [
    "各民族共同团结奋斗、共同繁荣发展，促进民族团结进步。",
    "某某民族中学食堂人脸识别消费机一批。",
    "斋月期间食堂提供清真餐，并延长营业时间。",
]
POSITIVES = [
    "支持人脸属性识别，包括性别、年龄、民族（维族/汉族）等。",
    "系统根据食堂消费记录，对斋月期间未就餐的学生进行预警。",
    "采购海康威视DS-IF0100-AI智能分析服务器一台。",
    "发现维吾尔族人员聚集时自动告警并推送至派出所。",
    "对重点人员及涉稳人员进行布控，实时预警。",
]


# Document sizes: an announcement on a portal page (a few KB of text), or a full tender
# document (tens to hundreds of KB: long item lists and requirement chapters).
SIZES = {"notices": ((5, 40), (10, 60)), "tenders": ((50, 300), (300, 1500))}


def _document(rng: random.Random, kind_of: str = "notices") -> str:
    (rows_min, rows_max), (clauses_min, clauses_max) = SIZES[kind_of]
    kind = rng.random()
    items, clauses = ORDINARY, GENERAL
    if kind < 0.15:
        items, clauses = SECURITY, GENERAL + SECURITY_CLAUSES
    elif kind < 0.18:
        clauses = GENERAL + NEGATIVE_CLAUSES
    lines = [
        f"{rng.choice(BUYERS)}{rng.choice(items)}采购项目公开招标公告",
        f"项目编号：ZB{rng.randint(2019, 2025)}-{rng.randint(1000, 9999)}",
        f"预算金额：{rng.randint(5, 900)}.{rng.randint(0, 99):02d}万元",
        "一、采购需求",
    ]
    for n in range(rng.randint(rows_min, rows_max)):
        lines.append(f"{n + 1}\t{rng.choice(items)}\t{rng.randint(1, 200)}台\t详见技术参数")
    lines.append("二、供应商资格要求")
    lines.extend(rng.choice(clauses) for _ in range(rng.randint(clauses_min, clauses_max)))
    if rng.random() < 0.02:
        lines.insert(rng.randint(4, len(lines)), rng.choice(POSITIVES))
    return "\n".join(lines)


def corpus(size_mb: int, seed: int = 1, kind: str = "notices") -> Path:
    path = OUT / f"{kind}-v2-{size_mb}mb-seed{seed}.txt"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    target = size_mb * 1024 * 1024
    written = 0
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        while written < target:
            chunk = SEPARATOR.join(_document(rng, kind) for _ in range(200)) + SEPARATOR
            out.write(chunk)
            written += len(chunk.encode("utf-8"))
    partial.rename(path)
    return path


def documents(path: Path, limit_mb: float | None = None) -> Iterator[str]:
    limit = None if limit_mb is None else limit_mb * 1024 * 1024
    seen = 0
    with path.open(encoding="utf-8") as source:
        buffer = ""
        while True:
            block = source.read(8 * 1024 * 1024)
            if not block:
                break
            buffer += block
            *whole, buffer = buffer.split(SEPARATOR)
            for doc in whole:
                if doc:
                    seen += len(doc.encode("utf-8"))
                    yield doc
                    if limit is not None and seen >= limit:
                        return
        if buffer:
            yield buffer


def _rate(megabytes: float, seconds: float) -> str:
    return f"{megabytes / seconds:8.1f} MB/s  ({megabytes:.0f} MB in {seconds:.1f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="corpus size (default 1024)")
    parser.add_argument("--naive-mb", type=float, default=5, help="sample for the re.search loop")
    parser.add_argument("--matcher", default=None, help="hyperscan or python (default: auto)")
    parser.add_argument(
        "--kind",
        choices=sorted(SIZES),
        default="notices",
        help="notices: portal announcements, ~4 KB each (default); tenders: full tender "
        "documents, ~30-150 KB each",
    )
    parser.add_argument(
        "--batch", type=int, default=256, help="documents per scan_texts call (default 256)"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    path = corpus(args.size_mb, kind=args.kind)
    megabytes = path.stat().st_size / 1024 / 1024
    print(
        f"corpus {path} ({megabytes:.0f} MB, generated/reused in "
        f"{time.perf_counter() - started:.1f} s)"
    )

    ruleset = load_ruleset()
    program, matcher = compiled(ruleset, args.matcher)
    # 0. Matcher start-up as a new process pays it: compiled from scratch (the baseline)
    # and loaded from the on-disk cache.
    with tempfile.TemporaryDirectory() as cache:
        startup = []
        for _ in range(2):
            ruleset.cache.pop(matcher.name, None)
            t0 = time.perf_counter()
            compiled(ruleset, args.matcher, Settings(cache_dir=Path(cache)))
            startup.append(time.perf_counter() - t0)
    print(f"matcher start-up: {startup[0]:.2f} s compiling, {startup[1]:.2f} s from the cache")
    terms = sorted({a.pattern for a in program.atoms if a.kind is AtomKind.LITERAL})
    regexes = [a.pattern for a in program.atoms if a.kind is AtomKind.REGEX]
    terms_file = OUT / "terms.txt"
    terms_file.write_text("\n".join(terms) + "\n", encoding="utf-8")
    print(
        f"rule set {ruleset.version}: {len(terms)} literals + {len(regexes)} regexes, "
        f"matcher {matcher.name}"
    )
    # Compiled by setup.py where it could; TENDERWATCH_PURE_PYTHON=1 measures the source.
    native = compiled_modules()
    print(f"scanning modules: {f'compiled ({len(native)})' if native else 'pure Python'}")

    # 1. The scan stage: match + rules + evidence + risk over normalized text. Ingest
    # normalizes each page once, for the search index and the scan alike, so normalization
    # is timed on its own line; `tenderwatch check` pays both. CPU time, not wall time: the
    # machine may be shared, and MB/s per core is megabytes per CPU-second.
    # Documents go in batches (see the module docstring): each batch is normalized, then
    # scanned with one scan_texts call.
    # The first pass alone (UTF-8 encoding and the matcher's presence scan, which every
    # document pays before any rule is looked at) is timed on the same batches: the share of
    # the scan stage that no rule logic can win back.
    flagged = 0
    total = normal_seconds = engine_seconds = first_seconds = 0.0
    docs = documents(path)
    while batch := list(itertools.islice(docs, args.batch)):
        t0 = time.process_time()
        normalized = [normalize(doc) for doc in batch]
        t1 = time.process_time()
        results = scan_texts(batch, ruleset, normalized=normalized)
        t2 = time.process_time()
        for n in normalized:
            matcher.present(n.text)
        first_seconds += time.process_time() - t2
        normal_seconds += t1 - t0
        engine_seconds += t2 - t1
        total += sum(len(doc.encode("utf-8")) for doc in batch)
        flagged += sum(result.risk.value in ("medium", "high") for result in results)
    mb = total / 1024 / 1024
    print(
        f"scan stage (match+rules+evidence)   {_rate(mb, engine_seconds)}"
        f"  medium/high docs: {flagged}"
    )
    print(f"  of which first pass (encode+match) {_rate(mb, first_seconds)}")
    print(f"normalize (extract stage)           {_rate(mb, normal_seconds)}")
    print(f"normalize + scan (as `check` runs)  {_rate(mb, normal_seconds + engine_seconds)}")

    # 2-3. ripgrep over the same corpus, literal terms, every match counted (its CPU time).
    rg = shutil.which("rg")
    if rg:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [rg, "-j1", "-F", "-f", str(terms_file), "--count-matches", str(path)],
            check=False,
            stdout=subprocess.DEVNULL,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(f"ripgrep -F -f terms.txt             {_rate(megabytes, cpu)}")
    else:
        print("ripgrep: not installed")

    # 4. A naive loop: re.search for each term over each document (on a sample: it is slow).
    patterns = [re.compile(re.escape(t)) for t in terms] + [re.compile(r) for r in regexes]
    sample = seconds = 0.0
    for doc in documents(path, args.naive_mb):
        t0 = time.process_time()
        for pattern in patterns:
            pattern.search(doc)
        seconds += time.process_time() - t0
        sample += len(doc.encode("utf-8"))
    print(f"naive re.search per term            {_rate(sample / 1024 / 1024, seconds)}")


if __name__ == "__main__":
    main()
