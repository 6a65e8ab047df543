"""Server mode: accounts, roles, sessions, CSRF, login rate limiting; the users CLI."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tenderwatch.auth import AuthError, Role, add_user, authenticate, list_users, remove_user
from tenderwatch.cli import web as _web_commands  # noqa: F401  (registers the commands)
from tenderwatch.cli.app import app as cli
from tenderwatch.review import connect
from tenderwatch.web import create_app, is_loopback
from tenderwatch.web.settings import WebSettings

RULE = "ethnic.attribute.face"
PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(store):
    add_user(store, "rita", PASSWORD, Role.REVIEWER)
    add_user(store, "vic", PASSWORD, Role.VIEWER)


@pytest.fixture
def server(settings, accounts):
    web = WebSettings(login_attempts=3, login_window_s=600)
    with TestClient(create_app(settings, web, server_mode=True)) as c:
        yield c


def login(client, name, password=PASSWORD):
    form = client.get("/login").text
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": token, "next": "/queue"},
        follow_redirects=False,
    )


def csrf_of(client) -> str:
    page = client.get("/queue").text
    return page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


def test_passwords_are_argon2_hashed(store, accounts):
    with connect(store) as db:
        stored = db.execute("SELECT password_hash FROM users WHERE name = 'rita'").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert authenticate(store, "rita", PASSWORD) is not None
    assert authenticate(store, "rita", "wrong password") is None
    assert authenticate(store, "nobody", PASSWORD) is None


def test_account_rules(store, accounts):
    with pytest.raises(AuthError, match="already exists"):
        add_user(store, "rita", PASSWORD, Role.ADMIN)
    with pytest.raises(AuthError, match="too short"):
        add_user(store, "sam", "short", Role.ADMIN)
    with pytest.raises(AuthError, match="user name"):
        add_user(store, "<script>", PASSWORD, Role.ADMIN)
    assert [u.name for u in list_users(store)] == ["rita", "vic"]
    assert remove_user(store, "vic") and not remove_user(store, "vic")


def test_anonymous_requests_are_refused(server, find_doc):
    page = server.get("/queue?severity=high", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/queue%3Fseverity%3Dhigh"
    assert server.get("/queue.json").status_code == 401
    county = find_doc("海南省XX县公安局")
    for url in ("/export.zip", f"/documents/{county}/original", f"/documents/{county}"):
        response = server.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    write = server.post("/decisions", data={"doc_id": county, "rule": RULE, "status": "confirmed"})
    assert write.status_code == 401


def test_login_session_cookie_and_decision(server, store, find_doc):
    response = login(server, "rita")
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    cookie = response.headers["set-cookie"]
    assert "tw_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    county = find_doc("海南省XX县公安局")
    assert server.get("/queue.json").status_code == 200
    data = {"doc_id": county, "rule": RULE, "status": "confirmed"}
    assert server.post("/decisions", data=data).status_code == 403  # no CSRF token
    token = csrf_of(server)
    ok = server.post("/decisions", data={**data, "csrf_token": token},
                     headers={"Accept": "application/json"})  # fmt: skip
    assert ok.status_code == 200 and ok.json()["reviewer"] == "rita"
    assert [d.reviewer for d in store.decisions(county)] == ["rita"]


def test_viewer_cannot_decide(server, store, find_doc):
    login(server, "vic")
    county = find_doc("海南省XX县公安局")
    response = server.post(
        "/decisions",
        data={"doc_id": county, "rule": RULE, "status": "confirmed", "csrf_token": csrf_of(server)},
    )
    assert response.status_code == 403
    assert "reviewer" in response.json()["detail"]
    assert store.decisions(county) == []
    assert "Confirm</button>" not in server.get(f"/documents/{county}").text


def test_logout_ends_the_session(server):
    login(server, "rita")
    token = csrf_of(server)
    assert (
        server.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    assert server.get("/queue.json").status_code == 401


def test_login_needs_its_csrf_cookie(server):
    response = server.post("/login", data={"name": "rita", "password": PASSWORD, "csrf_token": "x"})
    assert response.status_code == 403


def test_login_rate_limit(server):
    for _ in range(3):
        assert login(server, "rita", "wrong password").status_code == 401
    limited = login(server, "rita")  # even the right password, within the window
    assert limited.status_code == 429
    assert "Too many failed attempts" in limited.text
    assert login(server, "vic").status_code == 303  # other accounts unaffected


def test_unknown_session_cookie_is_anonymous(server):
    server.cookies.set("tw_session", "forged")
    assert server.get("/queue.json").status_code == 401


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False),
     ("192.168.1.5", False), ("example.org", False)],
)  # fmt: skip
def test_loopback_detection(host, loopback):
    assert is_loopback(host) is loopback


def test_users_cli(settings):
    runner = CliRunner()
    data_dir = ["--data-dir", str(settings.data_dir)]
    added = runner.invoke(cli, ["users", "add", "ada", "--role", "admin", "--password-stdin",
                                *data_dir], input=PASSWORD + "\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["users", "ls", "--format", "json", *data_dir])
    assert '"name": "ada"' in listed.output and '"role": "admin"' in listed.output
    again = runner.invoke(cli, ["users", "add", "ada", "--password-stdin", *data_dir],
                          input=PASSWORD + "\n")  # fmt: skip
    assert again.exit_code == 2
    assert runner.invoke(cli, ["users", "remove", "ada", *data_dir]).exit_code == 0
    assert runner.invoke(cli, ["users", "remove", "ada", *data_dir]).exit_code == 3


def test_serve_refuses_server_mode_without_accounts(settings):
    result = CliRunner().invoke(
        cli, ["serve", "--host", "0.0.0.0", "--data-dir", str(settings.data_dir)]
    )
    assert result.exit_code == 4
    assert "tenderwatch users add" in result.output
