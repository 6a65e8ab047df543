"""Facts of a file on disk: read (within the size limit), extract, then :func:`extract_facts`.
Used by ``tenderwatch facts``; the ingest pipeline calls ``extract_facts`` on the
extraction it already has."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..model import ExtractionStatus
from ..settings import Settings
from .extract import extract_facts
from .model import NoticeFacts


@dataclass(frozen=True)
class FileFacts:
    path: Path
    facts: NoticeFacts | None
    error: str | None  # why no facts could be read from the file


def facts_for_file(path: Path, settings: Settings) -> FileFacts:
    """Never raises for a bad file: the reason is in ``error``."""
    # Imported here: extraction pulls in PDF/OCR libraries that the rest of facts never needs.
    from ..extract import extract

    try:
        size = path.stat().st_size
        if size > settings.max_file_bytes:
            return FileFacts(path, None, f"file is {size} bytes, over max_file_bytes")
        data = path.read_bytes()
    except OSError as exc:
        return FileFacts(path, None, f"cannot read: {exc.strerror or exc}")
    extraction = extract(data, settings=settings)
    if extraction.status in (ExtractionStatus.FAILED, ExtractionStatus.EMPTY):
        return FileFacts(
            path, None, f"no text ({extraction.status}): {extraction.error or ''}".strip()
        )
    return FileFacts(path, extract_facts(extraction, settings=settings), None)
