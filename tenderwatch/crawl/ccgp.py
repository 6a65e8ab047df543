"""Adapter for the national portal (ccgp.gov.cn), where data is not enough: attachment
links are ``<a class="bizDownload" id="UUID">name.pdf</a>`` with no href, and the page's
JavaScript builds the download URL from the id."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from .adapter import ADAPTERS, Adapter, NoticePage, decode_page
from .definition import SourceDefinition

DOWNLOAD_URL = "https://download.ccgp.gov.cn/oss/download?uuid={uuid}"


class CcgpAdapter(Adapter):
    def parse_notice(
        self, source: SourceDefinition, body: bytes, url: str, content_type: str | None
    ) -> NoticePage:
        page = super().parse_notice(source, body, url, content_type)
        text = decode_page(body, content_type)
        links = list(page.attachments)
        for node in LexborHTMLParser(text).css(source.notice.attachments or "a.bizDownload"):
            uuid = (node.attributes.get("id") or "").strip()
            if uuid and DOWNLOAD_URL.format(uuid=uuid) not in links:
                links.append(DOWNLOAD_URL.format(uuid=uuid))
        return page.model_copy(update={"attachments": links})


ADAPTERS.add("ccgp", CcgpAdapter())
