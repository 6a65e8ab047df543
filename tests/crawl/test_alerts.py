"""Alerts for new flags: saved searches, an Atom feed, a webhook POST to a local receiver
and mail to a local SMTP server, each delivered once."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date
from email import message_from_bytes
from email.policy import default

import pytest

from tenderwatch.crawl import SavedSearch, atom_feed, load_searches, watch_once
from tenderwatch.crawl.alerts import InvalidAlerts
from tenderwatch.fetch import WarcWriter

ATOM = "{http://www.w3.org/2005/Atom}"


def _round(source, settings, store, tmp_path, searches):
    with WarcWriter(tmp_path / "warc") as warc:
        return watch_once(
            [source],
            settings=settings,
            store=store,
            warc=warc,
            today=date(2024, 1, 5),
            searches=searches,
        )


def test_new_flags_reach_webhook_and_mail_once(
    portal, source, settings, store, tmp_path, webhook, smtp_server
):
    settings = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp_server.server_address[1]}
    )
    search = SavedSearch(
        name="ethnic-high",
        min_severity="high",
        webhook=f"http://127.0.0.1:{webhook.server_address[1]}/hook",
        email=["researcher@example.invalid"],
    )
    result = _round(source, settings, store, tmp_path, [search])
    assert result.alerts, "the flagged fixture notice must raise an alert"
    assert {a.url for a in result.alerts} == {portal.base + "/notice/n1"}
    assert result.delivery.errors == []
    assert result.delivery.sent == 2 * len(result.alerts)

    [posted] = webhook.received
    payload = json.loads(posted)
    assert payload["search"] == "ethnic-high"
    assert {a["doc_id"] for a in payload["alerts"]} == {result.alerts[0].doc_id}
    assert all(a["quote"] and a["severity"] == "high" for a in payload["alerts"])

    [raw] = smtp_server.messages
    mail = message_from_bytes(raw, policy=default)
    assert smtp_server.recipients == ["researcher@example.invalid"]
    assert "ethnic-high" in mail["Subject"]
    body = mail.get_content()
    assert result.alerts[0].quote in body and result.alerts[0].doc_id in body

    # A later round with nothing new sends nothing again.
    again = _round(source, settings, store, tmp_path, [search])
    assert again.delivery.sent == 0
    assert len(webhook.received) == 1 and len(smtp_server.messages) == 1


def test_search_filters_by_category_and_query(portal, source, settings, store, tmp_path):
    searches = [
        SavedSearch(name="religion-only", min_severity="low", categories=["religion"]),
        SavedSearch(name="wrong-query", min_severity="low", query="不存在的词语组合"),
        SavedSearch(name="any", min_severity="low", query="人脸识别"),
    ]
    result = _round(source, settings, store, tmp_path, searches)
    assert {a.search for a in result.alerts} == {"any"}


def test_failed_webhook_is_reported_and_retried_later(
    portal, source, settings, store, tmp_path, webhook
):
    dead = SavedSearch(name="s", min_severity="low", webhook="http://127.0.0.1:9/nothing-listens")
    result = _round(source, settings, store, tmp_path, [dead])
    assert result.alerts and result.delivery.sent == 0
    assert result.delivery.errors and "s webhook" in result.delivery.errors[0]


def test_atom_feed_quotes_evidence(portal, source, settings, store, tmp_path):
    result = _round(
        source, settings, store, tmp_path, [SavedSearch(name="all", min_severity="low")]
    )
    feed = ET.fromstring(atom_feed(result.alerts, title="tenderwatch alerts", feed_id="urn:x"))
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(result.alerts) > 0
    first, alert = entries[0], result.alerts[0]
    assert first.find(f"{ATOM}link").get("href") == portal.base + "/notice/n1"
    assert alert.quote in first.find(f"{ATOM}summary").text
    assert first.find(f"{ATOM}id").text == f"urn:tenderwatch:alert:{alert.id}"
    assert first.find(f"{ATOM}category").get("term") == alert.category


def test_saved_searches_file(tmp_path):
    path = tmp_path / "alerts.yaml"
    path.write_text(
        "searches:\n  - name: ethnic\n    min_severity: medium\n    categories: [ethnic]\n",
        encoding="utf-8",
    )
    [search] = load_searches(path)
    assert search.wants("ethnic.attribute.face", "high")
    assert not search.wants("ethnic.attribute.face", "low")
    assert not search.wants("religion.practice", "high")
    path.write_text("searches:\n  - name: x\n    min_severity: extreme\n", encoding="utf-8")
    with pytest.raises(InvalidAlerts, match="search 1: min_severity"):
        load_searches(path)
