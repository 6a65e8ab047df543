-- Procurement facts (tenderwatch.facts): machine output, replaced as a whole for a document
-- each time its facts are read. Portable SQL (SQLite and PostgreSQL). Offsets point into
-- the document's original text (pages joined by a form feed). Written by
-- tenderwatch.facts.storage.write_facts; processes by tenderwatch.facts.linking.

CREATE TABLE notice_facts (
    doc_id TEXT PRIMARY KEY REFERENCES documents (id),
    notice_type TEXT,
    project_code TEXT,
    project_name TEXT,
    buyer TEXT,
    agency TEXT,
    buyer_division TEXT,                -- GB/T 2260 code of the buyer's most specific division
    autonomous INTEGER NOT NULL DEFAULT 0,  -- buyer or delivery place in an autonomous division
    published TEXT,                     -- ISO date
    facts TEXT NOT NULL,                -- the whole NoticeFacts as JSON
    extractor_version TEXT NOT NULL
);
CREATE INDEX notice_facts_code ON notice_facts (project_code);
CREATE INDEX notice_facts_division ON notice_facts (buyer_division);

-- One row per extracted value, with its provenance.
CREATE TABLE fact_values (
    doc_id TEXT NOT NULL REFERENCES documents (id),
    seq INTEGER NOT NULL,
    field TEXT NOT NULL,                -- buyer, supplier, amount.award, date.publication, region.buyer ...
    value TEXT,                         -- normalised value; NULL when unreadable
    currency TEXT,
    lot TEXT,
    error TEXT,
    page INTEGER NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    original TEXT NOT NULL,
    PRIMARY KEY (doc_id, seq)
);
CREATE INDEX fact_values_field ON fact_values (field, value);

CREATE TABLE fact_items (
    doc_id TEXT NOT NULL REFERENCES documents (id),
    seq INTEGER NOT NULL,
    name TEXT,
    brand TEXT,
    model TEXT,
    quantity TEXT,                      -- decimal as text
    unit TEXT,
    unit_price TEXT,
    total_price TEXT,
    lot TEXT,
    page INTEGER NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    PRIMARY KEY (doc_id, seq)
);

CREATE TABLE fact_products (
    doc_id TEXT NOT NULL REFERENCES documents (id),
    seq INTEGER NOT NULL,
    maker TEXT NOT NULL,
    family TEXT NOT NULL,
    model TEXT NOT NULL,                -- normalised model number
    pattern TEXT NOT NULL,
    page INTEGER NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    original TEXT NOT NULL,
    PRIMARY KEY (doc_id, seq)
);
CREATE INDEX fact_products_model ON fact_products (model);
CREATE INDEX fact_products_maker ON fact_products (maker);

-- Notices of one procurement, linked by project code or buyer + name; recomputed as a whole.
CREATE TABLE processes (
    id TEXT PRIMARY KEY,                -- 'twp-' + sha256 of the group's key
    link_key TEXT NOT NULL,
    project_code TEXT,
    buyer TEXT,
    title TEXT,
    stage TEXT
);
CREATE TABLE process_notices (
    process_id TEXT NOT NULL REFERENCES processes (id),
    doc_id TEXT NOT NULL REFERENCES documents (id),
    notice_type TEXT,
    published TEXT,
    PRIMARY KEY (process_id, doc_id)
);
CREATE INDEX process_notices_doc ON process_notices (doc_id);
