"""HTML page templates modelled on the layouts of procurement portals: navigation, breadcrumb,
a summary table, the notice body, attachments and a footer. The chrome is there on purpose —
main-text extraction has to find the notice among it, as on real portals. Every host is fictional
(``*-example.*``)."""

from __future__ import annotations

import html
from dataclasses import dataclass

from notice_source import Heading, Notice, PageBreak, Paragraph, Table


@dataclass(frozen=True)
class Portal:
    site: str  # site name shown in the header
    host: str  # fictional host, also used for WARC URLs
    nav: tuple[str, ...]
    breadcrumb: str
    content_class: str
    footer: str
    summary: bool  # portals such as ccgp show a 公告概要 table above the body


PORTALS: dict[str, Portal] = {
    "ccgp": Portal(
        site="中国政府采购网（示例站）",
        host="www.ccgp-example.gov.cn",
        nav=("首页", "政策法规", "采购公告", "监督检查", "信息公告", "下载专区"),
        breadcrumb="当前位置：首页 » 采购公告 » 地方公告",
        content_class="vF_detail_content",
        footer="主办单位：示例财政部国库司 · 网站标识码 0000000000 · 京ICP备00000000号",
        summary=True,
    ),
    "province": Portal(
        site="XX省政府采购网（示例站）",
        host="www.ccgp-province-example.gov.cn",
        nav=("首页", "采购意向", "采购公告", "结果公告", "合同公告", "投诉处理"),
        breadcrumb="首页 > 信息公开 > 采购公告",
        content_class="article-content",
        footer="XX省财政厅（示例） 版权所有 · 技术支持：0000-0000000",
        summary=False,
    ),
    "county": Portal(
        site="XX县人民政府（示例站）",
        host="www.county-example.gov.cn",
        nav=("首页", "政务公开", "政务服务", "互动交流", "走进XX"),
        breadcrumb="您现在的位置：首页 > 政务公开 > 政府采购",
        content_class="TRS_Editor",
        footer="XX县人民政府办公室（示例） 主办 · 政府网站标识码 0000000000",
        summary=False,
    ),
    "school": Portal(
        site="XX学院 招标采购中心（示例站）",
        host="zbcg.college-example.edu.cn",
        nav=("首页", "中心概况", "通知公告", "招标公告", "结果公示", "下载中心"),
        breadcrumb="首页 > 招标公告",
        content_class="v_news_content",
        footer="版权所有 © XX学院招标采购中心（示例） 地址：示例路 0 号",
        summary=False,
    ),
    "taiwan": Portal(
        site="政府電子採購網（示例站）",
        host="web.pcc-example.gov.tw",
        nav=("首頁", "招標公告", "決標公告", "採購法規", "常見問題"),
        breadcrumb="首頁 > 招標 > 公開招標公告",
        content_class="tender-detail",
        footer="行政院公共工程委員會（示例） 版權所有",
        summary=False,
    ),
    "council": Portal(
        site="Example Borough Council",
        host="www.example-borough.gov.uk",
        nav=("Home", "Business", "Tenders and contracts", "Contact us"),
        breadcrumb="Home > Business > Tenders and contracts",
        content_class="page-content",
        footer="© Example Borough Council (fictional) · Accessibility · Privacy",
        summary=False,
    ),
    "district": Portal(
        site="Example Unified School District",
        host="www.example-usd.k12.ca.us",
        nav=("Home", "Departments", "Purchasing", "Bids & RFPs"),
        breadcrumb="Purchasing > Current Bids",
        content_class="bid-detail",
        footer="Example Unified School District (fictional) · Equal Opportunity Employer",
        summary=False,
    ),
    "eu": Portal(
        site="Example Tenders Electronic Daily (fictional mirror)",
        host="ted.tenders-example.eu",
        nav=("Home", "Search", "Notices", "Help"),
        breadcrumb="Notices > Contract notice",
        content_class="notice-text",
        footer="Fictional mirror for tenderwatch tests. Not an official EU service.",
        summary=False,
    ),
    "plain": Portal(
        site="",
        host="www.portal-example.cn",
        nav=(),
        breadcrumb="",
        content_class="content",
        footer="",
        summary=False,
    ),
}


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def body_html(notice: Notice) -> str:
    parts: list[str] = []
    for block in notice.blocks:
        if isinstance(block, Heading):
            parts.append(f"<h3>{_esc(block.text)}</h3>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{_esc(block.text)}</p>")
        elif isinstance(block, Table):
            head, *rows = block.rows
            cells = "".join(f"<th>{_esc(c)}</th>" for c in head)
            body = "".join(
                "<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in row) + "</tr>" for row in rows
            )
            parts.append(
                f'<table border="1" cellspacing="0" cellpadding="4">'
                f"<thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"
            )
        elif isinstance(block, PageBreak):
            parts.append("<hr>")
    return "\n".join(parts)


def _summary(notice: Notice) -> str:
    meta = notice.meta
    rows = [("项目编号", meta.project_code or ""), ("公告时间", meta.published.isoformat())]
    cells = "".join(f'<tr><td class="title">{k}</td><td>{_esc(v)}</td></tr>' for k, v in rows)
    return f'<div class="table"><h4>公告概要：</h4><table>{cells}</table></div>'


def render_page(notice: Notice) -> str:
    """The whole HTML page of a notice, as text (the caller encodes it)."""
    meta = notice.meta
    portal = PORTALS[meta.portal]
    lang = {"zh-Hans": "zh-CN", "zh-Hant": "zh-TW", "en": "en"}[meta.language]
    charset = ""
    if meta.meta_charset and meta.encoding == "utf-8":
        charset = f'<meta charset="{meta.charset_label}">\n'
    elif meta.meta_charset:  # older GBK/Big5 sites still use the HTML 4 form
        charset = (
            f'<meta http-equiv="Content-Type" content="text/html; charset={meta.charset_label}">\n'
        )
    nav = "".join(f'<li><a href="#">{_esc(item)}</a></li>' for item in portal.nav)
    header = (
        f'<div class="header"><div class="logo">{_esc(portal.site)}</div>'
        f'<ul class="nav">{nav}</ul></div>\n<div class="crumb">{_esc(portal.breadcrumb)}</div>'
        if portal.site
        else ""
    )
    summary = _summary(notice) if portal.summary else ""
    footer = f'<div class="footer">{_esc(portal.footer)}</div>' if portal.footer else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n{charset}'
        f"<title>{_esc(notice.title)}</title>\n"
        '<link rel="stylesheet" href="/css/style.css">\n'
        "<script>var _hmt = _hmt || []; /* page statistics */</script>\n"
        f"</head>\n<body>\n{header}\n"
        f'<div class="main"><h2 class="tc">{_esc(notice.title)}</h2>\n'
        f'<p class="meta">{meta.published.isoformat()}</p>\n{summary}\n'
        f'<div class="{portal.content_class}">\n{body_html(notice)}\n</div></div>\n'
        f"{footer}\n</body>\n</html>\n"
    )
