-- The link keys of every linked notice (tenderwatch.facts.storage.link_notices), so a new
-- notice finds the processes it joins without re-reading the archive. Portable SQL.

CREATE TABLE process_keys (
    link_key TEXT NOT NULL,             -- 'code:…', 'name:buyer|name', or 'doc:<id>' if none
    doc_id TEXT NOT NULL REFERENCES documents (id),
    PRIMARY KEY (link_key, doc_id)
);
CREATE INDEX process_keys_doc ON process_keys (doc_id);
