"""DOCX (paragraphs and tables in document order) and XLSX (one page per sheet).

Both are zip archives: member sizes and compression ratios are checked against the
settings *before* a library inflates anything (a 1 MB zip can hold 10 GB of zeros).
"""

from __future__ import annotations

import io
import zipfile

from ..model import Extraction, ExtractionStatus, Page
from ..settings import Settings
from .base import EXTRACTORS, ExtractionError, Extractor
from .sniff import DOCX, XLSX

# Cells read from one workbook; the rest are skipped with a warning.
MAX_CELLS = 2_000_000


def check_zip(data: bytes, settings: Settings) -> None:
    """Raise :class:`ExtractionError` for a damaged archive or a decompression bomb."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ExtractionError(f"damaged zip container ({exc})") from None
    if len(members) > settings.max_archive_members:
        raise ExtractionError(
            f"the archive has {len(members)} members (limit {settings.max_archive_members})"
        )
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > settings.max_decompression_ratio:
            raise ExtractionError(
                f"member {member.filename!r} expands {ratio:.0f}x "
                f"(limit {settings.max_decompression_ratio:g}x): likely a zip bomb"
            )
    if total > settings.max_decompressed_bytes:
        raise ExtractionError(
            f"the archive expands to {total} bytes (limit {settings.max_decompressed_bytes})"
        )


def _cell(value: object) -> str:
    return "" if value is None else " ".join(str(value).split())


def extract_docx(data: bytes, settings: Settings, charset_hint: str | None) -> Extraction:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(data, settings)
    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:  # merged cells repeat; keep one copy
                    text = _cell(cell.text)
                    if not cells or cells[-1] != text:
                        cells.append(text)
                lines.append(" | ".join(cells))
    text = "\n".join(lines).strip("\n")
    return _result(DOCX, DOCX_EXTRACTOR.label, [Page(number=1, text=text)], [])


def extract_xlsx(data: bytes, settings: Settings, charset_hint: str | None) -> Extraction:
    import openpyxl

    check_zip(data, settings)
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    pages: list[Page] = []
    warnings: list[str] = []
    budget = MAX_CELLS
    try:
        for number, sheet in enumerate(workbook.worksheets, 1):
            lines = [f"# {sheet.title}"]
            for row in sheet.iter_rows(values_only=True):
                budget -= len(row)
                if budget < 0:
                    warnings.append(f"stopped after {MAX_CELLS} cells in sheet {sheet.title!r}")
                    break
                cells = [_cell(v) for v in row]
                while cells and not cells[-1]:
                    cells.pop()
                if cells:
                    lines.append(" | ".join(cells))
            pages.append(Page(number=number, text="\n".join(lines)))
            if budget < 0:
                break
    finally:
        workbook.close()
    return _result(XLSX, XLSX_EXTRACTOR.label, pages, warnings)


def _result(media_type: str, label: str, pages: list[Page], warnings: list[str]) -> Extraction:
    empty = not any(p.text.strip() for p in pages)
    return Extraction(
        media_type=media_type,
        extractor=label,
        status=ExtractionStatus.EMPTY if empty else ExtractionStatus.OK,
        pages=pages,
        error="the document has no text" if empty else None,
        warnings=warnings,
    )


DOCX_EXTRACTOR = EXTRACTORS.add("docx", Extractor("docx", "1", (DOCX,), extract_docx))
XLSX_EXTRACTOR = EXTRACTORS.add("xlsx", Extractor("xlsx", "1", (XLSX,), extract_xlsx))
