"""One renderer per corpus format: a notice source in, the document's bytes out.

Every renderer is deterministic (fixed timestamps, seeded noise), so rebuilding the corpus gives
byte-identical files and the sha256 ids in manifest.yaml stay stable.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile
from collections.abc import Callable
from functools import cache

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from notice_source import Heading, Notice, PageBreak, Paragraph, Table
from openpyxl import Workbook
from openpyxl.styles import Font
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont
from portal_pages import render_page
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak as RLPageBreak
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import SimpleDocTemplate, TableStyle
from reportlab.platypus import Table as RLTable

CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"  # Debian fonts-wqy-zenhei
PDF_FONT = "WenQuanYiZenHei"
SCAN_DPI = 200

MEDIA_TYPES: dict[str, str] = {
    "html": "text/html",
    "txt": "text/plain",
    "pdf": "application/pdf",
    "pdf-scan": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "warc": "application/warc",
    "zip": "application/zip",
}

Renderer = Callable[[Notice], bytes]
RENDERERS: dict[str, Renderer] = {}


def renderer(fmt: str) -> Callable[[Renderer], Renderer]:
    def register(func: Renderer) -> Renderer:
        RENDERERS[fmt] = func
        return func

    return register


def _fixed_time(notice: Notice) -> dt.datetime:
    return dt.datetime.combine(notice.meta.published, dt.time(9, 30))


# -- text formats ---------------------------------------------------------------------------


def _encode(text: str, notice: Notice) -> bytes:
    return ("\ufeff" + text if notice.meta.bom else text).encode(notice.meta.encoding)


@renderer("html")
def render_html(notice: Notice) -> bytes:
    return _encode(render_page(notice), notice)


@renderer("txt")
def render_txt(notice: Notice) -> bytes:
    return _encode(notice.plain_text(), notice)


# -- PDF with a text layer --------------------------------------------------------------------


@cache
def _register_pdf_font() -> None:
    # subfontIndex 0 of the .ttc is WenQuanYi Zen Hei; reportlab embeds a subset of it.
    pdfmetrics.registerFont(TTFont(PDF_FONT, CJK_FONT, subfontIndex=0))


def _column_widths(rows: tuple[tuple[str, ...], ...], total: float) -> list[float]:
    longest = [max(max(len(row[i]), 4) for row in rows) for i in range(len(rows[0]))]
    weights = [min(n, 24) for n in longest]
    return [total * w / sum(weights) for w in weights]


@renderer("pdf")
def render_pdf(notice: Notice) -> bytes:
    _register_pdf_font()
    body = ParagraphStyle("body", fontName=PDF_FONT, fontSize=10.5, leading=16, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=24, alignment=1)
    heading = ParagraphStyle("heading", parent=body, fontSize=12, leading=20, spaceBefore=6)
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=12)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        title=notice.title,
        author="tenderwatch example corpus",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        invariant=True,  # fixed dates and ids, so rebuilds are byte-identical
    )
    story: list[object] = [RLParagraph(notice.title, title)]
    for block in notice.blocks:
        if isinstance(block, Heading):
            story.append(RLParagraph(block.text, heading))
        elif isinstance(block, Paragraph):
            story.append(RLParagraph(block.text, body))
        elif isinstance(block, Table):
            data = [[RLParagraph(c, cell) for c in row] for row in block.rows]
            table = RLTable(data, colWidths=_column_widths(block.rows, doc.width), repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ]
                )
            )
            story.append(table)
        elif isinstance(block, PageBreak):
            story.append(RLPageBreak())
    doc.build(story)
    return buf.getvalue()


# -- scanned PDF: pages as images, no text layer ---------------------------------------------


@cache
def _scan_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(CJK_FONT, size, index=0)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    lines, line = [], ""
    for char in text:
        if font.getlength(line + char) > width and line:
            lines.append(line)
            line = char
        else:
            line += char
    return [*lines, line]


class _ScanLayout:
    """Typesets blocks onto A4 page images at SCAN_DPI, starting new pages as they fill."""

    def __init__(self) -> None:
        self.size = (int(8.27 * SCAN_DPI), int(11.69 * SCAN_DPI))
        self.margin = int(0.9 * SCAN_DPI)
        self.width = self.size[0] - 2 * self.margin
        self.pages: list[Image.Image] = []
        self.new_page()

    def new_page(self) -> None:
        self.pages.append(Image.new("L", self.size, 255))
        self.draw = ImageDraw.Draw(self.pages[-1])
        self.y = self.margin

    def ensure(self, height: int) -> None:
        if self.y + height > self.size[1] - self.margin:
            self.new_page()

    def text(self, text: str, size: int, center: bool = False, gap: float = 0.45) -> None:
        font = _scan_font(size)
        for line in _wrap(text, font, self.width):
            self.ensure(size)
            x = self.margin + (self.width - font.getlength(line)) / 2 if center else self.margin
            self.draw.text((x, self.y), line, font=font, fill=0)
            self.y += int(size * (1 + gap))

    def table(self, rows: tuple[tuple[str, ...], ...], size: int) -> None:
        font = _scan_font(size)
        widths = _column_widths(rows, self.width)
        pad = size // 3
        for row in rows:
            wrapped = [_wrap(c, font, w - 2 * pad) for c, w in zip(row, widths, strict=True)]
            height = max(len(cell) for cell in wrapped) * int(size * 1.3) + 2 * pad
            self.ensure(height)
            x = float(self.margin)
            for cell, width in zip(wrapped, widths, strict=True):
                self.draw.rectangle((x, self.y, x + width, self.y + height), outline=0, width=1)
                for i, line in enumerate(cell):
                    self.draw.text(
                        (x + pad, self.y + pad + i * int(size * 1.3)), line, font=font, fill=0
                    )
                x += width
            self.y += height
        self.y += size


def _age(page: Image.Image, rng: random.Random) -> Image.Image:
    """Make a clean page look scanned: skew, blur, grain, binarisation and dust."""
    angle = rng.choice((-1, 1)) * rng.uniform(0.4, 1.1)  # scanners skew a little
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    page = page.filter(ImageFilter.GaussianBlur(0.7))
    grain = Image.frombytes("L", page.size, rng.randbytes(page.size[0] * page.size[1]))
    page = Image.blend(page, grain, 0.22)
    page = page.point(lambda v: 255 if v > 150 else 0)
    dust = grain.point(lambda v: 0 if v == 0 and rng.random() < 0.5 else 255)
    return ImageChops.darker(page, dust).convert("1")


@renderer("pdf-scan")
def render_scan(notice: Notice) -> bytes:
    size = int(10.5 / 72 * SCAN_DPI)
    layout = _ScanLayout()
    layout.text(notice.title, int(size * 1.5), center=True)
    for block in notice.blocks:
        if isinstance(block, Heading):
            layout.text(block.text, int(size * 1.15))
        elif isinstance(block, Paragraph):
            layout.text(block.text, size)
        elif isinstance(block, Table):
            layout.table(block.rows, int(size * 0.9))
        elif isinstance(block, PageBreak):
            layout.new_page()
    rng = random.Random(notice.source.name)  # same noise on every rebuild
    pages = [_age(p, rng) for p in layout.pages]
    buf = io.BytesIO()
    when = _fixed_time(notice)  # Pillow stamps the current time otherwise
    pages[0].save(
        buf,
        "PDF",
        resolution=SCAN_DPI,
        save_all=True,
        append_images=pages[1:],
        title=notice.title,
        creationDate=when.timetuple(),
        modDate=when.timetuple(),
    )
    return buf.getvalue()


# -- Office formats -----------------------------------------------------------------------------

_CORE_DATE = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def with_fixed_times(data: bytes, when: dt.datetime) -> bytes:
    """Rewrite an OOXML/zip package with fixed member times and core-properties dates,
    which python-docx and openpyxl otherwise set to the current time."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            payload = src.read(item)
            if item.filename == "docProps/core.xml":
                payload = _CORE_DATE.sub(rb"\g<1>" + stamp + rb"\g<3>", payload)
            info = zipfile.ZipInfo(item.filename, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, payload)
    return out.getvalue()


@renderer("docx")
def render_docx(notice: Notice) -> bytes:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    doc.core_properties.title = notice.title
    doc.core_properties.author = "tenderwatch example corpus"
    doc.add_heading(notice.title, level=1)
    for block in notice.blocks:
        if isinstance(block, Heading):
            doc.add_heading(block.text, level=2)
        elif isinstance(block, Paragraph):
            doc.add_paragraph(block.text)
        elif isinstance(block, Table):
            table = doc.add_table(rows=len(block.rows), cols=len(block.rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(block.rows):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
        elif isinstance(block, PageBreak):
            doc.add_page_break()  # type: ignore[no-untyped-call]
    buf = io.BytesIO()
    doc.save(buf)
    return with_fixed_times(buf.getvalue(), _fixed_time(notice))


_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d+)?$|^-?\d+(\.\d+)?$")


def _cell_value(text: str) -> str | int | float:
    if not _NUMBER.match(text):
        return text
    plain = text.replace(",", "")
    return float(plain) if "." in plain else int(plain)


def _sheet_title(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "", text)[:31]


@renderer("xlsx")
def render_xlsx(notice: Notice) -> bytes:
    wb = Workbook()
    sheet = wb.create_sheet("公告信息")
    wb.remove(wb.worksheets[0])  # the default empty "Sheet"
    sheet.append([notice.title])
    sheet["A1"].font = Font(bold=True, size=14)
    for block in notice.blocks:
        if isinstance(block, Heading):
            sheet = wb.create_sheet(_sheet_title(block.text))
            sheet.append([block.text])
            sheet["A1"].font = Font(bold=True)
        elif isinstance(block, Paragraph):
            sheet.append([block.text])
        elif isinstance(block, Table):
            first = sheet.max_row + 1
            for row in block.rows:
                sheet.append([_cell_value(c) for c in row])
            for cell in sheet[first]:
                cell.font = Font(bold=True)
            for row_cells in sheet.iter_rows(min_row=first + 1):
                for cell in row_cells:
                    if isinstance(cell.value, float):
                        cell.number_format = "#,##0.00"
    wb.properties.creator = "tenderwatch example corpus"
    wb.properties.title = notice.title
    buf = io.BytesIO()
    wb.save(buf)
    return with_fixed_times(buf.getvalue(), _fixed_time(notice))
