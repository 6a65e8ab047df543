"""Plain text: decoded with the same charset rules as HTML, one page per form feed."""

from __future__ import annotations

from ..model import PAGE_SEPARATOR, Extraction, ExtractionStatus, Page
from ..settings import Settings
from .base import EXTRACTORS, Extractor
from .charset import decode


def extract_text(data: bytes, settings: Settings, charset_hint: str | None) -> Extraction:
    text, codec = decode(data, charset_hint)
    pages = [Page(number=i, text=t) for i, t in enumerate(text.split(PAGE_SEPARATOR), 1)]
    empty = not text.strip()
    return Extraction(
        media_type="text/plain",
        extractor=TEXT.label,
        status=ExtractionStatus.EMPTY if empty else ExtractionStatus.OK,
        pages=pages,
        charset=codec,
        error="the file holds only whitespace" if empty else None,
    )


TEXT = EXTRACTORS.add("text", Extractor("text", "1", ("text/plain",), extract_text))
