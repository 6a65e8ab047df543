"""Shared helpers for the facts tests: notices are plain text we write ourselves."""

from __future__ import annotations

import pytest

from tenderwatch.model import Extraction, Page


@pytest.fixture
def extraction_of():
    """Build an Extraction from page texts (and an optional extractor title)."""

    def make(*pages: str, title: str | None = None) -> Extraction:
        return Extraction(
            media_type="text/html",
            extractor="test",
            title=title,
            pages=[Page(number=n, text=t) for n, t in enumerate(pages, start=1)],
        )

    return make
