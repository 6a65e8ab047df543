"""HTML notices: main text with tables kept as rows, plus all visible text.

selectolax (lexbor) parses in well under a millisecond per notice; trafilatura's boilerplate
model costs ~12 ms per page, too slow for the 300 documents/s ingest target, and notices are
simple pages whose boilerplate sits in <nav>, <header>, <footer> and <script>.
"""

from __future__ import annotations

import re
from itertools import accumulate

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..model import Extraction, ExtractionStatus, Page
from ..settings import Settings
from .base import EXTRACTORS, ExtractionError, Extractor
from .charset import decode

_DROP = "script, style, noscript, template, svg, iframe, head"
_BOILERPLATE = "nav, header, footer, aside, form, [role=navigation], [role=banner]"
_BLOCKS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "main",
        "table",
        "tr",
        "pre",
        "blockquote",
        "dt",
        "dd",
        "dl",
        "address",
        "hr",
        "caption",
        "tbody",
        "thead",
        "tfoot",
    ]
)
# lexbor's parse time grows with the square of element nesting (3 s at 20,000 levels), so
# hostile nesting is refused before parsing. Elements that are closed implicitly or never
# (p, li, td, br, img, ...) are not counted; real notices nest a few dozen levels.
MAX_DEPTH = 500
_TAG = re.compile(
    r"<(/?)(?!(?:p|li|td|th|tr|dt|dd|option|br|hr|img|input|meta|link|wbr|col|source|area|base)\b)"
    r"[a-zA-Z][\w-]*",
    re.I,
)
# Containers commonly holding the notice body, most specific first.
_MAIN = ("article", "main", "[role=main]", "#content", ".content", ".article", "body")


def _text(node: LexborNode) -> str:
    """Visible text of ``node`` with block elements on their own lines, table rows as
    ``cell | cell`` lines."""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = " ".join("".join(current).split())
        if line:
            lines.append(line)
        current.clear()

    def walk(element: LexborNode) -> None:
        tag = element.tag
        if tag == "-text":
            current.append(element.text_content or "")
            return
        if tag == "tr":
            flush()
            cells = [
                " ".join(c.text(separator=" ").split())
                for c in element.iter()
                if c.tag in ("td", "th")
            ]
            row = " | ".join(c for c in cells if c)
            if row:
                lines.append(row)
            return
        if tag in _BLOCKS:
            flush()
        for child in element.iter(include_text=True):
            walk(child)
        if tag in _BLOCKS:
            flush()

    walk(node)
    flush()
    return "\n".join(lines)


def extract_html(data: bytes, settings: Settings, charset_hint: str | None) -> Extraction:
    text, codec = decode(data, charset_hint, html=True)
    # Every element opens with "<": a page with fewer cannot nest too deep, and counting
    # them is a tenth of the cost of measuring the depth (a notice has a few dozen).
    if text.count("<") > MAX_DEPTH:
        depth = max(accumulate(-1 if close else 1 for close in _TAG.findall(text)), default=0)
        if depth > MAX_DEPTH:
            raise ExtractionError(f"the page nests elements {depth} deep (limit {MAX_DEPTH})")
    tree = LexborHTMLParser(text)
    title_node = tree.css_first("title")
    title = " ".join(title_node.text().split()) if title_node else None
    for node in tree.css(_DROP):
        node.decompose()
    root = tree.body or tree.root
    full_text = _text(root) if root else ""
    for node in tree.css(_BOILERPLATE):
        node.decompose()
    main = next((n for n in (tree.css_first(s) for s in _MAIN) if n is not None), None)
    main_text = _text(main) if main else ""
    if not main_text.strip():
        main_text = full_text
    status = ExtractionStatus.OK if full_text.strip() else ExtractionStatus.EMPTY
    return Extraction(
        media_type="text/html",
        extractor=HTML.label,
        status=status,
        pages=[Page(number=1, text=main_text)],
        title=title or None,
        full_text=full_text,
        charset=codec,
        error=None if full_text.strip() else "the page has no visible text",
    )


HTML = EXTRACTORS.add(
    "html", Extractor("html", "1", ("text/html", "application/xhtml+xml"), extract_html)
)
