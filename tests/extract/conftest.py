"""Fixture documents built inside the tests: nothing binary is committed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from tenderwatch.settings import Settings

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


def text_pdf(pages: list[str], encrypt: str | None = None) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("wqy", str(FONT)))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, encrypt=encrypt)
    for text in pages:
        pdf.setFont("wqy", 14)
        for i, line in enumerate(text.splitlines()):
            pdf.drawString(50, 780 - 20 * i, line)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def scanned_pdf(lines: list[str]) -> bytes:
    """An image-only PDF: Chinese text rendered to pixels, as a scanner would produce."""
    image = Image.new("L", (1240, 600), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 48)
    for i, line in enumerate(lines):
        draw.text((60, 60 + 80 * i), line, font=font, fill=0)
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=150)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture(name="text_pdf")
def _text_pdf() -> object:
    return text_pdf


@pytest.fixture(name="scanned_pdf")
def _scanned_pdf() -> object:
    return scanned_pdf


@pytest.fixture(name="zip_bytes")
def _zip_bytes() -> object:
    return zip_bytes
