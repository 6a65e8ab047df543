from __future__ import annotations

from tenderwatch.ingest import ingest
from tenderwatch.sources import iter_inputs, read_urls
from tenderwatch.store.base import SourceKind


def run(targets, settings, store, url_lists=()):
    return ingest(
        iter_inputs(targets, settings=settings, url_lists=url_lists), settings=settings, store=store
    )


def test_url_fetch_is_captured_with_http_provenance_and_warc(http_base, settings, store):
    summary = run([f"{http_base}/notice.html"], settings, store)
    assert (summary.new, summary.failed) == (1, [])
    doc = store.list_documents()[0]
    capture = store.captures(doc.id)[0]
    assert capture.kind is SourceKind.URL and capture.http_status == 200
    assert capture.source == f"{http_base}/notice.html"
    assert ("content-type", "text/html; charset=utf-8") in [
        (k.lower(), v) for k, v in capture.headers
    ]
    assert capture.warc_file and capture.warc_record_id
    assert (settings.data_dir / "warc").is_dir() and capture.warc_file.startswith(
        str(settings.data_dir)
    )
    # fetching again: same bytes, so no new document, but a new capture of the URL
    again = run([f"{http_base}/notice.html"], settings, store)
    assert (again.new, again.duplicate) == (0, 1)
    assert len(store.captures(doc.id)) == 2


def test_redirect_records_final_url(http_base, settings, store):
    run([f"{http_base}/moved"], settings, store)
    capture = store.captures(store.list_documents()[0].id)[0]
    assert capture.source == f"{http_base}/moved" and capture.url == f"{http_base}/notice.html"


def test_charset_from_http_header_reaches_the_extractor(http_base, settings, store):
    summary = run([f"{http_base}/gbk.html"], settings, store)
    assert summary.new == 1
    assert store.search("摄像机")[0].title == "监控设备采购"


def test_failing_urls_are_recorded_and_the_batch_goes_on(http_base, settings, store, tmp_path):
    url_list = tmp_path / "urls.txt"
    url_list.write_text(
        "# notices to archive\n"
        f"{http_base}/missing\n\n"
        f"{http_base}/loop\n"
        f"{http_base}/slow\n"
        "ftp://example.invalid/x\n"
        f"{http_base}/notice.html\n",
        encoding="utf-8",
    )
    summary = run([], settings, store, url_lists=[url_list])
    assert summary.new == 1
    reasons = {f.source: f.reason for f in summary.failed}
    assert "HTTP 404" in reasons[f"{http_base}/missing"]
    assert "redirect" in reasons[f"{http_base}/loop"].lower()
    assert "time" in reasons[f"{http_base}/slow"].lower()
    assert "not an http(s) URL" in reasons[f"{url_list} ! line 6"]
    assert store.stats().errors == 4


def test_private_addresses_refused_unless_allowed(http_base, settings, store):
    guarded = settings.model_copy(update={"allow_private_networks": False})
    summary = run([f"{http_base}/notice.html"], guarded, store)
    assert summary.new == 0 and len(summary.failed) == 1
    assert store.count_documents() == 0


def test_url_list_parsing(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("\ufeff# comment\n  https://a.example/x  \n\nnot a url\nHTTP://B.example/y\n")
    urls, errors = read_urls(path)
    assert urls == ["https://a.example/x", "HTTP://B.example/y"]
    assert [e.origin.member for e in errors] == ["line 4"]
