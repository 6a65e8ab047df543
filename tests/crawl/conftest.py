"""A fixture procurement portal on a real local HTTP server, plus local webhook and SMTP
receivers. The portal's behaviour (429s, 503s, slow pages, changed, vanished, withdrawn
notices, blocking a page until released) is switched per test."""

from __future__ import annotations

import contextlib
import socketserver
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from tenderwatch.crawl import SourceDefinition
from tenderwatch.settings import Settings
from tenderwatch.store.base import open_store

FLAGGED_TEXT = "采购人脸识别系统，具备识别维吾尔族人员并自动报警功能。"


@dataclass
class Notice:
    title: str
    text: str
    status: int = 200
    removed: bool = False
    to_home: bool = False
    etag: str | None = None


@dataclass
class PortalState:
    notices: dict[str, Notice] = field(default_factory=dict)
    per_page: int = 2
    announce: int | None = None  # announce a different total than listed
    extra_links: list[str] = field(default_factory=list)  # extra hrefs on list page 1
    once: dict[str, int] = field(default_factory=dict)  # path -> status served once
    slow: set[str] = field(default_factory=set)
    block: dict[str, threading.Event] = field(default_factory=dict)
    robots: tuple[int, str] = (200, "User-agent: *\nDisallow: /private/\n")
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hits(self) -> Counter[str]:
        return Counter(urlsplit(path).path for path, _ in self.requests)


def _list_page(state: PortalState, page: int) -> str:
    ids = sorted(state.notices)
    chunk = ids[(page - 1) * state.per_page : page * state.per_page]
    items = "".join(
        f'<li><a href="/notice/{i}">{state.notices[i].title}</a>'
        '<span class="date">2024-01-05</span></li>'
        for i in chunk
    )
    if page == 1:
        items += "".join(f'<li><a href="{href}">extra</a></li>' for href in state.extra_links)
    total = state.announce if state.announce is not None else len(ids) + len(state.extra_links)
    return (
        "<html><head><meta charset='utf-8'><title>公告列表</title></head><body>"
        f"<p class='total'>共 <em>{total}</em> 条</p><ul class='notices'>{items}</ul></body></html>"
    )


def _notice_page(notice_id: str, notice: Notice) -> str:
    marker = "<p>本公告已撤销</p>" if notice.removed else ""
    return (
        f"<html><head><meta charset='utf-8'><title>{notice.title}</title></head><body>"
        f"<h1>{notice.title}</h1><p>{notice.text}</p>{marker}"
        f"<div class='files'><a href='/files/{notice_id}.txt'>附件</a>"
        f"<a href='/notice/{notice_id}/print'>打印</a></div></body></html>"
    )


class PortalServer(ThreadingHTTPServer):
    daemon_threads = True
    state: PortalState

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: PortalServer

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        # Out of flight before the client can have the whole response: once it has, it may
        # send its next request, which this thread would otherwise still count as overlapping.
        self._leave()
        self.end_headers()
        self.wfile.write(body)

    def _leave(self) -> None:
        state = self.server.state
        with state.lock:
            if self._in_flight:
                self._in_flight = False
                state.in_flight -= 1

    def do_GET(self) -> None:
        state = self.server.state
        with state.lock:
            state.requests.append((self.path, dict(self.headers.items())))
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
            self._in_flight = True
        try:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._route(state)
        finally:
            self._leave()  # also a request answered by no response

    def _route(self, state: PortalState) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        if path in state.block:
            state.block[path].wait(30)
        if path in state.slow:
            time.sleep(0.3)
        if path in state.once:
            status = state.once.pop(path)
            self._send(status, b"busy", {"Retry-After": "0"})
            return
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/robots.txt":
            status, text = state.robots
            self._send(status, text.encode(), {"Content-Type": "text/plain"})
        elif path == "/":
            self._send(200, "<html><body>首页</body></html>".encode(), html)
        elif path == "/list":
            page = int(parse_qs(parts.query).get("page", ["1"])[0])
            self._send(200, _list_page(state, page).encode(), html)
        elif path.startswith("/notice/") and path.count("/") == 2:
            self._notice(state, path.rsplit("/", 1)[1], html)
        elif path.startswith("/files/"):
            notice_id = path.rsplit("/", 1)[1].removesuffix(".txt")
            self._send(
                200,
                f"附件 {notice_id}：技术参数说明（虚构）".encode(),
                {"Content-Type": "text/plain; charset=utf-8"},
            )
        else:
            self._send(404, b"not found", html)

    def _notice(self, state: PortalState, notice_id: str, html: dict[str, str]) -> None:
        notice = state.notices.get(notice_id)
        if notice is None or notice.status != 200:
            self._send(notice.status if notice else 404, b"<html>gone</html>", html)
            return
        if notice.to_home:
            self._send(302, b"", {"Location": "/"})
            return
        headers = dict(html)
        if notice.etag:
            headers["ETag"] = notice.etag
            if self.headers.get("If-None-Match") == notice.etag:
                self._send(304, b"", headers)
                return
        self._send(200, _notice_page(notice_id, notice).encode(), headers)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(httpd: socketserver.BaseServer) -> threading.Thread:
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return thread


@pytest.fixture
def portal() -> Iterator[PortalServer]:
    httpd = PortalServer(("127.0.0.1", 0), _Handler)
    httpd.state = PortalState(
        notices={
            f"n{i}": Notice(
                title=f"示例采购项目{i}公告", text=f"项目{i}：办公设备采购，预算{i}0万元。"
            )
            for i in range(1, 6)
        }
    )
    httpd.state.notices["n1"].text = FLAGGED_TEXT
    _serve(httpd)
    yield httpd
    for event in httpd.state.block.values():
        event.set()
    httpd.shutdown()
    httpd.server_close()


def portal_definition(base: str, **overrides: object) -> SourceDefinition:
    raw: dict[str, object] = {
        "name": "fixture",
        "title": "Fixture portal",
        "home": base + "/",
        "region": "test",
        "listing": {
            "url": base + "/list?page={page}&from={start}&to={end}",
            "items": "ul.notices > li",
            "link": "a",
            "date": "span.date",
            "total": "p.total em",
            "lookback_days": 0,
            "max_pages": 10,
        },
        "notice": {
            "attachments": "div.files a",
            "attachment_pattern": r"\.txt$",
            "removed_markers": ["本公告已撤销"],
        },
        "rate": {"min_delay_s": 0, "concurrency": 2},
        "recheck": "all",
        "caveats": "test portal",
    }
    raw.update(overrides)
    return SourceDefinition.model_validate(raw)


@pytest.fixture
def source(portal) -> SourceDefinition:
    return portal_definition(portal.base)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        allow_private_networks=True,
        crawl_backoff_s=0.01,
        http_timeout_s=5,
        workers=1,
    )


@pytest.fixture
def store(settings):
    opened = open_store(settings)
    yield opened
    opened.close()


# -- alert receivers ---------------------------------------------------------------------


class _HookHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.server.received.append(self.rfile.read(length))  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _HookHandler)
    httpd.received = []  # type: ignore[attr-defined]
    _serve(httpd)
    yield httpd
    httpd.shutdown()
    httpd.server_close()


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib to hand over one message."""

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._reply("220 localhost test SMTP")
        while line := self.rfile.readline():
            command = line.decode("utf-8", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 localhost")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                if verb == "RCPT":
                    self.server.recipients.append(command.split(":", 1)[1].strip(" <>"))  # type: ignore[attr-defined]
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.server.messages.append(data)  # type: ignore[attr-defined]
                self._reply("250 queued")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 not implemented")


@pytest.fixture
def smtp_server() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads = True
    server.messages = []  # type: ignore[attr-defined]
    server.recipients = []  # type: ignore[attr-defined]
    _serve(server)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def make_source(portal):
    """Build the fixture portal's definition with some fields replaced."""
    return lambda **overrides: portal_definition(portal.base, **overrides)
