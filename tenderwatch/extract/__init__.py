"""Extraction: bytes of one document -> :class:`~tenderwatch.model.Extraction`.

One module per format; each registers an :class:`Extractor` in :data:`EXTRACTORS` declaring
the media types it reads. :func:`extract` never raises for bad input: it returns
``status=FAILED`` with a message saying what is wrong. See docs/extraction.md.
"""

from __future__ import annotations

from ..model import Extraction, ExtractionStatus
from ..settings import Settings
from . import html, office, pdf, text  # noqa: F401  (modules register their extractors)
from .base import EXTRACTORS, ExtractionError, Extractor
from .sniff import sniff

__all__ = ["EXTRACTORS", "ExtractionError", "Extractor", "extract", "extractor_for", "sniff"]


def extractor_for(media_type: str) -> Extractor | None:
    """The registered extractor reading ``media_type``, if any."""
    for _, extractor in EXTRACTORS.items():
        if media_type in extractor.media_types:
            return extractor
    return None


TITLE_MAX_CHARS = 120


def _with_title(extraction: Extraction) -> Extraction:
    """Formats without a title field (PDF, DOCX, XLSX, text) get their first non-empty line,
    which in procurement notices is the notice's own heading."""
    if extraction.title or not extraction.pages:
        return extraction
    for line in extraction.pages[0].text.splitlines():
        heading = " ".join(line.split())
        if heading:
            return extraction.model_copy(update={"title": heading[:TITLE_MAX_CHARS]})
    return extraction


def _failed(media_type: str, extractor: str, error: str) -> Extraction:
    return Extraction(
        media_type=media_type, extractor=extractor, status=ExtractionStatus.FAILED, error=error
    )


def extract(
    data: bytes,
    *,
    settings: Settings,
    media_type: str | None = None,
    charset_hint: str | None = None,
) -> Extraction:
    """Text of one document. ``media_type`` defaults to :func:`sniff` of the bytes;
    ``charset_hint`` is the HTTP ``Content-Type`` charset, if any."""
    kind = media_type or sniff(data)
    if not data:
        return Extraction(
            media_type=kind,
            extractor="none",
            status=ExtractionStatus.EMPTY,
            error="the input is empty (0 bytes)",
        )
    if len(data) > settings.max_file_bytes:
        return _failed(
            kind, "none", f"the input has {len(data)} bytes (limit {settings.max_file_bytes})"
        )
    extractor = extractor_for(kind)
    if extractor is None:
        return _failed(kind, "none", f"unsupported media type {kind}")
    try:
        return _with_title(extractor.run(data, settings, charset_hint))
    except ExtractionError as exc:
        return extractor.failed(kind, str(exc))
    except RecursionError:
        return extractor.failed(kind, "the document is nested too deeply to read")
    except Exception as exc:
        return extractor.failed(
            kind, f"could not read the {kind} document: {type(exc).__name__}: {exc}"
        )
