"""A real threaded HTTP server on 127.0.0.1 with the routes the fetch tests need.

It also answers absolute-URI requests, so a test can point ``settings.proxy`` at it and
fetch "public" URLs that never leave the machine.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tenderwatch.settings import Settings

NOTICE_UTF8 = "<html><head><title>校园食堂采购公告</title></head><body>预算 100 万元</body></html>"
NOTICE_GBK = (
    "<html><head><meta charset='gbk'><title>视频监控项目</title></head>"
    "<body>采购人：某某县公安局</body></html>"
)

Route = Callable[[BaseHTTPRequestHandler], None]


def _send(
    handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]
) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _redirect(location: str) -> Route:
    return lambda h: _send(h, 302, b"", {"Location": location})


def _slow(h: BaseHTTPRequestHandler) -> None:
    time.sleep(1.5)
    _send(h, 200, b"late", {"Content-Type": "text/plain"})


def _drip(h: BaseHTTPRequestHandler) -> None:
    # Never silent long enough to hit the read timeout, but never finishing either.
    h.send_response(200)
    h.send_header("Content-Type", "text/plain")
    h.end_headers()
    for _ in range(30):
        h.wfile.write(b"x")
        h.wfile.flush()
        time.sleep(0.1)


def _oversize_streamed(h: BaseHTTPRequestHandler) -> None:
    # No Content-Length: the limit must be enforced while reading.
    h.send_response(200)
    h.send_header("Content-Type", "application/octet-stream")
    h.end_headers()
    for _ in range(64):
        h.wfile.write(b"A" * 1024)


ROUTES: dict[str, Route] = {
    "/ok": lambda h: _send(
        h, 200, NOTICE_UTF8.encode(), {"Content-Type": "text/html; charset=utf-8"}
    ),
    "/gbk": lambda h: _send(
        h, 200, NOTICE_GBK.encode("gbk"), {"Content-Type": "text/html; charset=GBK"}
    ),
    "/gzip": lambda h: _send(
        h,
        200,
        gzip.compress(NOTICE_UTF8.encode()),
        {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
    ),
    "/missing": lambda h: _send(h, 404, b"<h1>Not Found</h1>", {"Content-Type": "text/html"}),
    "/slow": _slow,
    "/drip": _drip,
    "/loop/a": _redirect("/loop/b"),
    "/loop/b": _redirect("/loop/a"),
    "/hop/1": _redirect("/hop/2"),
    "/hop/2": _redirect("/ok"),
    "/to-metadata": _redirect("http://169.254.169.254/latest/meta-data/"),
    "/to-ftp": _redirect("ftp://example.org/file"),
    "/oversize": _oversize_streamed,
    "/oversize-announced": lambda h: _send(h, 200, b"B" * 65536, {"Content-Type": "text/plain"}),
}


class FixtureServer(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[tuple[str, str, dict[str, str]]]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FixtureServer

    def do_GET(self) -> None:
        self.server.requests.append(("GET", self.path, dict(self.headers.items())))
        route = ROUTES.get(urlsplit(self.path).path)
        if route is None:
            _send(self, 404, b"no such route", {"Content-Type": "text/plain"})
        else:
            # The client hangs up on purpose in the timeout and size-limit tests.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                route(self)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    httpd = FixtureServer(("127.0.0.1", 0), _Handler)
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def local_settings(tmp_path) -> Settings:
    """Settings that may reach the loopback server, with small limits so tests stay fast."""
    return Settings(
        data_dir=tmp_path,
        allow_private_networks=True,
        http_timeout_s=0.5,
        http_deadline_s=1.0,
        max_file_bytes=16 * 1024,
    )


@pytest.fixture
def notices() -> dict[str, bytes]:
    """The exact bytes the server sends for /ok and /gbk."""
    return {"utf8": NOTICE_UTF8.encode(), "gbk": NOTICE_GBK.encode("gbk")}
