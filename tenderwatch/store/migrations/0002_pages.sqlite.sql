-- Page text and its full-text index (SQLite). The FTS5 trigram index is external-content
-- over pages.normalized, kept in step by triggers, so a page and its index entry are written
-- in the same transaction. Trigrams cannot match 1-2 character queries (e.g. 监控): the
-- store falls back to instr() on pages.normalized for those.

CREATE TABLE pages (
    id INTEGER PRIMARY KEY,             -- rowid shared with pages_fts
    doc_id TEXT NOT NULL REFERENCES documents (id),
    number INTEGER NOT NULL,
    text TEXT NOT NULL,                 -- original extracted text
    normalized TEXT NOT NULL,           -- tenderwatch.normalize text, what search runs on
    ocr INTEGER NOT NULL DEFAULT 0,
    UNIQUE (doc_id, number)
);

CREATE VIRTUAL TABLE pages_fts USING fts5 (
    normalized, content = 'pages', content_rowid = 'id', tokenize = 'trigram'
);

CREATE TRIGGER pages_fts_insert AFTER INSERT ON pages BEGIN
    INSERT INTO pages_fts (rowid, normalized) VALUES (new.id, new.normalized);
END;

CREATE TRIGGER pages_fts_delete AFTER DELETE ON pages BEGIN
    INSERT INTO pages_fts (pages_fts, rowid, normalized) VALUES ('delete', old.id, old.normalized);
END;
