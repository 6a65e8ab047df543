-- What linking a notice into a process needs (tenderwatch.facts.linking), written with its
-- facts, so linking never reads facts back. Portable SQL.

CREATE TABLE notice_links (
    doc_id TEXT PRIMARY KEY REFERENCES documents (id),
    code_key TEXT,                      -- 'code:' + normalised project code
    name_key TEXT,                      -- 'name:' + normalised buyer '|' project name or title
    notice_type TEXT,
    published TEXT,                     -- ISO date
    project_code TEXT,                  -- as extracted (a process shows its first member's)
    buyer TEXT,
    project_name TEXT,
    title TEXT,                         -- names a process when no member has a project name
    process_key TEXT                    -- key of the process it is in; NULL: not linked yet
);
CREATE INDEX notice_links_name ON notice_links (name_key, code_key);
CREATE INDEX notice_links_process ON notice_links (process_key, doc_id);
