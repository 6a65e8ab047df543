-- Page text and its search index (PostgreSQL). A pg_trgm GIN index over pages.normalized
-- serves LIKE '%term%' for terms of 3+ characters, CJK included; 1-2 character terms are
-- still answered exactly (LIKE rechecks every row) but by a sequential scan.
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the database owner
-- may create it without superuser rights.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE pages (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents (id),
    number INTEGER NOT NULL,
    text TEXT NOT NULL,                 -- original extracted text (NUL stored as U+FFFD)
    normalized TEXT NOT NULL,           -- tenderwatch.normalize text, what search runs on
    ocr INTEGER NOT NULL DEFAULT 0,
    UNIQUE (doc_id, number)
);

CREATE INDEX pages_normalized_trgm ON pages USING gin (normalized gin_trgm_ops);
