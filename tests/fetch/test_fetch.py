from __future__ import annotations

import pytest

from tenderwatch.fetch import FetchError, fetch, make_client


def test_ok_page_is_returned_with_headers_and_time(server, local_settings, notices):
    result = fetch(server.base + "/ok", settings=local_settings)
    assert result.status == 200
    assert result.body == notices["utf8"]
    assert result.header("content-type") == "text/html; charset=utf-8"
    assert result.url == result.requested_url == server.base + "/ok"
    assert result.redirects == []
    assert result.fetched_at.tzinfo is not None
    assert result.warc_file is None


def test_user_agent_comes_from_settings(server, local_settings):
    settings = local_settings.model_copy(update={"user_agent": "tw-test/9 (fixture)"})
    fetch(server.base + "/ok", settings=settings)
    assert server.requests[0][2]["User-Agent"] == "tw-test/9 (fixture)"


def test_gbk_bytes_are_kept_exactly(server, local_settings, notices):
    result = fetch(server.base + "/gbk", settings=local_settings)
    assert result.body == notices["gbk"]
    assert result.header("Content-Type") == "text/html; charset=GBK"


def test_gzip_content_encoding_is_undone(server, local_settings, notices):
    result = fetch(server.base + "/gzip", settings=local_settings)
    assert result.body == notices["utf8"]


def test_404_is_returned_not_raised(server, local_settings):
    result = fetch(server.base + "/missing", settings=local_settings)
    assert result.status == 404
    assert result.body == b"<h1>Not Found</h1>"


def test_redirects_are_followed_and_recorded(server, local_settings):
    result = fetch(server.base + "/hop/1", settings=local_settings)
    assert result.status == 200
    assert result.url == server.base + "/ok"
    assert result.requested_url == server.base + "/hop/1"
    assert result.redirects == [server.base + "/hop/1", server.base + "/hop/2"]


def test_redirect_limit_is_a_setting(server, local_settings):
    settings = local_settings.model_copy(update={"http_max_redirects": 1})
    with pytest.raises(FetchError) as caught:
        fetch(server.base + "/hop/1", settings=settings)
    assert "http_max_redirects" in caught.value.reason


def test_redirect_loop_is_detected(server, local_settings):
    settings = local_settings.model_copy(update={"http_max_redirects": 50})
    with pytest.raises(FetchError) as caught:
        fetch(server.base + "/loop/a", settings=settings)
    assert "redirect loop" in caught.value.reason
    assert len(server.requests) == 2  # detected on the first repeat, not after 50 hops


def test_redirect_to_other_scheme_is_refused(server, local_settings):
    with pytest.raises(FetchError, match="only http and https"):
        fetch(server.base + "/to-ftp", settings=local_settings)


def test_timeout_raises_with_the_setting_named(server, local_settings):
    with pytest.raises(FetchError) as caught:
        fetch(server.base + "/slow", settings=local_settings)
    assert "http_timeout_s" in caught.value.reason
    assert caught.value.url == server.base + "/slow"


def test_slow_drip_body_hits_the_deadline(server, local_settings):
    with pytest.raises(FetchError) as caught:
        fetch(server.base + "/drip", settings=local_settings)
    assert "http_deadline_s" in caught.value.reason


@pytest.mark.parametrize("route", ["/oversize", "/oversize-announced"])
def test_oversize_body_is_aborted(server, local_settings, route):
    with pytest.raises(FetchError) as caught:
        fetch(server.base + route, settings=local_settings)
    assert "max_file_bytes" in caught.value.reason
    assert f"{local_settings.max_file_bytes:,}" in caught.value.reason


def test_connection_refused_is_a_fetch_error(local_settings):
    # Port 9 (discard) on loopback has no listener in the test environment.
    with pytest.raises(FetchError, match="could not connect"):
        fetch("http://127.0.0.1:9/", settings=local_settings)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "gopher://x/", "not a url", "http:///nohost"]
)
def test_bad_urls_are_refused(url, local_settings):
    with pytest.raises(FetchError):
        fetch(url, settings=local_settings)


def test_a_shared_client_is_reused_and_left_open(server, local_settings):
    with make_client(local_settings) as client:
        first = fetch(server.base + "/ok", settings=local_settings, client=client)
        second = fetch(server.base + "/gbk", settings=local_settings, client=client)
        assert not client.is_closed
    assert (first.status, second.status) == (200, 200)


def test_extra_headers_go_on_every_hop(server, local_settings):
    fetch(server.base + "/hop/1", settings=local_settings, headers={"If-None-Match": '"abc"'})
    assert [h.get("If-None-Match") for _, _, h in server.requests] == ['"abc"'] * 3


def test_transient_failures_are_marked_retryable(server, local_settings):
    with pytest.raises(FetchError) as timeout:
        fetch(server.base + "/slow", settings=local_settings)
    with pytest.raises(FetchError) as oversize:
        fetch(server.base + "/oversize", settings=local_settings)
    assert timeout.value.retryable and not oversize.value.retryable
