"""Accounts, roles, sessions, CSRF tokens and login rate limiting for the workbench's
server mode (docs/web.md). Local mode (loopback, single user) uses none of the tables.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's recommended
parameters). Session cookies carry a random token; the database keeps only its sha256.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel

from .review import connect
from .store.base import Store

_HASHER = PasswordHasher()
# Verified against when the account does not exist, so a wrong name costs as much time as
# a wrong password and login timing does not reveal which accounts exist.
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
MIN_PASSWORD_CHARS = 8


class AuthError(ValueError):
    """An account could not be created or changed; the message says why."""


class Role(StrEnum):
    VIEWER = "viewer"  # reads everything, exports packs
    REVIEWER = "reviewer"  # also records decisions
    ADMIN = "admin"  # also manages accounts

    def allows(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


class User(BaseModel):
    name: str
    role: Role
    created_at: datetime


class Session(BaseModel):
    user: str
    role: Role
    csrf_token: str
    expires_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(store: Store, name: str, password: str, role: Role) -> User:
    if not _NAME.match(name):
        raise AuthError(f"user name {name!r}: use 1-64 letters, digits and _ . @ -")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AuthError(f"password too short: at least {MIN_PASSWORD_CHARS} characters")
    user = User(name=name, role=role, created_at=_now())
    with connect(store) as db:
        exists = db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone()
        if exists:
            raise AuthError(f"user {name!r} already exists")
        db.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
            (name, role.value, _HASHER.hash(password), user.created_at.isoformat()),
        )
    return user


def list_users(store: Store) -> list[User]:
    with connect(store) as db:
        rows = db.execute("SELECT name, role, created_at FROM users ORDER BY name").fetchall()
    return [User(name=n, role=Role(r), created_at=datetime.fromisoformat(c)) for n, r, c in rows]


def remove_user(store: Store, name: str) -> bool:
    """Delete an account and its sessions; False when there was no such account."""
    with connect(store) as db:
        db.execute("BEGIN IMMEDIATE")
        db.execute("DELETE FROM web_sessions WHERE user_name = ?", (name,))
        removed = db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount
        db.execute("COMMIT")
    return removed > 0


def authenticate(store: Store, name: str, password: str) -> User | None:
    with connect(store) as db:
        row = db.execute(
            "SELECT role, password_hash, created_at FROM users WHERE name = ?", (name,)
        ).fetchone()
    try:
        _HASHER.verify(row[1] if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    return User(name=name, role=Role(row[0]), created_at=datetime.fromisoformat(row[2]))


def start_session(store: Store, user: User, *, hours: float) -> tuple[str, Session]:
    """A new session for ``user``: (cookie token, session)."""
    token = secrets.token_urlsafe(32)
    now = _now()
    session = Session(
        user=user.name,
        role=user.role,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=now + timedelta(hours=hours),
    )
    with connect(store) as db:
        db.execute("DELETE FROM web_sessions WHERE expires_at < ?", (now.isoformat(),))
        db.execute(
            "INSERT INTO web_sessions (token_sha256, user_name, csrf_token, created_at,"
            " expires_at) VALUES (?, ?, ?, ?, ?)",
            (
                _digest(token),
                user.name,
                session.csrf_token,
                now.isoformat(),
                session.expires_at.isoformat(),
            ),
        )
    return token, session


def session_for(store: Store, token: str) -> Session | None:
    """The live session a cookie token belongs to; None when unknown or expired."""
    with connect(store) as db:
        row = db.execute(
            "SELECT s.user_name, u.role, s.csrf_token, s.expires_at FROM web_sessions s"
            " JOIN users u ON u.name = s.user_name WHERE s.token_sha256 = ?",
            (_digest(token),),
        ).fetchone()
    if row is None:
        return None
    expires = datetime.fromisoformat(row[3])
    if expires <= _now():
        return None
    return Session(user=row[0], role=Role(row[1]), csrf_token=row[2], expires_at=expires)


def end_session(store: Store, token: str) -> None:
    with connect(store) as db:
        db.execute("DELETE FROM web_sessions WHERE token_sha256 = ?", (_digest(token),))


def same_token(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a CSRF token."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


class LoginLimiter:
    """Failed logins per key (account and client address) in a sliding window. In memory:
    a restart forgets them, which only ever helps the legitimate user."""

    def __init__(self, attempts: int, window_s: float) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures

    def allowed(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key, time.monotonic())) < self.attempts

    def failed(self, key: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent(key, now).append(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
