-- Portal crawling state (tenderwatch/crawl/, docs/crawling.md). Portable SQL, times as
-- ISO-8601 UTC text. Owned by the crawl area; the archive tables are untouched.

-- Every notice or attachment URL a source has announced, and what became of it.
CREATE TABLE crawl_urls (
    source TEXT NOT NULL,               -- source definition name
    url TEXT NOT NULL,
    kind TEXT NOT NULL,                 -- notice / attachment
    parent TEXT,                        -- the notice an attachment was linked from
    title TEXT,                         -- as the list page announced it
    published TEXT,                     -- notice date from the list page (YYYY-MM-DD)
    state TEXT NOT NULL,                -- pending / captured / failed / gone
    first_seen TEXT NOT NULL,
    last_checked TEXT,
    etag TEXT,
    last_modified TEXT,
    doc_id TEXT,                        -- sha256 of the latest captured version
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    PRIMARY KEY (source, url)
);
CREATE INDEX crawl_urls_state ON crawl_urls (source, state);

-- Date windows whose list pages were read to the end.
CREATE TABLE crawl_windows (
    source TEXT NOT NULL,
    window_start TEXT NOT NULL,         -- YYYY-MM-DD, inclusive
    window_end TEXT NOT NULL,           -- YYYY-MM-DD, inclusive
    announced INTEGER,                  -- total the portal said it had, when it says
    listed INTEGER NOT NULL,            -- notice links found on the list pages
    done_at TEXT NOT NULL,
    PRIMARY KEY (source, window_start, window_end)
);

-- One row per crawl run: the completeness report.
CREATE TABLE crawl_runs (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    complete INTEGER NOT NULL,          -- 1 when everything announced was captured
    report TEXT NOT NULL                -- JSON CrawlReport
);
CREATE INDEX crawl_runs_source ON crawl_runs (source, started_at);

-- Evidence events: a captured notice changed or disappeared.
CREATE TABLE crawl_events (
    id TEXT PRIMARY KEY,                -- sha256 of source, url, kind, time
    source TEXT NOT NULL,
    url TEXT NOT NULL,
    kind TEXT NOT NULL,                 -- changed / vanished / removed / redirected
    at TEXT NOT NULL,
    old_doc_id TEXT,
    new_doc_id TEXT,
    http_status INTEGER,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX crawl_events_url ON crawl_events (source, url);

-- Alerts already delivered, so a watch loop never sends the same alert twice.
CREATE TABLE alert_deliveries (
    alert_id TEXT NOT NULL,             -- sha256 of saved search, document and rule
    channel TEXT NOT NULL,              -- webhook / email
    delivered_at TEXT NOT NULL,
    PRIMARY KEY (alert_id, channel)
);
