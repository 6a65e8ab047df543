"""The shipped portal definitions parse fixture pages that mirror each portal's structure."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tenderwatch.crawl import ADAPTERS, InvalidSource, load_source, load_sources
from tenderwatch.crawl.definition import builtin_dir

FIXTURES = Path(__file__).parent / "fixtures"


def _adapter(source):
    return ADAPTERS.get(source.adapter)


def test_every_builtin_definition_loads():
    sources = load_sources()
    assert {"ccgp", "xinjiang", "yunnan"} <= set(sources)
    for source in sources.values():
        assert source.caveats, f"{source.name} must say what to watch out for"


def test_ccgp_list_page():
    source = load_sources()["ccgp"]
    url = _adapter(source).list_url(source, date(2024, 1, 5), date(2024, 1, 5), 2)
    assert "page_index=2" in url and "start_time=2024:01:05" in url and "end_time=2024:01:05" in url
    page = _adapter(source).parse_list(
        source, (FIXTURES / "ccgp/list.html").read_bytes(), url, "text/html;charset=utf-8"
    )
    assert page.announced == 3
    assert [e.url for e in page.entries] == [
        "https://search.ccgp.gov.cn/cggg/dfgg/gkzb/202401/t20240105_90000001.htm",
        "https://search.ccgp.gov.cn/cggg/dfgg/zbgg/202401/t20240105_90000002.htm",
        "https://search.ccgp.gov.cn/cggg/zygg/gkzb/202401/t20240105_90000003.htm",
    ]
    assert page.entries[0].title == "某某县公安局视频图像智能分析平台建设项目公开招标公告"
    assert {e.published for e in page.entries} == {date(2024, 1, 5)}


def test_ccgp_adapter_builds_attachment_download_urls():
    source = load_sources()["ccgp"]
    page = _adapter(source).parse_notice(
        source, (FIXTURES / "ccgp/notice.html").read_bytes(), "https://www.ccgp.gov.cn/x.htm", None
    )
    assert page.attachments == [
        "https://download.ccgp.gov.cn/oss/download?uuid=D2F0A1B2C3D4E5F6",
        "https://download.ccgp.gov.cn/oss/download?uuid=AA00BB11CC22DD33",
    ]
    assert not page.removed


def test_xinjiang_json_list():
    source = load_sources()["xinjiang"]
    page = _adapter(source).parse_list(
        source,
        (FIXTURES / "xinjiang/list.json").read_bytes(),
        source.listing.url,
        "application/json",
    )
    assert page.announced == 2
    assert [e.url for e in page.entries] == [
        "https://www.ccgp-xinjiang.gov.cn/luban/detail?parentId=600007&articleId=EXAMPLE0001",
        "https://www.ccgp-xinjiang.gov.cn/luban/detail?parentId=600007&articleId=EXAMPLE0002",
    ]
    assert page.entries[0].published == date(2024, 1, 5)  # from epoch milliseconds
    notice = _adapter(source).parse_notice(
        source, (FIXTURES / "xinjiang/notice.html").read_bytes(), page.entries[0].url, None
    )
    assert notice.attachments == ["https://zcy-gov-open-doc.example/EXAMPLE0001/采购文件.pdf"]


def test_yunnan_gbk_list_and_notice():
    source = load_sources()["yunnan"]
    list_url = "http://www.ccgp-yunnan.gov.cn/bulletin.do?method=moreListQuery&current=1"
    page = _adapter(source).parse_list(
        source, (FIXTURES / "yunnan/list.html").read_bytes(), list_url, "text/html"
    )
    assert page.announced == 2
    assert [e.title for e in page.entries] == [
        "某某州宗教场所视频监控项目采购公告",
        "某某县清真食堂食材采购项目成交公告",
    ]
    assert [e.published for e in page.entries] == [date(2024, 1, 4), date(2024, 1, 3)]
    assert page.entries[0].url.endswith("bulletin.do?method=showBulletin&bulletin_id=EX001")
    notice = _adapter(source).parse_notice(
        source, (FIXTURES / "yunnan/notice.html").read_bytes(), page.entries[0].url, None
    )
    assert notice.attachments == ["http://www.ccgp-yunnan.gov.cn/upload/EX001/需求.pdf"]


def test_removed_marker_is_noticed():
    source = load_sources()["ccgp"]
    body = "<html><body><p>该公告已撤销</p></body></html>".encode()
    assert _adapter(source).parse_notice(source, body, "https://www.ccgp.gov.cn/x", None).removed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("listing:\n  url: https://x/list\n  items: li\n  link: a\n", "must contain {page}"),
        ("listing:\n  url: ftp://x/{page}\n  items: li\n  link: a\n", "http(s) URL template"),
        ("listing:\n  url: https://x/{page}/{day}\n  items: li\n  link: a\n", "may be used"),
        (
            "listing:\n  url: https://x/{page}\n  items: li\n  link: a\n  date_pattern: '('\n",
            "regular",
        ),
        ("listing:\n  url: https://x/{page}\n  items: li\n  link: a\n  extra_field: 1\n", "extra"),
        (
            "listing:\n  url: https://x/{page}\n  items: li\n  link: a\nadapter: nope\n",
            "not registered",
        ),
        (
            "listing:\n  url: https://x/{page}\n  items: li\n  link: a\nrate:\n  concurrency: 0\n",
            "rate.concurrency",
        ),
    ],
)
def test_invalid_definitions_name_file_and_field(tmp_path, change, message):
    path = tmp_path / "broken.yaml"
    path.write_text(
        f"name: broken\ntitle: t\nhome: https://x/\nregion: r\n{change}", encoding="utf-8"
    )
    with pytest.raises(InvalidSource) as caught:
        load_source(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_file_must_be_named_after_source(tmp_path):
    text = (builtin_dir() / "yunnan.yaml").read_text(encoding="utf-8")
    path = tmp_path / "other.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidSource, match="named after the source"):
        load_source(path)


def test_not_yaml_mapping(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(InvalidSource, match="mapping"):
        load_source(path)
