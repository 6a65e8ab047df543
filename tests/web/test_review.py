"""Decisions: history, concurrency, re-scans, refusal of unknown flags, CSRF on the web."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tenderwatch.ingest import rescan
from tenderwatch.model import Flag, Severity
from tenderwatch.review import (
    QueueFilter,
    ReviewError,
    ReviewStatus,
    connect,
    current_decisions,
    decide,
    document_view,
    queue,
    segment_page,
)
from tenderwatch.store.base import DecisionStatus, open_store
from tenderwatch.web import create_app

RULE = "ethnic.attribute.face"


@pytest.fixture
def county(find_doc):
    return find_doc("海南省XX县公安局")


def status_of(store, doc_id, rule=RULE):
    items = queue(store, QueueFilter(doc_ids=[doc_id])).items
    return next(i for i in items if i.rule == rule)


def test_decisions_are_history_not_overwrites(store, county):
    decide(store, county, RULE, DecisionStatus.UNSURE, reviewer="ana", note="check the model")
    decide(store, county, RULE, DecisionStatus.CONFIRMED, reviewer="ben", note="quoted in award")
    history = store.decisions(county)
    assert [(d.reviewer, d.status) for d in history] == [
        ("ana", DecisionStatus.UNSURE),
        ("ben", DecisionStatus.CONFIRMED),
    ]
    item = status_of(store, county)
    assert (item.status, item.reviewer, item.note) == (
        ReviewStatus.CONFIRMED,
        "ben",
        "quoted in award",
    )
    view = document_view(store, county)
    review = next(r for r in view.reviews if r.rule.id == RULE)
    assert review.current is not None and review.current.reviewer == "ben"
    assert len(review.history) == 2


def test_rescan_never_loses_a_decision(store, county):
    decide(store, county, RULE, DecisionStatus.CONFIRMED, reviewer="ana")
    summary = rescan(store)
    assert summary.documents == store.count_documents()
    assert status_of(store, county).status is ReviewStatus.CONFIRMED
    assert len(store.decisions(county)) == 1


def test_simultaneous_decisions_latest_by_time_then_id(store, county):
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    decide(store, county, RULE, DecisionStatus.CONFIRMED, reviewer="ana", at=at)
    decide(store, county, RULE, DecisionStatus.REJECTED, reviewer="ben", at=at)
    history = store.decisions(county)
    assert len(history) == 2  # both kept
    # Same decided_at: the tie is broken by the content-derived id, the same way in the
    # store's history order, in current_decisions and in the queue's SQL.
    latest = current_decisions(history)[RULE]
    assert latest == history[-1]
    assert status_of(store, county).status.value == latest.status.value
    assert status_of(store, county).reviewer == latest.reviewer


def test_concurrent_writers_both_kept(settings, county):
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(name: str, status: DecisionStatus) -> None:
        store = open_store(settings)
        try:
            barrier.wait()
            decide(store, county, RULE, status, reviewer=name)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            store.close()

    threads = [
        threading.Thread(target=worker, args=("ana", DecisionStatus.CONFIRMED)),
        threading.Thread(target=worker, args=("ben", DecisionStatus.REJECTED)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = open_store(settings)
    try:
        history = store.decisions(county)
        assert {d.reviewer for d in history} == {"ana", "ben"}
        assert status_of(store, county).reviewer == history[-1].reviewer
    finally:
        store.close()


def test_decision_on_a_rule_never_flagged_is_refused(store, county, find_doc):
    with pytest.raises(ReviewError):
        decide(store, county, "religion.practice.fasting", DecisionStatus.CONFIRMED, reviewer="a")
    negative = find_doc("清真餐厅")
    with pytest.raises(ReviewError):
        decide(store, negative, RULE, DecisionStatus.CONFIRMED, reviewer="a")
    assert store.decisions(county) == []


def test_status_filter_follows_current_decision(store, county):
    decide(store, county, RULE, DecisionStatus.REJECTED, reviewer="ana")
    rejected = queue(store, QueueFilter(status=ReviewStatus.REJECTED)).items
    assert [(i.doc_id, i.rule) for i in rejected] == [(county, RULE)]
    pending = queue(store, QueueFilter(status=ReviewStatus.PENDING)).items
    assert (county, RULE) not in {(i.doc_id, i.rule) for i in pending}


def _flag(start: int, end: int) -> Flag:
    return Flag(rule="a.b", category="a", severity=Severity.HIGH, text="x", page=1, start=start,
                end=end, context="", ruleset_version="1")  # fmt: skip


def test_segments_mark_overlaps_and_page_offsets():
    text = "abcdefghij"
    segments = segment_page(text, 100, [_flag(102, 106), _flag(104, 108), _flag(50, 60)])
    assert [(s.text, s.flags) for s in segments] == [
        ("ab", []),
        ("cd", [0]),
        ("ef", [0, 1]),
        ("gh", [1]),
        ("ij", []),
    ]
    assert "".join(s.text for s in segments) == text


# -- through the web ------------------------------------------------------------------------


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings)) as c:
        yield c


def csrf_of(client) -> str:
    page = client.get("/queue").text
    return page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


def test_web_decision_with_csrf(client, store, county):
    token = csrf_of(client)
    response = client.post(
        "/decisions",
        data={"doc_id": county, "rule": RULE, "status": "confirmed", "note": "<b>sure</b>",
              "csrf_token": token},
        headers={"Accept": "application/json"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "confirmed"
    assert response.json()["reviewer"] == "local"
    page = client.get(f"/documents/{county}").text
    assert "&lt;b&gt;sure&lt;/b&gt;" in page and "<b>sure</b>" not in page


def test_web_decision_htmx_returns_the_panel(client, county):
    response = client.post(
        "/decisions?compact=1",
        data={"doc_id": county, "rule": RULE, "status": "unsure"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf_of(client)},
    )
    assert response.status_code == 200
    assert 'class="badge st-unsure"' in response.text
    assert response.text.lstrip().startswith('<div class="review-box"')


def test_web_decision_form_post_redirects_to_the_document(client, county):
    response = client.post(
        "/decisions",
        data={"doc_id": county, "rule": RULE, "status": "rejected", "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/documents/{county}#rule-{RULE}"


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_web_decision_without_csrf_is_refused(client, store, county, token):
    data = {"doc_id": county, "rule": RULE, "status": "confirmed"}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/decisions", data=data)
    assert response.status_code == 403
    assert store.decisions(county) == []


def test_web_decision_bad_input(client, county):
    token = csrf_of(client)
    base = {"doc_id": county, "rule": RULE, "status": "confirmed", "csrf_token": token}
    assert client.post("/decisions", data={**base, "status": "maybe"}).status_code == 422
    assert client.post("/decisions", data={**base, "doc_id": "../x"}).status_code == 422
    assert client.post("/decisions", data={**base, "rule": "no.such"}).status_code == 404
    assert client.post("/decisions", data={**base, "note": "x" * 5000}).status_code == 422
    assert client.post("/decisions", data={**base, "doc_id": "0" * 64}).status_code == 404


def test_unreadable_stored_facts_do_not_break_the_document_view(store, county):
    with connect(store) as db:
        db.execute('UPDATE notice_facts SET facts = \'{"from": "an older version"}\'')
    view = document_view(store, county)
    assert view.facts is None and view.reviews
