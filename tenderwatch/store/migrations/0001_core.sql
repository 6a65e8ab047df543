-- Core archive tables. Portable SQL (SQLite and PostgreSQL): TEXT ids derived from content,
-- times as ISO-8601 UTC text, JSON as text. Search tables are per dialect (0002_pages.*).

CREATE TABLE documents (
    id TEXT PRIMARY KEY,                -- sha256 of the bytes
    size BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    status TEXT NOT NULL,               -- ok / needs_ocr / empty / failed
    title TEXT,
    extractor TEXT,                     -- extractor name and version
    charset TEXT,
    error TEXT,
    warnings TEXT NOT NULL DEFAULT '[]',    -- JSON list
    full_text TEXT,                     -- HTML: all visible text (pages hold the main text)
    extracted_at TEXT NOT NULL
);
CREATE INDEX documents_status ON documents (status);
CREATE INDEX documents_media_type ON documents (media_type);

CREATE TABLE captures (
    id TEXT PRIMARY KEY,                -- sha256 over the natural key, see store.base.Capture.id
    doc_id TEXT NOT NULL REFERENCES documents (id),
    kind TEXT NOT NULL,                 -- file / zip / warc / url
    source TEXT NOT NULL,               -- path or requested URL
    member TEXT NOT NULL DEFAULT '',    -- zip member or WARC target URI
    url TEXT,                           -- final URL after redirects
    captured_at TEXT NOT NULL,
    size BIGINT NOT NULL,
    media_type TEXT,
    http_status INTEGER,
    headers TEXT NOT NULL DEFAULT '[]', -- JSON list of [name, value]
    warc_file TEXT,
    warc_offset BIGINT,
    warc_record_id TEXT
);
CREATE INDEX captures_doc ON captures (doc_id);

CREATE TABLE errors (
    id TEXT PRIMARY KEY,                -- sha256 of source, member, reason and time
    source TEXT NOT NULL,
    member TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX errors_at ON errors (at);

CREATE TABLE doc_scans (
    doc_id TEXT PRIMARY KEY REFERENCES documents (id),
    risk TEXT NOT NULL,
    reasons TEXT NOT NULL DEFAULT '[]', -- JSON list
    ruleset_version TEXT NOT NULL,
    scanned_at TEXT NOT NULL
);
CREATE INDEX doc_scans_risk ON doc_scans (risk);

-- Machine output: replaced as a whole for a document on every scan.
CREATE TABLE flags (
    doc_id TEXT NOT NULL REFERENCES documents (id),
    seq INTEGER NOT NULL,               -- order within the document's scan
    rule TEXT NOT NULL,
    category TEXT NOT NULL,
    severity TEXT NOT NULL,
    signal INTEGER NOT NULL,
    text TEXT NOT NULL,
    page INTEGER NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    context TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    PRIMARY KEY (doc_id, seq)
);
CREATE INDEX flags_rule ON flags (rule);

-- Human judgement: append-only history keyed by (doc, rule), so it survives re-scans.
CREATE TABLE decisions (
    id TEXT PRIMARY KEY,                -- sha256 of doc, rule, reviewer and time
    doc_id TEXT NOT NULL REFERENCES documents (id),
    rule TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'rejected', 'unsure')),
    note TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX decisions_doc_rule ON decisions (doc_id, rule, decided_at);
