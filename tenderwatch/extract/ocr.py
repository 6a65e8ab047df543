"""OCR of rendered PDF pages with Debian's tesseract, one process per page.

``OMP_THREAD_LIMIT=1``: tesseract's OpenMP threads made a page take 24 s instead of 4.5 s
on a 2-core machine (docs/reference stack survey); parallelism comes from running pages
and documents in separate processes instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from PIL import Image

from ..settings import Settings


class OcrUnavailable(Exception):
    """tesseract or one of the requested language models is not installed."""


@cache
def _languages(binary: str) -> frozenset[str]:
    result = subprocess.run(
        [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
    )
    return frozenset(line.strip() for line in result.stdout.splitlines()[1:] if line.strip())


def check_available(settings: Settings) -> str:
    """Path of the tesseract binary; raises :class:`OcrUnavailable` saying what is missing."""
    if not settings.ocr:
        raise OcrUnavailable("OCR is switched off (TENDERWATCH_OCR=false)")
    binary = shutil.which("tesseract")
    if binary is None:
        raise OcrUnavailable("tesseract is not installed (apt-get install tesseract-ocr)")
    wanted = [lang for lang in settings.ocr_languages.split("+") if lang]
    missing = [lang for lang in wanted if lang not in _languages(binary)]
    if missing:
        packages = " ".join(f"tesseract-ocr-{m.replace('_', '-')}" for m in missing)
        raise OcrUnavailable(f"tesseract language data missing: {', '.join(missing)} ({packages})")
    return binary


def ocr_image(image: Image.Image, settings: Settings) -> str:
    """Text of one page image. Raises :class:`OcrUnavailable` or ``RuntimeError``."""
    binary = check_available(settings)
    with tempfile.TemporaryDirectory(prefix="tenderwatch-ocr-") as folder:
        source = Path(folder) / "page.png"
        image.save(source)
        try:
            result = subprocess.run(
                [
                    binary,
                    str(source),
                    "stdout",
                    "-l",
                    settings.ocr_languages,
                    "--dpi",
                    str(settings.ocr_dpi),
                ],
                capture_output=True,
                timeout=settings.ocr_page_timeout_s,
                env={**os.environ, "OMP_THREAD_LIMIT": "1"},
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(
                f"tesseract took longer than {settings.ocr_page_timeout_s:g} s"
            ) from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"tesseract failed: {message[-1] if message else result.returncode}")
    return result.stdout.decode("utf-8", "replace")
