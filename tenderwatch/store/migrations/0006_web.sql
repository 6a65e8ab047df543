-- Review workbench accounts and sessions (tenderwatch.auth, docs/web.md). Portable SQL.
-- Only server mode uses them; local mode (loopback, single user) needs no account.

CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'reviewer', 'admin')),
    password_hash TEXT NOT NULL,        -- argon2id, self-describing (parameters and salt inside)
    created_at TEXT NOT NULL
);

-- Server-side sessions. The cookie carries a random token; only its sha256 is stored, so a
-- leaked database does not hand out live sessions.
CREATE TABLE web_sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_name);
