"""Facts, processes and vendor matches written by ingest and `tenderwatch scan`, on the
example corpus (process HNZC2024-0317 across HTML, GBK HTML, PDF, DOCX and an OCR scan) and
on notices written here."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tenderwatch.ingest import ingest, rescan
from tenderwatch.model import Risk
from tenderwatch.settings import Settings
from tenderwatch.sources import iter_inputs
from tenderwatch.store.sqlite import SQLiteStore
from tenderwatch.vendors import Verdict, judgement_log

CORPUS = Path(__file__).parents[2] / "examples" / "corpus"
HAINAN = [
    "html/hainan-face-platform-intention.html",
    "pdf/hainan-face-platform-tender.pdf",
    "html/hainan-face-platform-correction-gbk.html",
    "office/中标结果公告-人像智能分析系统建设项目.docx",
    "scans/hainan-face-platform-contract-scan.pdf",
]

# A medium finding (ethnicity as a search field of a face library) with one context signal
# (face capability): medium on its own, high once a listed supplier adds a second signal.
AWARD = """<html><head><meta charset="utf-8"><title>示例县公安局信息系统扩容项目中标结果公告</title>
</head><body><h1>示例县公安局信息系统扩容项目中标结果公告</h1>
<p>项目编号：TEST-2024-{n}</p><p>采购人：示例县公安局</p>
<p>中标供应商：{supplier}</p><p>中标金额：人民币壹佰万元整</p>
<p>技术要求：人像库应支持按民族检索。</p></body></html>"""
LISTED = "杭州海康威视数字技术股份有限公司"
UNLISTED = "示例县测试软件有限公司"


def _ingest(paths: list[Path], settings: Settings, store: SQLiteStore):
    return ingest(iter_inputs([str(p) for p in paths], settings=settings), settings=settings,
                  store=store)  # fmt: skip


@pytest.fixture(scope="module")
def hainan(tmp_path_factory):
    """The five notices of HNZC2024-0317 ingested once (OCR included) for this module."""
    root = tmp_path_factory.mktemp("hainan")
    settings = Settings(data_dir=root / "data", workers=2)
    store = SQLiteStore(settings.data_dir / "tenderwatch.db")
    summary = _ingest([CORPUS / p for p in HAINAN], settings, store)
    assert (summary.new, summary.failed) == (5, [])
    ids = {p: store.resolve_id(_doc_id(store, p)) for p in HAINAN}
    yield settings, store, ids
    store.close()


def _doc_id(store: SQLiteStore, path: str) -> str:
    db = sqlite3.connect(store.path)
    row = db.execute(
        "SELECT doc_id FROM captures WHERE source LIKE ?", ("%" + path.rsplit("/", 1)[-1],)
    ).fetchone()
    return str(row[0])


def _process_of(store: SQLiteStore) -> dict[str, str]:
    db = sqlite3.connect(store.path)
    return dict(db.execute("SELECT doc_id, process_id FROM process_notices").fetchall())


def test_facts_are_stored_with_their_document(hainan):
    _, store, ids = hainan
    award = store.facts(ids[HAINAN[3]])
    assert award is not None and award.project_code.value == "HNZC2024-0317"
    assert award.buyer.value == "海南省XX县公安局"
    assert [str(a.value) for a in award.amounts if a.role == "award"] == ["5738000"]
    text = store.extraction(ids[HAINAN[3]]).text
    assert all(text[i.source.start : i.source.end] == i.source.text for i in award.items)
    db = sqlite3.connect(store.path)
    assert db.execute("SELECT count(*) FROM notice_facts").fetchone()[0] == 5
    fields = {r[0] for r in db.execute("SELECT field FROM fact_values WHERE doc_id = ?",
                                       (ids[HAINAN[3]],))}  # fmt: skip
    assert {"buyer", "supplier", "project_code", "amount.award", "region.buyer"} <= fields
    models = {r[0] for r in db.execute("SELECT model FROM fact_products")}
    assert {"DS-IF0100-AI", "NF5468M5", "T4"} <= models


def test_notices_across_formats_link_into_one_process(hainan):
    _, store, ids = hainan
    process = _process_of(store)
    later = [ids[p] for p in HAINAN[1:]]  # tender PDF, GBK correction, DOCX award, OCR contract
    assert len({process[d] for d in later}) == 1
    db = sqlite3.connect(store.path)
    stage, code = db.execute(
        "SELECT stage, project_code FROM processes WHERE id = ?", (process[later[0]],)
    ).fetchone()
    assert (stage, code) == ("contract", "HNZC2024-0317")


def test_the_intention_joins_the_process_too(hainan):
    _, store, ids = hainan
    process = _process_of(store)
    assert process[ids[HAINAN[0]]] == process[ids[HAINAN[1]]]


def test_brands_and_models_match_listed_vendors_with_offsets(hainan):
    _, store, ids = hainan
    doc_id = ids[HAINAN[3]]
    text = store.extraction(doc_id).text
    mentions = store.vendor_mentions(doc_id)
    for m in mentions:
        assert text[m.start : m.end] == m.text
    by_text = {(m.role.value, m.text): m for m in mentions}
    brand = by_text["brand", "海康威视"]
    assert brand.matches[0].entity_id == "hikvision" and brand.matches[0].decision == "match"
    assert brand.matches[0].features[0]["name"] == "exact_name"
    model = by_text["model", "DS-IF0100-AI"]
    assert [x.features[0]["name"] for x in model.matches] == ["model_prefix"]
    inspur = by_text["model", "NF5468M5"].matches[0]
    assert (inspur.entity_id, inspur.features[0]["name"]) == ("inspur", "product_maker")
    assert by_text["supplier", "海南XX信息技术有限公司"].matches == []
    flags = [f for f in store.flags(doc_id) if f.rule == "context.vendor.sanctioned"]
    assert {f.text for f in flags} == {"海康威视", "浪潮", "华为"}  # one per listed entity
    hik = next(f for f in flags if f.text == "海康威视")
    assert hik.signal and "FR Doc. 2019-22210" in hik.context
    assert text[hik.start : hik.end] == "海康威视"
    counts = {p.entity_id: p for p in store.vendor_procurements()}
    assert counts["hikvision"].documents >= 1 and counts["hikvision"].flagged_documents >= 1
    assert [r.id for r in store.list_documents(vendor="hikvision")].count(doc_id) == 1
    assert doc_id in [r.id for r in store.list_documents(region="460000")]
    assert store.list_documents(region="650000") == []


def test_reingest_and_rescan_are_idempotent(hainan):
    settings, store, ids = hainan
    db = sqlite3.connect(store.path)
    tables = ("fact_values", "fact_items", "vendor_mentions", "vendor_matches", "flags")

    def snapshot():
        rows = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        return rows, _process_of(store), {d: store.document(d).risk for d in ids.values()}

    before = snapshot()
    again = _ingest([CORPUS / p for p in HAINAN], settings, store)
    assert (again.new, again.duplicate) == (0, 5)
    assert snapshot() == before
    summary = rescan(store, settings=settings)
    assert summary.documents == 5 and summary.processes == len(set(before[1].values()))
    assert snapshot() == before


@pytest.fixture
def awards(tmp_path):
    folder = tmp_path / "awards"
    folder.mkdir()
    (folder / "listed.html").write_text(AWARD.format(n=1, supplier=LISTED), encoding="utf-8")
    (folder / "unlisted.html").write_text(AWARD.format(n=2, supplier=UNLISTED), encoding="utf-8")
    return folder


def _by_file(store: SQLiteStore, name: str) -> str:
    return _doc_id(store, name)


def test_a_listed_supplier_raises_the_risk(awards, settings, store):
    _ingest([awards], settings, store)
    listed, unlisted = _by_file(store, "listed.html"), _by_file(store, "unlisted.html")
    assert store.document(unlisted).risk is Risk.MEDIUM
    assert store.document(listed).risk is Risk.HIGH
    scan = store.latest_scan(listed)
    assert scan is not None and any("context.vendor.sanctioned" in r for r in scan.reasons)
    supplier = [m for m in store.vendor_mentions(listed) if m.role == "supplier"]
    assert supplier[0].text == LISTED and supplier[0].matches[0].entity_id == "hikvision"
    assert not any(f.rule == "context.vendor.sanctioned" for f in store.flags(unlisted))


def test_a_judgement_is_stored_and_reused_by_later_runs(awards, settings, store):
    _ingest([awards], settings, store)
    listed = _by_file(store, "listed.html")
    judgement_log(store).record(LISTED, "hikvision", Verdict.NOT_SAME, "reviewer-a", "test")
    rescan(store, settings=settings)
    assert store.document(listed).risk is Risk.MEDIUM
    match = next(m for m in store.vendor_mentions(listed) if m.role == "supplier").matches[0]
    assert match.decision == "no_match"
    assert any(f["name"] == "judgement" and "reviewer-a" in f["why"] for f in match.features)
    # a later ingest of a new notice from the same supplier reuses it too
    (awards / "third.html").write_text(AWARD.format(n=3, supplier=LISTED), encoding="utf-8")
    _ingest([awards / "third.html"], settings, store)
    assert store.document(_by_file(store, "third.html")).risk is Risk.MEDIUM


def _import_a_list_naming(name: str, tmp_path: Path, data_dir: Path) -> None:
    """A public list of one company, imported into ``data_dir``."""
    from tenderwatch.vendors import import_file, save_import

    listing = tmp_path / "list.csv"
    listing.write_text(
        "id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,"
        "emails,dataset,first_seen,last_seen,last_change\n"
        f"TEST-1,Company,{name},,,cn,,,Test list entry 2026,,,test-list,,,\n",
        encoding="utf-8",
    )
    save_import(import_file(listing, None), data_dir)


def test_imported_lists_are_matched_at_ingest(awards, settings, store, tmp_path):
    _import_a_list_naming(UNLISTED, tmp_path, settings.data_dir)
    _ingest([awards], settings, store)
    unlisted = _by_file(store, "unlisted.html")
    assert store.document(unlisted).risk is Risk.HIGH
    flag = next(f for f in store.flags(unlisted) if f.rule == "context.vendor.sanctioned")
    assert "Test list entry 2026" in flag.context


def test_cli_shows_facts_vendor_matches_and_procurements(awards, tmp_path):
    from typer.testing import CliRunner

    from tenderwatch.cli import app

    runner = CliRunner()
    data = str(tmp_path / "cli-data")

    def tw(*args: str):
        result = runner.invoke(app, [*args, "--data-dir", data], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    def lines(result) -> list[dict]:
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]

    tw("ingest", str(awards), "--workers", "1", "-f", "json")
    listed = lines(tw("ls", "--vendor", "hikvision", "-f", "json"))
    assert [d["title"] for d in listed] == ["示例县公安局信息系统扩容项目中标结果公告"]
    shown = lines(tw("show", listed[0]["id"][:12], "-f", "json"))[0]
    assert shown["facts"]["suppliers"][0]["value"] == LISTED
    assert shown["vendor_mentions"][0]["matches"][0]["entity_id"] == "hikvision"
    text = tw("show", listed[0]["id"][:12]).output
    assert "procurement facts" in text and "vendor matches" in text and "hikvision" in text
    vendors = {v["id"]: v for v in lines(tw("vendors", "ls", "--procured", "-f", "json"))}
    assert list(vendors) == ["hikvision"]
    assert vendors["hikvision"]["procurements"] == {
        "documents": 1, "flagged_documents": 1, "mentions": 1}  # fmt: skip
    assert "us.bis.entity_list" in {x["list"] for x in vendors["hikvision"]["listings"]}
    tw("vendors", "judge", LISTED, "hikvision", "not_same", "--user", "reviewer-a")
    assert "no_match" in tw("vendors", "match", LISTED, "-f", "json").output
    tw("scan", "-f", "json")
    assert lines(tw("vendors", "ls", "--procured", "-f", "json")) == []


def test_check_gives_the_risk_that_ingest_gives(awards, settings, store, tmp_path):
    # `tenderwatch check` has no archive, but matches vendors as ingest does: the listed
    # supplier's notice is high there too, and a list imported into --data-dir counts.
    from typer.testing import CliRunner

    from tenderwatch.cli import app

    def checked(data_dir: Path) -> dict[str, dict]:
        args = ["check", str(awards), "--data-dir", str(data_dir), "--format", "json"]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 1, result.output
        return {Path(r["path"]).stem: r for r in map(json.loads, result.stdout.splitlines())}

    rows = checked(tmp_path / "empty")
    _ingest([awards], settings, store)
    for name in ("listed", "unlisted"):
        assert rows[name]["risk"] == store.document(_by_file(store, f"{name}.html")).risk.value
    assert (rows["listed"]["risk"], rows["unlisted"]["risk"]) == ("high", "medium")
    vendor = [f for f in rows["listed"]["flags"] if f["rule"] == "context.vendor.sanctioned"]
    assert [(f["text"], f["signal"]) for f in vendor] == [(LISTED, True)]
    _import_a_list_naming(UNLISTED, tmp_path, tmp_path / "lists")
    assert checked(tmp_path / "lists")["unlisted"]["risk"] == "high"
