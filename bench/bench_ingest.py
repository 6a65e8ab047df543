"""End-to-end ingest throughput (read, hash, blob, extract, normalize, scan, commit) on
generated HTML notices, beside a baseline measured in the same run: reading and hashing the
same files in one process, which is the floor no ingest can beat.

    .venv/bin/python bench/bench_ingest.py --docs 10000
    .venv/bin/python bench/bench_ingest.py --docs 100000      # memory stays flat?
    .venv/bin/python bench/bench_ingest.py --docs 10000 \
        --onto bench/out/ingest-archive-100000/tenderwatch.db   # the rate at 100k-110k

The corpus and the archive go under bench/out/ (git-ignored); the corpus is reused when it
already exists, the previous run's archive is deleted once this run is measured (on a
filesystem without a journal, leave a few minutes between runs: see main). Worker start-up
(imports and rule-set compile, once per process) is timed separately from the steady-state
rate.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import shutil
import sqlite3
import time
from pathlib import Path

from tenderwatch.ingest import IngestEvent, ingest, worker_pool
from tenderwatch.settings import Settings
from tenderwatch.sources import iter_inputs
from tenderwatch.store.sqlite import SQLiteStore

OUT = Path(__file__).resolve().parent / "out"
BUYERS = ["某某市公安局", "某某县人民医院", "某某大学", "某某区教育局", "某某市交通运输局"]
ITEMS = [
    "台式计算机",
    "食堂食材配送",
    "网络摄像机",
    "校园一卡通系统",
    "GPU 服务器",
    "清真食品供应",
    "民族中学多媒体教室设备",
    "视频监控平台扩容",
    "人脸识别门禁",
    "道路维修工程",
]
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{buyer}{item}采购项目公告</title>
</head><body><div class="nav">首页 &gt; 采购公告 &gt; 招标公告</div><article>
<h1>{buyer}{item}采购项目公开招标公告</h1>
<p>项目编号：BENCH-{n:07d}。采购人：{buyer}。采购方式：公开招标。</p>
<table><tr><th>品目</th><th>数量</th><th>预算（万元）</th></tr>
<tr><td>{item}</td><td>{qty}</td><td>{budget}</td></tr>
<tr><td>{item2}</td><td>{qty2}</td><td>{budget2}</td></tr></table>
<p>{filler}</p><p>联系人：测试员 电话：010-00000000（示例，非真实号码）</p>
</article><footer>版权所有 示例政府采购网</footer></body></html>"""
FILLER = (
    "供应商须具备独立承担民事责任的能力，具有良好的商业信誉和健全的财务会计制度。"
    "本项目不接受联合体投标。投标文件递交截止时间以本公告为准。"
)


def generate(folder: Path, docs: int, start: int = 0) -> None:
    """Notices numbered ``start`` to ``start + docs - 1`` (the number is in the text, so
    notices of different numbers are different documents)."""
    if folder.is_dir() and sum(1 for _ in folder.rglob("*.html")) == docs:
        return
    shutil.rmtree(folder, ignore_errors=True)
    rng = random.Random(42 + start)
    for n in range(start, start + docs):
        sub = folder / f"{n // 1000:04d}"
        if not sub.is_dir():
            sub.mkdir(parents=True)
        page = PAGE.format(
            n=n,
            buyer=rng.choice(BUYERS),
            item=rng.choice(ITEMS),
            item2=rng.choice(ITEMS),
            qty=rng.randint(1, 500),
            qty2=rng.randint(1, 500),
            budget=rng.randint(5, 900),
            budget2=rng.randint(5, 900),
            filler=FILLER * rng.randint(1, 6),
        )
        (sub / f"notice-{n:07d}.html").write_text(page, encoding="utf-8")


def baseline(folder: Path) -> float:
    """Read and sha256 every file, one process: docs/s. The listing is walked, not sorted
    into a list first: a million paths took some 300 MiB, counted in the peak RSS below."""
    start = time.perf_counter()
    count = 0
    for root, _, names in os.walk(folder):
        for name in names:
            hashlib.sha256(Path(root, name).read_bytes()).hexdigest()
            count += 1
    return count / (time.perf_counter() - start)


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (workers are not our children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Milestones:
    """A progress callback printing the rate every ``every`` committed documents (0: never),
    and keeping the time of the last commit (process linking runs after it)."""

    def __init__(self, every: int, start: float) -> None:
        self.every, self.count, self.last = every, 0, (start, 0)
        self.committed_at = start

    def __call__(self, _event: IngestEvent) -> None:
        self.count += 1
        self.committed_at = now = time.perf_counter()
        if self.every and self.count % self.every == 0:
            since, done = self.last
            print(
                f"  {self.count:>9} committed: {(self.count - done) / (now - since):6.1f} docs/s"
                f" over the last {self.count - done}, {now - self.last[0]:.0f} s",
                flush=True,
            )
            self.last = (now, self.count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=0, help="0: one per core")
    parser.add_argument(
        "--onto",
        type=Path,
        help="ingest into a copy of this tenderwatch.db (e.g. a 100k run's) instead of a fresh "
        "archive: the rate at that size; the notices are numbered after the ones it holds",
    )
    parser.add_argument(
        "--every",
        type=int,
        default=50_000,
        help="print the rate after every this many documents (how it changes as the archive "
        "grows; 0: only at the end)",
    )
    args = parser.parse_args()

    start = 0
    if args.onto is not None:
        with sqlite3.connect(args.onto) as held:
            start = held.execute("SELECT count(*) FROM documents").fetchone()[0]
    suffix = f"{start}+{args.docs}" if start else f"{args.docs}"
    corpus = OUT / f"ingest-corpus-{suffix}"
    generate(corpus, args.docs, start)
    archive = OUT / f"ingest-archive-{suffix}"
    # The last run's archive (as many blobs as documents) is deleted after this run, not
    # before it: ext4 without a journal (this VM's root filesystem) skips inodes freed in
    # the last minutes when it allocates new ones, and creating the new archive's files
    # then costs several times its usual kernel time.
    if archive.exists():
        archive.rename(OUT / f"{archive.name}.old-{time.time_ns()}")
    settings = Settings(data_dir=archive, workers=args.workers)
    cores = settings.workers or len(os.sched_getaffinity(0))

    floor = baseline(corpus)

    warm = OUT / "ingest-warmup"
    shutil.rmtree(warm, ignore_errors=True)
    (warm / "in").mkdir(parents=True)
    (warm / "in" / "one.html").write_text(
        PAGE.format(
            n=0, buyer="x", item="y", item2="z", qty=1, qty2=1, budget=1, budget2=1, filler=""
        )
    )
    start = time.perf_counter()
    warm_store = SQLiteStore(warm / "db.sqlite")
    warm_settings = settings.model_copy(update={"data_dir": warm})
    ingest(
        iter_inputs([str(warm / "in")], settings=warm_settings),
        settings=warm_settings,
        store=warm_store,
    )
    warm_store.close()
    startup = time.perf_counter() - start

    if args.onto is not None:  # blobs are not copied: new documents never read them
        archive.mkdir(parents=True)
        shutil.copyfile(args.onto, archive / "tenderwatch.db")
    store = SQLiteStore(archive / "tenderwatch.db")
    pids = worker_pool(settings).pids
    cpu_before = time.process_time(), sum(_cpu_s(pid) for pid in pids), time.thread_time()
    start = time.perf_counter()
    milestones = _Milestones(args.every, start)
    summary = ingest(
        iter_inputs([str(corpus)], settings=settings),
        settings=settings,
        store=store,
        progress=milestones,
    )
    elapsed = time.perf_counter() - start
    main_cpu = time.process_time() - cpu_before[0]
    # the rest of the main process's CPU is its commit thread (SQL, blob fsync)
    main_thread_cpu = time.thread_time() - cpu_before[2]
    workers_cpu = sum(_cpu_s(pid) for pid in pids) - cpu_before[1]
    store.close()

    main_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_rss = max(_peak_rss_mib(pid) for pid in pids)
    db_mb = sum(p.stat().st_size for p in archive.glob("tenderwatch.db*")) / 2**20

    print(f"documents            {args.docs} (new {summary.new}, failed {len(summary.failed)})")
    print(f"cores used           {cores}")
    print(f"ingest end to end    {summary.new / elapsed:8.1f} docs/s  ({elapsed:.1f} s)")
    print(
        f"of which linking     {elapsed - (milestones.committed_at - start):8.1f} s"
        " (processes of the new notices, after the last commit)"
    )
    print(f"baseline read+sha256 {floor:8.1f} docs/s  (one process)")
    per_doc = (main_cpu + workers_cpu) / max(1, summary.new) * 1000
    print(
        f"CPU per document     {per_doc:8.2f} ms  (main {main_cpu:.1f} s, of which its main"
        f" thread {main_thread_cpu:.1f} s; workers {workers_cpu:.1f} s; load-independent)"
    )
    print(f"worker start-up      {startup:8.1f} s once per process (imports, rule-set compile)")
    print(f"peak RSS main        {main_rss:8.1f} MiB")
    print(f"peak RSS worker      {worker_rss:8.1f} MiB (largest of the workers)")
    print(f"database size        {db_mb:8.1f} MiB")
    for old in OUT.glob(f"{archive.name}.old-*"):
        shutil.rmtree(old)


if __name__ == "__main__":
    main()
