"""Crawl throughput against a local portal, per-host rate limit off.

    .venv/bin/python bench/bench_crawl.py [--notices 400] [--concurrency 4]

Serves N generated notices (each with one attachment) from a threaded HTTP server on
127.0.0.1 and measures, in the same run:

* baseline: plain httpx GETs of every notice and attachment, one client, sequential;
* fetch + WARC: the polite fetcher (robots.txt, guard, limits) writing WARC records;
* crawl: the full crawl (list pages, fetch, WARC, state, ingest with extraction and
  detection), in notices/s and documents/s.

Output goes to bench/out/ (git-ignored).
"""

from __future__ import annotations

import argparse
import shutil
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from tenderwatch.crawl import SourceDefinition, crawl
from tenderwatch.crawl.definition import RateSpec
from tenderwatch.crawl.polite import PoliteFetcher
from tenderwatch.fetch import WarcWriter, make_client
from tenderwatch.settings import Settings
from tenderwatch.store.base import open_store

OUT = Path(__file__).parent / "out" / "crawl"
PER_PAGE = 20


def _handler(count: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real portals do
        # One write per response: headers and body in separate small writes meet
        # Nagle's algorithm and delayed ACKs, which cost ~40 ms per keep-alive request.
        wbufsize = 64 * 1024

        def _send(self, body: bytes, kind: str = "text/html; charset=utf-8") -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/robots.txt":
                self._send(b"User-agent: *\nAllow: /\n", "text/plain")
            elif parts.path == "/list":
                page = int(parse_qs(parts.query)["page"][0])
                ids = range((page - 1) * PER_PAGE, min(page * PER_PAGE, count))
                items = "".join(f'<li><a href="/notice/{i}">公告{i}</a></li>' for i in ids)
                self._send(f"<p>共<em>{count}</em>条</p><ul>{items}</ul>".encode())
            elif parts.path.startswith("/notice/"):
                i = parts.path.rsplit("/", 1)[1]
                text = f"某某单位办公设备采购项目{i}，预算金额{i}万元，采购人：示例单位{i}。" * 20
                body = f"<html><head><title>公告{i}</title></head><body><p>{text}</p>"
                body += f"<a href='/files/{i}.txt'>附件</a></body></html>"
                self._send(body.encode())
            else:
                i = parts.path.rsplit("/", 1)[1]
                self._send(f"附件{i}：技术参数（示例）".encode() * 20, "text/plain; charset=utf-8")

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--notices", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(args.notices))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    urls = [f"{base}/notice/{i}" for i in range(args.notices)]
    urls += [f"{base}/files/{i}.txt" for i in range(args.notices)]

    shutil.rmtree(OUT, ignore_errors=True)
    settings = Settings(data_dir=OUT / "data", allow_private_networks=True, crawl_rate_limits=False)
    rate = RateSpec(min_delay_s=0, concurrency=args.concurrency)

    started = time.perf_counter()
    with httpx.Client() as client:
        for url in urls:
            client.get(url).raise_for_status()
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    with make_client(settings) as client, WarcWriter(OUT / "warc-fetch") as warc:
        fetcher = PoliteFetcher(settings, rate, warc=warc, client=client)
        for url in urls:
            fetcher.get(url)
    fetch_only = time.perf_counter() - started

    source = SourceDefinition.model_validate(
        {
            "name": "bench",
            "title": "bench portal",
            "home": base + "/",
            "region": "bench",
            "listing": {
                "url": base + "/list?page={page}&d={start}",
                "items": "ul > li",
                "link": "a",
                "total": "p em",
                "lookback_days": 0,
                "max_pages": 10_000,
            },
            "notice": {"attachments": "a", "attachment_pattern": r"\.txt$"},
            "rate": rate.model_dump(),
        }
    )
    store = open_store(settings)
    started = time.perf_counter()
    with WarcWriter(OUT / "warc") as warc:
        report = crawl(source, settings=settings, store=store, warc=warc, today=date.today())
    full = time.perf_counter() - started
    documents = store.count_documents()
    store.close()
    httpd.shutdown()

    n = len(urls)
    print(f"notices: {args.notices} (+{args.notices} attachments), concurrency {args.concurrency}")
    for label, seconds in (
        ("baseline  plain httpx GET, sequential ", baseline),
        ("fetch     polite fetcher + WARC        ", fetch_only),
    ):
        print(f"{label}: {n / seconds:8.1f} responses/s ({seconds:.2f} s)")
    print(
        f"crawl     list+fetch+WARC+ingest       : {args.notices / full:8.1f} notices/s, "
        f"{documents / full:.1f} documents/s ({full:.2f} s; complete={report.complete}, "
        f"captured={report.captured}, attachments={report.attachments})"
    )


if __name__ == "__main__":
    main()
