"""Evidence packs: originals, WARC records, HTML+PDF report of confirmed findings, manifest."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from tenderwatch.blobs import BlobStore
from tenderwatch.cli import web as _web_commands  # noqa: F401  (registers the commands)
from tenderwatch.cli.app import app as cli
from tenderwatch.evidence import build_pack
from tenderwatch.review import QueueFilter, ReviewError, decide
from tenderwatch.store.base import DecisionStatus
from tenderwatch.web import create_app

RULE = "ethnic.attribute.face"


def verify(pack: zipfile.ZipFile) -> dict:
    """Check SHA256SUMS against every file, as `sha256sum -c` would; return the manifest."""
    sums = pack.read("SHA256SUMS").decode().splitlines()
    listed = {}
    for line in sums:
        digest, name = line.split("  ", 1)
        listed[name] = digest
        assert hashlib.sha256(pack.read(name)).hexdigest() == digest, name
    assert set(listed) == set(pack.namelist()) - {"SHA256SUMS"}
    return json.loads(pack.read("manifest.json"))


def test_pack_of_a_filtered_view(store, settings, find_doc, tmp_path):
    county = find_doc("海南省XX县公安局")
    decide(store, county, RULE, DecisionStatus.CONFIRMED, reviewer="ana", note="型号见第1页")
    decide(store, county, "ethnic.attribute.hikvision_ds_if0100", DecisionStatus.REJECTED,
           reviewer="ana")  # fmt: skip
    out = tmp_path / "pack.zip"
    summary = build_pack(store, settings, QueueFilter(region="460000"), out)
    assert (summary.documents, summary.findings, summary.problems) == (1, 1, [])
    with zipfile.ZipFile(out) as pack:
        manifest = verify(pack)
        original = pack.read(f"originals/{county}.html")
        assert hashlib.sha256(original).hexdigest() == county
        assert manifest["filter"] == {"region": "460000"}
        assert [f["rule"]["id"] for f in manifest["findings"]] == [RULE]
        finding = manifest["findings"][0]
        assert finding["decision"]["note"] == "型号见第1页"
        assert finding["quotes"][0]["text"] and finding["quotes"][0]["page"] == 1
        report = pack.read("report.html").decode()
        assert "少数民族特征" in report and county in report and "型号见第1页" in report
        assert finding["rule"]["references"][0]["url"] in report
        assert "hikvision_ds_if0100</code>" not in report  # rejected: not a finding
        pdf = pack.read("report.pdf")
        assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf  # the CJK font is embedded


def test_pack_carries_warc_records(store, settings, find_doc, tmp_path):
    temple = find_doc("寺庙智能化管理平台")
    capture = store.captures(temple)[0]
    out = tmp_path / "pack.zip"
    summary = build_pack(store, settings, QueueFilter(region="540000"), out)
    assert summary.warc_records == 1
    with zipfile.ZipFile(out) as pack:
        manifest = verify(pack)
        (name,) = manifest["documents"][0]["warc_records"]
        records = [
            (r.rec_headers.get_header("WARC-Record-ID"), r.content_stream().read())
            for r in ArchiveIterator(io.BytesIO(pack.read(name)))
        ]
        assert len(records) == 1
        record_id, body = records[0]
        assert record_id == capture.warc_record_id
        assert hashlib.sha256(body).hexdigest() == temple
        report = pack.read("report.html").decode()
        assert "No confirmed findings in this view." in report


def test_hostile_text_in_the_report_is_escaped(store, settings, find_doc, tmp_path):
    hostile = find_doc("window.__pwned")
    decide(store, hostile, RULE, DecisionStatus.CONFIRMED, reviewer="ana",
           note="<script>alert(1)</script>")  # fmt: skip
    out = tmp_path / "pack.zip"
    build_pack(store, settings, QueueFilter(doc_ids=[hostile]), out)
    with zipfile.ZipFile(out) as pack:
        report = pack.read("report.html").decode()
        verify(pack)
    assert "<script>" not in report and "&lt;script&gt;alert(1)&lt;/script&gt;" in report


def test_pack_limit_and_missing_font(store, settings, tmp_path):
    with pytest.raises(ReviewError, match="more than the pack limit"):
        build_pack(store, settings, QueueFilter(), tmp_path / "a.zip", max_documents=1)
    with pytest.raises(ReviewError, match="CJK font"):
        build_pack(store, settings, QueueFilter(), tmp_path / "b.zip", font=tmp_path / "no.ttc")


def test_pack_records_a_missing_original(store, settings, find_doc, tmp_path):
    county = find_doc("海南省XX县公安局")
    BlobStore(settings.data_dir / "blobs").path_for(county).unlink()
    summary = build_pack(store, settings, QueueFilter(doc_ids=[county]), tmp_path / "p.zip")
    assert summary.problems == [f"{county}: original bytes are not in the blob store"]


def test_export_button_and_cli(settings, store, find_doc, tmp_path):
    with TestClient(create_app(settings)) as client:
        response = client.get("/export.zip", params={"category": "religion.practice"})
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/zip"
        assert "attachment" in response.headers["content-disposition"]
        with zipfile.ZipFile(io.BytesIO(response.content)) as pack:
            manifest = verify(pack)
        assert [d["title"] for d in manifest["documents"]] == [
            "福建省XX学院智慧校园平台采购项目招标公告"
        ]
        assert client.get("/export.zip", params={"region": "xx"}).status_code == 422
    out = tmp_path / "cli.zip"
    result = CliRunner().invoke(
        cli, ["export-pack", str(out), "--product", "DS-IF0100-AI", "--data-dir",
              str(settings.data_dir), "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["documents"] == 1
    with zipfile.ZipFile(out) as pack:
        verify(pack)


def test_export_from_search_keeps_to_the_hits(settings):
    with TestClient(create_app(settings)) as client:
        page = client.get("/search", params={"q": "斋月预警"}).text
        assert 'href="/export.zip?q=%E6%96%8B%E6%9C%88%E9%A2%84%E8%AD%A6"' in page
        response = client.get("/export.zip", params={"q": "斋月预警"})
        with zipfile.ZipFile(io.BytesIO(response.content)) as pack:
            manifest = verify(pack)
        assert [d["title"] for d in manifest["documents"]] == [
            "福建省XX学院智慧校园平台采购项目招标公告"
        ]
