from __future__ import annotations

import contextlib
import http.server
import threading
import time
from pathlib import Path

import pytest

from tenderwatch.settings import Settings
from tenderwatch.store.sqlite import SQLiteStore

NOTICE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>采购单位：某县教育局（示例）。联系人：测试员 电话：010-00000000。</p>
<table><tr><td>品目</td><td>{item}</td></tr><tr><td>预算</td><td>{budget} 万元</td></tr></table>
</body></html>"""


GBK_PAGE = (
    "<html><head><title>监控设备采购</title></head><body>视频监控摄像机 50 台</body></html>".encode(
        "gbk"
    )
)


def notice(n: int, item: str = "食堂餐饮服务") -> bytes:
    return NOTICE.format(title=f"示例采购公告 第{n}号", item=item, budget=10 + n).encode()


@pytest.fixture
def make_notice():
    return notice


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        workers=1,  # one compile of the rule set per test process; tests are not about speed
        allow_private_networks=True,
        http_timeout_s=1.0,
        http_deadline_s=2.0,
        http_max_redirects=3,
    )


@pytest.fixture
def store(settings):
    s = SQLiteStore(settings.data_dir / "tenderwatch.db")
    yield s
    s.close()


@pytest.fixture
def folder(tmp_path) -> Path:
    root = tmp_path / "notices"
    (root / "sub").mkdir(parents=True)
    (root / "a.html").write_bytes(notice(1))
    (root / "b.html").write_bytes(notice(2, "校园视频监控系统 人脸识别门禁"))
    (root / "sub" / "c.html").write_bytes(notice(3))
    (root / ".hidden.html").write_bytes(notice(4))
    return root


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        routes = {
            "/notice.html": lambda: self._send(200, notice(10), "text/html; charset=utf-8"),
            "/gbk.html": lambda: self._send(200, GBK_PAGE, "text/html; charset=gbk"),
            "/missing": lambda: self._send(404, b"not here", "text/plain"),
            "/loop": lambda: self._redirect("/loop"),
            "/moved": lambda: self._redirect("/notice.html"),
            "/slow": self._slow,
        }
        routes.get(self.path, lambda: self._send(404, b"", "text/plain"))()

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _slow(self) -> None:
        # Answers after the client's read timeout, to a client that has hung up.
        time.sleep(3)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._send(200, b"late", "text/plain")


@pytest.fixture
def http_base():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
