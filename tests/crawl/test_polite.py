"""robots.txt handling and retry arithmetic of the polite fetcher."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from tenderwatch.crawl.definition import RateSpec
from tenderwatch.crawl.polite import PoliteFetcher, RobotsDisallowed, retry_after
from tenderwatch.fetch import make_client


def _fetcher(settings):
    client = make_client(settings)
    return PoliteFetcher(settings, RateSpec(min_delay_s=0, concurrency=1), warc=None, client=client)


def test_robots_5xx_keeps_the_crawler_out(portal, settings):
    portal.state.robots = (503, "down")
    with pytest.raises(RobotsDisallowed, match="HTTP 503"):
        _fetcher(settings).get(portal.base + "/list?page=1")
    assert portal.state.hits()["/list"] == 0


def test_robots_404_means_no_rules(portal, settings):
    portal.state.robots = (404, "")
    result = _fetcher(settings).get(portal.base + "/private/anything")
    assert result.status == 404  # fetched: a missing robots.txt allows everything


def test_robots_rules_for_our_agent(portal, settings):
    portal.state.robots = (
        200,
        "User-agent: tenderwatch\nDisallow: /list\n\nUser-agent: *\nAllow: /\n",
    )
    fetcher = _fetcher(settings)
    with pytest.raises(RobotsDisallowed, match="disallows"):
        fetcher.get(portal.base + "/list?page=1")
    assert fetcher.get(portal.base + "/notice/n1").status == 200
    assert portal.state.hits()["/robots.txt"] == 1  # read once per host


def test_crawl_delay_raises_the_host_delay(portal, settings):
    portal.state.robots = (200, "User-agent: *\nCrawl-delay: 1\n")
    fetcher = _fetcher(settings)
    fetcher.get(portal.base + "/notice/n1")
    assert fetcher.limiter.delay == 1  # robotparser reads whole seconds only


def test_crawl_delay_ignored_when_rate_limits_are_off(portal, settings):
    portal.state.robots = (200, "User-agent: *\nCrawl-delay: 5\n")
    fetcher = _fetcher(settings.model_copy(update={"crawl_rate_limits": False}))
    fetcher.get(portal.base + "/notice/n1")
    assert fetcher.limiter.delay == 0


def test_retries_stop_after_the_setting(portal, settings):
    portal.state.notices["n1"].status = 503
    result = _fetcher(settings.model_copy(update={"crawl_retries": 2})).get(
        portal.base + "/notice/n1"
    )
    assert result.status == 503
    assert portal.state.hits()["/notice/n1"] == 3


def test_retry_after_forms():
    assert retry_after("7") == 7.0
    assert retry_after(None) is None
    assert retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    assert 50 < retry_after(later) <= 60
    earlier = format_datetime(datetime.now(UTC) - timedelta(seconds=60), usegmt=True)
    assert retry_after(earlier) == 0.0


def test_backoff_is_capped(settings):
    fetcher = _fetcher(
        settings.model_copy(update={"crawl_backoff_s": 10, "crawl_max_backoff_s": 15})
    )
    assert fetcher._backoff(0, None) == 10
    assert fetcher._backoff(3, None) == 15
