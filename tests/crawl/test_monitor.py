"""Takedown and change events: a notice that changes, vanishes, redirects home or is
withdrawn between two watch rounds is recorded as evidence; both versions are kept."""

from __future__ import annotations

from datetime import date

from tenderwatch.crawl import CrawlState, EventKind, watch_once
from tenderwatch.crawl.state import UrlState
from tenderwatch.fetch import WarcWriter

TODAY = date(2024, 1, 5)


def _round(source, settings, store, tmp_path, **kwargs):
    with WarcWriter(tmp_path / "warc") as warc:
        return watch_once(
            [source], settings=settings, store=store, warc=warc, today=TODAY, **kwargs
        )


def test_changed_vanished_redirected_and_withdrawn_notices(
    portal, source, settings, store, tmp_path
):
    first = _round(source, settings, store, tmp_path)
    assert first.complete and first.rechecks[0].checked == 0  # just captured: not re-checked
    state = CrawlState.for_store(store)
    try:
        old = {t.url: t.doc_id for t in state.captured("fixture")}
    finally:
        state.close()
    notices = portal.state.notices
    notices["n1"].text += "（更正：增加设备数量）"
    notices["n2"].status = 404
    notices["n3"].to_home = True
    notices["n4"].removed = True
    second = _round(source, settings, store, tmp_path)
    events = {e.url.rsplit("/", 1)[1]: e for e in second.rechecks[0].events}
    assert {k: e.kind for k, e in events.items()} == {
        "n1": EventKind.CHANGED,
        "n2": EventKind.VANISHED,
        "n3": EventKind.REDIRECTED,
        "n4": EventKind.REMOVED,
    }
    n1 = portal.base + "/notice/n1"
    assert events["n1"].old_doc_id == old[n1] != events["n1"].new_doc_id
    assert store.has_document(old[n1]) and store.has_document(events["n1"].new_doc_id)
    assert events["n2"].http_status == 404 and events["n2"].new_doc_id is None
    assert events["n3"].detail == f"redirects to {portal.base}/"
    assert second.rechecks[0].unchanged == 1  # n5
    state = CrawlState.for_store(store)
    try:
        stored = state.events("fixture")
        assert sorted(e.kind for e in stored) == sorted(events[k].kind for k in events)
        by_url = {t.url: t for t in state.all_urls("fixture")}
        assert (
            by_url[n1].state is UrlState.CAPTURED and by_url[n1].doc_id == events["n1"].new_doc_id
        )
        for gone in ("n2", "n3", "n4"):
            assert by_url[f"{portal.base}/notice/{gone}"].state is UrlState.GONE
    finally:
        state.close()
    # Gone notices are not re-checked again; the changed one is, and is now unchanged.
    third = _round(source, settings, store, tmp_path)
    assert third.rechecks[0].events == [] and third.rechecks[0].checked == 2


def test_recheck_uses_etag_and_counts_304_as_unchanged(portal, source, settings, store, tmp_path):
    for notice in portal.state.notices.values():
        notice.etag = '"v1"'
    _round(source, settings, store, tmp_path)
    _round(source, settings, store, tmp_path)
    rechecks = [
        h for p, h in portal.state.requests if p.startswith("/notice/") and "If-None-Match" in h
    ]
    assert len(rechecks) == 5 and {h["If-None-Match"] for h in rechecks} == {'"v1"'}


def test_flagged_only_recheck_skips_unflagged_notices(
    portal, make_source, settings, store, tmp_path
):
    source = make_source(recheck="flagged")
    _round(source, settings, store, tmp_path)
    before = portal.state.hits()
    second = _round(source, settings, store, tmp_path)
    new = portal.state.hits() - before
    # Only n1 carries flagged text; the others are ordinary procurement.
    assert {p for p in new if p.startswith("/notice/")} == {"/notice/n1"}
    assert second.rechecks[0].checked == 1


def test_unchanged_bytes_make_no_event(portal, source, settings, store, tmp_path):
    _round(source, settings, store, tmp_path)
    documents = store.count_documents()
    second = _round(source, settings, store, tmp_path)
    assert second.rechecks[0].events == [] and second.rechecks[0].unchanged == 5
    assert store.count_documents() == documents
