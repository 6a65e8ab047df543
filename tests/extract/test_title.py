"""Documents without a title field are listed under their first line, their heading."""

from __future__ import annotations

from tenderwatch.extract import extract
from tenderwatch.settings import Settings


def test_plain_text_takes_its_first_non_empty_line_as_title() -> None:
    data = "\n\n   XX县公安局  视频监控采购项目\t中标公告  \n项目编号：ABC-1\n".encode()
    result = extract(data, settings=Settings(), media_type="text/plain")
    assert result.title == "XX县公安局 视频监控采购项目 中标公告"


def test_html_keeps_its_own_title() -> None:
    html = "<html><head><title>页面标题</title></head><body><p>正文第一行</p></body></html>"
    result = extract(html.encode(), settings=Settings(), media_type="text/html")
    assert result.title == "页面标题"


def test_long_headings_are_cut() -> None:
    result = extract(("长" * 500).encode(), settings=Settings(), media_type="text/plain")
    assert result.title is not None and len(result.title) == 120
