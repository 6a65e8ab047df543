import sqlite3

from tenderwatch.facts import extract_facts
from tenderwatch.facts.linking import relink
from tenderwatch.facts.storage import read_facts, write_facts


def test_facts_tables_and_the_t4_plus_ethnic_flag_query(stored):
    settings, store = stored
    db = sqlite3.connect(settings.data_dir / "tenderwatch.db")
    db.execute("PRAGMA foreign_keys = ON")
    ids = [d.id for d in store.list_documents()]
    with db:
        for doc_id in ids:
            write_facts(db, doc_id, extract_facts(store.extraction(doc_id)))
        write_facts(db, ids[0], extract_facts(store.extraction(ids[0])))  # idempotent rewrite
        relink(db)
    assert read_facts(db, ids[0]) == extract_facts(store.extraction(ids[0]))
    (count,) = db.execute("SELECT count(*) FROM notice_facts").fetchone()
    assert count == 4
    # "all procurements that include NVIDIA T4 together with an ethnic.* flag"
    rows = db.execute(
        "SELECT DISTINCT pn.process_id FROM fact_products p"
        " JOIN flags f ON f.doc_id = p.doc_id AND f.category LIKE 'ethnic.%'"
        " JOIN process_notices pn ON pn.doc_id = p.doc_id"
        " WHERE p.maker = 'NVIDIA' AND p.model = 'T4'"
    ).fetchall()
    assert len(rows) == 1
    (notices,) = db.execute(
        "SELECT count(*) FROM process_notices WHERE process_id = ?", rows[0]
    ).fetchone()
    assert notices == 3
    db.close()
