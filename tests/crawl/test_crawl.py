"""Crawling the fixture portal end to end: real server, real WARC files, real archive."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from tenderwatch.crawl import CrawlState, crawl
from tenderwatch.crawl.state import UrlState
from tenderwatch.fetch import WarcWriter

TODAY = date(2024, 1, 5)


def _run(source, settings, store, warc_dir: Path):
    with WarcWriter(warc_dir) as warc:
        return crawl(source, settings=settings, store=store, warc=warc, today=TODAY)


def _warc_responses(warc_dir: Path) -> dict[str, list[str]]:
    """Target URI -> HTTP statuses of every response record in the folder's WARC files."""
    found: dict[str, list[str]] = {}
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    found.setdefault(uri, []).append(record.http_headers.get_statuscode())
    return found


def test_crawl_captures_every_notice_and_attachment(portal, source, settings, store, tmp_path):
    report = _run(source, settings, store, tmp_path / "warc")
    assert report.complete, report.problems
    assert (report.announced, report.listed, report.new_notices) == (5, 5, 5)
    assert (report.captured, report.attachments, report.failed) == (5, 5, [])
    assert store.count_documents() == 10
    hits = portal.state.hits()
    assert hits["/list"] == 3  # pages of 2, 2 and 1: stops once the announced total is listed
    assert "/notice/n1/print" not in hits  # filtered by attachment_pattern
    responses = _warc_responses(tmp_path / "warc")
    assert responses[portal.base + "/robots.txt"] == ["200"]
    for i in range(1, 6):
        assert responses[f"{portal.base}/notice/n{i}"] == ["200"]
        assert responses[f"{portal.base}/files/n{i}.txt"] == ["200"]
    state = CrawlState.for_store(store)
    try:
        captured = {t.url: t for t in state.all_urls("fixture")}
        assert all(t.state is UrlState.CAPTURED and t.doc_id for t in captured.values())
        assert captured[portal.base + "/notice/n1"].title == "示例采购项目1公告"
        assert captured[portal.base + "/notice/n1"].published == TODAY
        assert captured[portal.base + "/files/n1.txt"].parent == portal.base + "/notice/n1"
        assert len(state.runs("fixture")) == 1
    finally:
        state.close()


def test_429_and_503_are_retried_and_archived(portal, source, settings, store, tmp_path):
    portal.state.once = {"/notice/n2": 429, "/list": 503}
    report = _run(source, settings, store, tmp_path / "warc")
    assert report.complete, report.problems
    assert portal.state.hits()["/notice/n2"] == 2
    responses = _warc_responses(tmp_path / "warc")
    assert responses[portal.base + "/notice/n2"] == ["429", "200"]


def test_slow_pages_are_waited_for(portal, source, settings, store, tmp_path):
    portal.state.slow = {"/notice/n3", "/files/n3.txt"}
    report = _run(source, settings, store, tmp_path / "warc")
    assert report.complete and report.captured == 5


def test_persistent_failure_is_reported_loudly(portal, source, settings, store, tmp_path):
    portal.state.notices["n4"].status = 500
    report = _run(source, settings, store, tmp_path / "warc")
    assert not report.complete
    assert [f.url for f in report.failed] == [portal.base + "/notice/n4"]
    assert report.failed[0].reason == "HTTP 500"
    assert portal.state.hits()["/notice/n4"] == settings.crawl_retries + 1
    assert "1 announced notices or attachments are not captured yet" in report.problems


def test_second_run_fetches_only_what_is_new(portal, source, settings, store, tmp_path):
    _run(source, settings, store, tmp_path / "warc")
    before = portal.state.hits()
    portal.state.notices["n6"] = portal.state.notices["n5"].__class__(
        title="新公告", text="新增项目"
    )
    report = _run(source, settings, store, tmp_path / "warc")
    after = portal.state.hits()
    assert report.complete and report.new_notices == 1 and report.captured == 1
    new_requests = after - before
    assert {p for p in new_requests if p.startswith(("/notice", "/files"))} == {
        "/notice/n6",
        "/files/n6.txt",
    }


def test_a_failed_notice_is_retried_on_the_next_run(portal, source, settings, store, tmp_path):
    portal.state.notices["n4"].status = 503
    assert not _run(source, settings, store, tmp_path / "warc").complete
    portal.state.notices["n4"].status = 200
    report = _run(source, settings, store, tmp_path / "warc")
    assert report.complete and report.captured == 1


def test_robots_disallowed_links_are_never_fetched(portal, source, settings, store, tmp_path):
    portal.state.extra_links = ["/private/secret-notice"]
    report = _run(source, settings, store, tmp_path / "warc")
    assert "/private/secret-notice" not in portal.state.hits()
    assert any("robots.txt disallows" in f.reason for f in report.failed)
    assert not report.complete


def test_list_showing_less_than_announced_is_incomplete(portal, source, settings, store, tmp_path):
    portal.state.announce = 9
    report = _run(source, settings, store, tmp_path / "warc")
    assert report.captured == 5
    assert not report.complete
    assert any("announced 9 notices but its list pages showed 5" in p for p in report.problems)


def test_per_host_concurrency_is_respected(portal, make_source, settings, store, tmp_path):
    portal.state.slow = {"/notice/n1", "/notice/n2", "/notice/n3"}
    source = make_source(rate={"min_delay_s": 0, "concurrency": 1})
    _run(source, settings, store, tmp_path / "warc")
    assert portal.state.max_in_flight == 1


def test_resume_skips_finished_windows(portal, make_source, settings, store, tmp_path):
    listing = dict(make_source().listing.model_dump(), lookback_days=2)
    source = make_source(listing=listing)
    _run(source, settings, store, tmp_path / "warc")
    assert portal.state.hits()["/list"] == 3 * 3  # three one-day windows
    _run(source, settings, store, tmp_path / "warc")
    # Past windows were read to the end already; only today's window is read again.
    assert portal.state.hits()["/list"] == 3 * 3 + 3


def test_list_page_that_does_not_parse_is_a_window_error(
    portal, make_source, settings, store, tmp_path
):
    listing = dict(make_source().listing.model_dump(), format="json", items="hits")
    report = _run(make_source(listing=listing), settings, store, tmp_path / "warc")
    assert not report.complete
    assert "list page 1: list page is not JSON" in report.windows[0].error
    assert report.captured == 0


def test_a_broken_adapter_costs_the_notice_not_the_crawl(portal, source, settings, store, tmp_path):
    from tenderwatch.crawl import ADAPTERS, Adapter

    class Broken(Adapter):
        def parse_notice(self, source, body, url, content_type):
            if url.endswith("/n2"):
                raise RuntimeError("unexpected page layout")
            return super().parse_notice(source, body, url, content_type)

    ADAPTERS.add("broken-for-test", Broken())
    broken = source.model_copy(update={"adapter": "broken-for-test"})
    report = _run(broken, settings, store, tmp_path / "warc")
    assert report.captured == 4 and not report.complete
    assert [f.url for f in report.failed] == [portal.base + "/notice/n2"]
    assert "unexpected page layout" in report.failed[0].reason
