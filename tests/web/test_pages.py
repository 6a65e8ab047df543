"""Every page and its JSON twin, the filters, the security headers and hostile text."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tenderwatch.web import create_app
from tenderwatch.web.app import CONTENT_SECURITY_POLICY


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings)) as c:
        yield c


def queue_json(client, **params):
    response = client.get("/queue.json", params=params)
    assert response.status_code == 200, response.text
    return response.json()["queue"]


PAGES = [
    "/",
    "/queue",
    "/search?q=人脸",
    "/entities/buyer",
    "/entities/vendor",
    "/entities/product",
]


@pytest.mark.parametrize("url", PAGES)
def test_page_and_json_twin(client, url):
    page = client.get(url)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<title>" in page.text
    path, _, query = url.partition("?")
    twin_url = (path.rstrip("/") or "/index") + ".json" + (f"?{query}" if query else "")
    twin = client.get(twin_url)
    assert twin.status_code == 200
    assert twin.headers["content-type"] == "application/json"
    # the page URL answers JSON too when asked for it
    negotiated = client.get(url, headers={"Accept": "application/json"})
    assert negotiated.json() == twin.json() or path == "/"  # dashboard lists times that move


def test_dashboard_counts(client, store):
    data = client.get("/index.json").json()
    assert data["documents"] == store.count_documents()
    categories = {bar["label"]: bar["count"] for bar in data["by_category"]}
    assert categories["ethnic.attribute"] == 2  # the county award and the hostile notice
    assert categories["religion.practice"] == 1
    assert {bar["label"] for bar in data["by_severity"]} == {"high"}
    regions = {bar["label"]: bar["filter"]["region"] for bar in data["by_region"]}
    assert regions["海南省"] == "460000"
    assert "2022" in {bar["label"] for bar in data["by_year"]}
    assert "海南XX信息技术有限公司" in {bar["label"] for bar in data["by_vendor"]}
    assert data["open_items"] == data["by_status"][0]["count"]
    page = client.get("/").text
    assert "<svg" in page and 'href="/queue?category=ethnic.attribute"' in page


def test_openapi_describes_pages_and_twins(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ["/", "/index.json", "/queue", "/queue.json", "/search.json", "/decisions",
                 "/documents/{doc_id}", "/documents/{doc_id}.json", "/entities/{kind}.json",
                 "/export.zip", "/documents/{doc_id}/original"]:  # fmt: skip
        assert path in paths, path
    schema = paths["/queue.json"]["get"]["responses"]["200"]["content"]["application/json"]
    assert schema["schema"]["$ref"].endswith("/QueuePage")
    # Swagger UI would need a CDN and inline scripts: off
    assert client.get("/docs").status_code == 404


@pytest.mark.parametrize(
    ("params", "expected_buyers"),
    [
        ({"category": "religion.practice"}, {"福建省XX学院"}),
        ({"region": "460000"}, {"海南省XX县公安局"}),
        ({"region": "350000"}, {"福建省XX学院"}),
        ({"buyer": "福建省XX学院"}, {"福建省XX学院"}),
        ({"vendor": "海南XX信息技术有限公司"}, {"海南省XX县公安局"}),
        ({"product": "DS-IF0100-AI"}, {"海南省XX县公安局"}),
        ({"date_from": "2022-12-01", "date_to": "2022-12-31"}, {"海南省XX县公安局"}),
        ({"buyer": "nobody"}, set()),
    ],
)
def test_queue_filters(client, params, expected_buyers):
    items = queue_json(client, **params)["items"]
    assert {i["buyer"] for i in items} == expected_buyers


def test_queue_severity_status_and_sort(client):
    everything = queue_json(client)
    assert everything["total"] == len(everything["items"]) > 3
    assert all(i["severity"] == "high" for i in queue_json(client, severity="high")["items"])
    assert queue_json(client, severity="low")["items"] == []
    assert queue_json(client, status="pending")["total"] == everything["total"]
    assert queue_json(client, status="confirmed")["total"] == 0
    by_date = [i["day"] for i in queue_json(client, sort="date")["items"]]
    assert by_date == sorted(by_date, reverse=True)


def test_bad_filters_are_refused_clearly(client):
    response = client.get("/queue.json", params={"region": "../../etc"})
    assert response.status_code == 422
    assert "region" in response.json()["detail"]
    assert client.get("/queue.json", params={"severity": "extreme"}).status_code == 422
    assert client.get("/queue", params={"sort": "nope"}).status_code == 422


def test_filter_form_keeps_selection_and_export_link(client):
    page = client.get("/queue", params={"category": "religion.practice"}).text
    assert "<option selected>religion.practice</option>" in page
    assert 'href="/export.zip?category=religion.practice"' in page


def test_document_view(client, find_doc):
    doc_id = find_doc("海南省XX县公安局")
    data = client.get(f"/documents/{doc_id}.json").json()
    assert data["document"]["id"] == doc_id
    rules = {r["rule"]["id"] for r in data["reviews"]}
    assert "ethnic.attribute.face" in rules
    face = next(r for r in data["reviews"] if r["rule"]["id"] == "ethnic.attribute.face")
    assert face["rule"]["references"] and face["rule"]["rationale"]
    assert data["facts"]["buyer"]["value"] == "海南省XX县公安局"
    assert data["captures"][0]["kind"] == "file"
    marked = [s for p in data["pages"] for s in p["segments"] if s["flags"]]
    assert any("少数民族特征" in s["text"] for s in marked)
    page = client.get(f"/documents/{doc_id}").text
    assert re.search(
        r'<mark class="hl [^"]*sev-high[^"]*" title="[^"]*ethnic\.attribute\.face', page
    )
    assert f'href="/documents/{doc_id}/original"' in page
    assert 'id="rule-ethnic.attribute.face"' in page


def test_document_view_shows_warc_provenance(client, find_doc):
    doc_id = find_doc("寺庙智能化管理平台")
    data = client.get(f"/documents/{doc_id}.json").json()
    capture = data["captures"][0]
    assert capture["kind"] == "warc" and capture["warc_record_id"] and capture["headers"]
    page = client.get(f"/documents/{doc_id}").text
    assert capture["warc_record_id"].replace("<", "&lt;").replace(">", "&gt;") in page
    assert "HTTP headers" in page


def test_original_is_an_attachment_with_a_safe_name(client, find_doc):
    doc_id = find_doc("window.__pwned")
    response = client.get(f"/documents/{doc_id}/original")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == f'attachment; filename="{doc_id}.txt"'
    assert b"<script>" in response.content  # the exact bytes, untouched


@pytest.mark.parametrize(
    "path",
    [
        "/documents/..%2F..%2Fetc%2Fpasswd",
        "/documents/../../etc/passwd/original",
        "/documents/ABCDEF/original",
        "/documents/" + "0" * 63 + "g/original",
    ],
)
def test_document_urls_accept_only_a_sha256(client, path):
    assert client.get(path).status_code in (404, 422)


def test_unknown_document_is_404(client):
    response = client.get("/documents/" + "0" * 64 + ".json")
    assert response.status_code == 404
    assert client.get("/documents/" + "0" * 64 + "/original").status_code == 404


def test_hostile_text_renders_inert(client, find_doc):
    doc_id = find_doc("window.__pwned")
    page = client.get(f"/documents/{doc_id}").text
    assert "<script>window" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=" in page
    for html in (client.get("/queue").text, client.get("/search", params={"q": "pwned"}).text):
        assert "<script>window" not in html and "<img src=x" not in html
    # the only scripts are our own static files
    assert re.findall(r"<script[^>]*>", page) == [
        '<script src="/static/htmx.min.js" defer>',
        '<script src="/static/app.js" defer>',
    ]
    assert " style=" not in page and "<style" not in page


@pytest.mark.parametrize("url", ["/", "/queue.json", "/static/app.js", "/documents/x", "/nowhere"])
def test_security_headers_everywhere(client, url):
    headers = client.get(url).headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"


def test_search_chinese_english_and_short_terms(client):
    hits = client.get("/search.json", params={"q": "斋月预警"}).json()["hits"]
    assert [h["title"] for h in hits] == ["福建省XX学院智慧校园平台采购项目招标公告"]
    assert hits[0]["snippets"][0]["highlights"]
    two_chars = client.get("/search.json", params={"q": "封斋"}).json()["hits"]
    assert len(two_chars) == 1
    english = client.get("/search.json", params={"q": "pwned"}).json()["hits"]
    assert len(english) == 1
    page = client.get("/search", params={"q": "斋月预警"}).text
    assert "<mark>斋月预警</mark>" in page


def test_search_with_filters(client):
    hits = client.get("/search.json", params={"q": "采购人"}).json()["hits"]
    assert len(hits) >= 3
    narrowed = client.get("/search.json", params={"q": "采购人", "region": "460000"}).json()
    assert [h["title"] for h in narrowed["hits"]] == ["海南省XX县公安局人像智能分析平台中标公告"]
    assert client.get("/search.json", params={"q": "x" * 500}).status_code == 422


def test_entity_pages(client):
    buyers = client.get("/entities/buyer.json").json()["entities"]
    assert {"name": "福建省XX学院", "documents": 1, "flagged_documents": 1} in buyers
    one = client.get("/entities/product.json", params={"name": "DS-IF0100-AI"}).json()
    assert [d["title"] for d in one["documents"]] == ["海南省XX县公安局人像智能分析平台中标公告"]
    assert {i["rule"] for i in one["queue"]["items"]} >= {"ethnic.attribute.face"}
    page = client.get("/entities/vendor", params={"name": "海南XX信息技术有限公司"}).text
    assert "海南省XX县公安局人像智能分析平台中标公告" in page
    assert client.get("/entities/people.json").status_code == 422


def test_static_files_and_vendored_htmx(client):
    js = client.get("/static/htmx.min.js")
    assert js.status_code == 200 and "htmx" in js.text[:2000]
    licence = client.get("/static/htmx-LICENSE.txt").text
    assert "Zero-Clause BSD" in licence and "2.0.11" in licence
    assert client.get("/static/../app.py").status_code == 404
