"""Every completed exchange is archived; read the WARC back with warcio."""

from __future__ import annotations

import base64
import hashlib

import pytest
from warcio.archiveiterator import ArchiveIterator

from tenderwatch.fetch import FetchError, WarcWriter, fetch


def _records(path):
    with open(path, "rb") as stream:
        return [
            (
                record.rec_type,
                record.rec_headers,
                record.http_headers,
                record.content_stream().read(),
            )
            for record in ArchiveIterator(stream)
        ]


def _sha1_digest(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()


def test_exchange_is_written_as_request_and_response(server, local_settings, tmp_path, notices):
    with WarcWriter(tmp_path / "warc") as warc:
        result = fetch(server.base + "/gbk", settings=local_settings, warc=warc)
    assert result.warc_file is not None
    records = _records(result.warc_file)
    assert [r[0] for r in records] == ["warcinfo", "response", "request"]
    _, response_headers, response_http, payload = records[1]
    _, request_headers, request_http, _ = records[2]
    assert response_headers.get_header("WARC-Target-URI") == server.base + "/gbk"
    assert response_headers.get_header("WARC-Record-ID") == result.warc_record_id
    assert response_headers.get_header("WARC-Date").startswith(
        result.fetched_at.strftime("%Y-%m-%dT")
    )
    assert response_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert response_headers.get_header("WARC-Payload-Digest") == _sha1_digest(notices["gbk"])
    assert response_http.get_statuscode() == "200"
    assert response_http.get_header("Content-Type") == "text/html; charset=GBK"
    assert payload == notices["gbk"] == result.body
    assert request_headers.get_header("WARC-Target-URI") == server.base + "/gbk"
    assert request_headers.get_header("WARC-Concurrent-To") == result.warc_record_id
    assert request_http.protocol == "GET"
    assert request_http.get_header("User-Agent") == local_settings.user_agent


def test_offset_points_at_the_response_record(server, local_settings, tmp_path):
    with WarcWriter(tmp_path / "warc") as warc:
        results = [
            fetch(server.base + p, settings=local_settings, warc=warc) for p in ("/ok", "/gbk")
        ]
    for result in results:
        with open(result.warc_file, "rb") as stream:
            stream.seek(result.warc_offset)
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_headers.get_header("WARC-Record-ID") == result.warc_record_id
            assert record.content_stream().read() == result.body


def test_404_and_every_redirect_hop_are_archived(server, local_settings, tmp_path):
    with WarcWriter(tmp_path / "warc") as warc:
        fetch(server.base + "/missing", settings=local_settings, warc=warc)
        final = fetch(server.base + "/hop/1", settings=local_settings, warc=warc)
    responses = [r for r in _records(final.warc_file) if r[0] == "response"]
    got = [(r[1].get_header("WARC-Target-URI"), r[2].get_statuscode()) for r in responses]
    assert got == [
        (server.base + "/missing", "404"),
        (server.base + "/hop/1", "302"),
        (server.base + "/hop/2", "302"),
        (server.base + "/ok", "200"),
    ]


def test_decoded_body_is_archived_with_transfer_headers_renamed(
    server, local_settings, tmp_path, notices
):
    with WarcWriter(tmp_path / "warc") as warc:
        result = fetch(server.base + "/gzip", settings=local_settings, warc=warc)
    _, _, http, payload = _records(result.warc_file)[1]
    assert payload == notices["utf8"]
    assert http.get_header("Content-Encoding") is None
    assert http.get_header("X-Tenderwatch-Original-Content-Encoding") == "gzip"
    assert http.get_header("Content-Length") == str(len(notices["utf8"]))


def test_failed_fetches_write_nothing(server, local_settings, tmp_path):
    with WarcWriter(tmp_path / "warc") as warc:
        with pytest.raises(FetchError):
            fetch(server.base + "/oversize", settings=local_settings, warc=warc)
        assert warc.files == []


def test_files_rotate_at_the_size_limit(server, local_settings, tmp_path):
    with WarcWriter(tmp_path / "warc", max_file_bytes=1) as warc:
        results = [fetch(server.base + "/ok", settings=local_settings, warc=warc) for _ in range(3)]
    files = sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert len(files) == 3
    assert sorted(r.warc_file for r in results) == [str(f) for f in files]
    for path in files:
        assert [r[0] for r in _records(path)] == ["warcinfo", "response", "request"]
