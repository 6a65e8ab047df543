-- Vendor matching (tenderwatch/vendors/, docs/vendors.md). Portable SQL, times as ISO-8601 UTC
-- text, JSON as text. Owned by the vendors area; machine output (vendor_matches) and human
-- judgement (vendor_judgements) are separate tables so re-matching never rewrites a decision.
-- Until the library writes here, judgements live in DATA_DIR/vendors/judgements.jsonl with
-- exactly the columns of vendor_judgements, and imports under DATA_DIR/vendors/imports/.

-- One imported list file (FollowTheMoney JSON lines or OpenSanctions simple CSV).
CREATE TABLE vendor_imports (
    sha256 TEXT PRIMARY KEY,            -- of the list file's bytes: re-importing is a no-op
    source TEXT NOT NULL,               -- path as given
    format TEXT NOT NULL,               -- ftm / csv
    imported_at TEXT NOT NULL,
    entities INTEGER NOT NULL,
    error_count INTEGER NOT NULL,
    errors TEXT NOT NULL DEFAULT '[]',  -- JSON list of "file:line: message"
    skipped TEXT NOT NULL DEFAULT '{}'  -- JSON object reason -> count (e.g. "schema Person")
);

-- Entities from imports (the shipped dataset stays in tenderwatch/vendors/data/vendors.yaml).
CREATE TABLE vendor_entities (
    id TEXT PRIMARY KEY,                -- FtM / OpenSanctions id
    import_sha256 TEXT NOT NULL REFERENCES vendor_imports (sha256),
    caption TEXT NOT NULL,
    data TEXT NOT NULL                  -- JSON: tenderwatch.vendors.model.Entity
);

-- A supplier, maker, brand or model mention in a document, located in its original text.
CREATE TABLE vendor_mentions (
    id TEXT PRIMARY KEY,                -- sha256 of doc_id, start, end and text
    doc_id TEXT NOT NULL REFERENCES documents (id),
    role TEXT NOT NULL,                 -- supplier / maker / brand / model
    text TEXT NOT NULL,                 -- exactly as extracted
    mention_key TEXT NOT NULL,          -- tenderwatch.vendors.judgements.mention_key(text)
    page INTEGER NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL
);
CREATE INDEX vendor_mentions_doc ON vendor_mentions (doc_id);
CREATE INDEX vendor_mentions_key ON vendor_mentions (mention_key);

-- Machine output: replaced wholesale when matching is re-run.
CREATE TABLE vendor_matches (
    mention_id TEXT NOT NULL REFERENCES vendor_mentions (id),
    entity_id TEXT NOT NULL,            -- shipped vendor id or vendor_entities.id
    score REAL NOT NULL,
    decision TEXT NOT NULL,             -- match / review / no_match
    features TEXT NOT NULL,             -- JSON list of tenderwatch.vendors.matcher.Feature
    dataset_version TEXT NOT NULL,      -- shipped vendors.yaml version
    matched_at TEXT NOT NULL,
    PRIMARY KEY (mention_id, entity_id)
);
CREATE INDEX vendor_matches_entity ON vendor_matches (entity_id);

-- Human judgement: append-only audit trail; the latest row per (mention_key, entity_id) wins.
CREATE TABLE vendor_judgements (
    id TEXT PRIMARY KEY,                -- sha256 of mention_key, entity_id, reviewer, created_at
    mention_key TEXT NOT NULL,
    mention TEXT NOT NULL,              -- as the reviewer saw it
    entity_id TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('same', 'not_same', 'unsure')),
    reviewer TEXT NOT NULL,
    created_at TEXT NOT NULL,
    note TEXT,
    deleted_at TEXT
);
CREATE INDEX vendor_judgements_key ON vendor_judgements (mention_key, entity_id, created_at);
