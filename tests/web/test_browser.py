"""The workbench in a real browser: Playwright driving Debian's chromium against uvicorn on
127.0.0.1. Screenshots of the main pages go to test-artifacts/web/."""

from __future__ import annotations

import json
import socket
import threading
import zipfile
from pathlib import Path

import pytest
import uvicorn

from tenderwatch.web import create_app

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
RULE = "ethnic.attribute.face"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server_url(settings):
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=free_port(), log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    while thread.is_alive() and not server.started:
        started.wait(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{config.port}"
    server.should_exit = True
    thread.join()


@pytest.fixture
def page(server_url):
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        context = browser.new_context(
            viewport={"width": 1400, "height": 900}, accept_downloads=True, base_url=server_url
        )
        tab = context.new_page()
        problems: list[str] = []
        tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: problems.append(str(e)))
        tab.problems = problems  # type: ignore[attr-defined]
        yield tab
        browser.close()


def test_review_walkthrough(page, store, find_doc, tmp_path):
    county = find_doc("海南省XX县公安局")

    # dashboard
    page.goto("/")
    assert page.locator(".stats").inner_text().count("flagged") == 1
    page.screenshot(path=ARTIFACTS / "dashboard.png", full_page=True)

    # filter the queue from the form
    page.click("nav >> text=Queue")
    page.select_option("select[name=category]", "ethnic.attribute")
    page.select_option("select[name=region]", "460000")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/queue?*category=ethnic.attribute*")
    rows = page.locator("tr[data-item]")
    assert rows.count() == 2  # two rules on the county award
    page.screenshot(path=ARTIFACTS / "queue-filtered.png", full_page=True)

    # open the flagged document and see the highlighted evidence
    page.locator(f'tr[data-item] a.open[href^="/documents/{county}#rule-{RULE}"]').click()
    page.wait_for_url(f"**/documents/{county}*")
    marked = page.locator("mark.hl.sev-high").first
    assert marked.is_visible() and "少数民族特征" in "".join(
        page.locator("mark.hl").all_inner_texts()
    )
    card = page.locator(f'section[id="rule-{RULE}"]')
    assert "References" not in card.inner_text()  # rationale is folded away until asked
    page.screenshot(path=ARTIFACTS / "document.png", full_page=True)

    # confirm the flag with a note (htmx swaps the review panel in place)
    card.locator("input[name=note]").fill("型号与中标公告一致")
    card.locator("button[value=confirmed]").click()
    card.locator(".badge.st-confirmed").wait_for()
    assert "型号与中标公告一致" in card.inner_text()
    (decision,) = store.decisions(county)
    assert (decision.status.value, decision.note, decision.reviewer) == (
        "confirmed", "型号与中标公告一致", "local",
    )  # fmt: skip
    page.screenshot(path=ARTIFACTS / "document-confirmed.png", full_page=True)

    # keyboard triage in the queue: j selects the first row, r rejects it
    page.goto("/queue?status=pending&sort=document")
    first = page.locator("tr[data-item]").first
    first_text = first.inner_text()
    page.keyboard.press("j")
    assert "selected" in (first.get_attribute("class") or "")
    page.keyboard.press("r")
    first.locator(".badge.st-rejected").wait_for()
    assert first.inner_text() != first_text
    second = page.locator("tr[data-item]").nth(1)
    assert "selected" in (second.get_attribute("class") or "")  # moved on to the next row
    page.screenshot(path=ARTIFACTS / "queue-triage.png", full_page=True)

    # search in Chinese
    page.click("nav >> text=Search")
    page.fill("input[name=q]", "斋月预警")
    page.click("form.filters button[type=submit]")
    hit = page.locator("li.hit")
    assert hit.count() == 1
    assert hit.locator("mark").first.inner_text() == "斋月预警"
    page.screenshot(path=ARTIFACTS / "search.png", full_page=True)

    # export the evidence pack of a filtered view and check its manifest
    page.goto("/queue?region=460000")
    with page.expect_download() as download:
        page.click("text=Evidence pack")
    path = tmp_path / "pack.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as pack:
        manifest = json.loads(pack.read("manifest.json"))
        sums = pack.read("SHA256SUMS").decode()
    assert [d["sha256"] for d in manifest["documents"]] == [county]
    assert [f["decision"]["note"] for f in manifest["findings"]] == ["型号与中标公告一致"]
    assert f"originals/{county}.html" in sums

    # a product page lists its procurements and findings
    page.goto("/entities/product")
    page.click("text=DS-IF0100-AI")
    assert page.locator("text=海南省XX县公安局人像智能分析平台中标公告").count() == 1
    page.screenshot(path=ARTIFACTS / "product.png", full_page=True)

    assert page.problems == []  # type: ignore[attr-defined]  (no CSP violations, no JS errors)


def test_hostile_document_is_inert(page, find_doc):
    hostile = find_doc("window.__pwned")
    page.goto(f"/documents/{hostile}")
    text = page.locator("pre.text").inner_text()
    assert "<script>window.__pwned = 1</script>" in text
    assert '<img src=x onerror="window.__pwned = 2">' in text
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("pre.text img, pre.text script, pre.text b").count() == 0
    page.screenshot(path=ARTIFACTS / "hostile-document.png", full_page=True)
    assert page.problems == []  # type: ignore[attr-defined]
