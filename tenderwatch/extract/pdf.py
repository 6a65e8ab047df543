"""PDF: the text layer of each page with pypdfium2; pages without one go to OCR."""

from __future__ import annotations

import pypdfium2 as pdfium

from ..model import Extraction, ExtractionStatus, Page
from ..settings import Settings
from .base import EXTRACTORS, Extractor
from .ocr import OcrUnavailable, ocr_image

# A page with fewer visible characters than this in its text layer is treated as a scan
# (page numbers and stamps alone leave a few characters on scanned pages).
MIN_TEXT_CHARS = 16


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = str(exc)
        if "password" in reason.lower():
            raise ValueError("the PDF is encrypted with a password") from None
        raise ValueError(f"not a readable PDF ({reason})") from None


def extract_pdf(data: bytes, settings: Settings, charset_hint: str | None) -> Extraction:
    try:
        document = _open(data)
    except ValueError as exc:
        return PDF.failed("application/pdf", str(exc))
    warnings: list[str] = []
    pages: list[Page] = []
    needs_ocr: list[int] = []
    reason = ""
    try:
        total = len(document)
        if total > settings.max_pages:
            warnings.append(f"only the first {settings.max_pages} of {total} pages were read")
        for index in range(min(total, settings.max_pages)):
            page = document[index]
            text_page = page.get_textpage()
            text = text_page.get_text_bounded().replace("\r\n", "\n")
            text_page.close()
            if len("".join(text.split())) >= MIN_TEXT_CHARS:
                pages.append(Page(number=index + 1, text=text))
                page.close()
                continue
            try:
                image = page.render(scale=settings.ocr_dpi / 72).to_pil()
                pages.append(Page(number=index + 1, text=ocr_image(image, settings), ocr=True))
            except OcrUnavailable as exc:
                pages.append(Page(number=index + 1, text=text))
                needs_ocr.append(index + 1)
                reason = str(exc)
            except RuntimeError as exc:
                pages.append(Page(number=index + 1, text=text))
                warnings.append(f"page {index + 1}: OCR failed: {exc}")
            finally:
                page.close()
    except pdfium.PdfiumError as exc:
        return PDF.failed("application/pdf", f"the PDF is damaged ({exc})")
    finally:
        document.close()
    status = ExtractionStatus.OK
    error = None
    if needs_ocr:
        status = ExtractionStatus.NEEDS_OCR
        error = f"pages {', '.join(map(str, needs_ocr))} have no text layer and {reason}"
    elif not any(p.text.strip() for p in pages):
        status, error = ExtractionStatus.EMPTY, "the PDF has no text on any page"
    return Extraction(
        media_type="application/pdf",
        extractor=PDF.label,
        status=status,
        pages=pages,
        error=error,
        warnings=warnings,
    )


PDF = EXTRACTORS.add("pdf", Extractor("pdf", "1", ("application/pdf",), extract_pdf))
