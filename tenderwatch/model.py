"""Data shared by every pipeline stage: extracted documents, flags and scan results.

Offsets convention used everywhere: a document's *original text* is its pages' texts
joined with a form feed (``\\f``); ``start``/``end`` are Python string offsets into that
text, and ``page`` is the 1-based page the span starts on.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

PAGE_SEPARATOR = "\f"


class ExtractionStatus(StrEnum):
    OK = "ok"
    NEEDS_OCR = "needs_ocr"  # pages without a text layer and no OCR engine available
    EMPTY = "empty"  # readable, but no text at all
    FAILED = "failed"  # the input could not be read; ``error`` says why


class Page(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=1, description="1-based page number")
    text: str
    ocr: bool = Field(False, description="text came from OCR, not a text layer")


class Extraction(BaseModel):
    """What an extractor read from one document's bytes."""

    media_type: str
    extractor: str = Field(description="extractor name and version, for provenance")
    status: ExtractionStatus = ExtractionStatus.OK
    pages: list[Page] = Field(default_factory=list)
    title: str | None = None
    full_text: str | None = Field(
        None, description="HTML only: all visible text, where pages hold the main text"
    )
    charset: str | None = Field(None, description="how text bytes were decoded")
    error: str | None = None
    warnings: list[str] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return PAGE_SEPARATOR.join(p.text for p in self.pages)

    def page_at(self, offset: int) -> int:
        """1-based page holding ``offset`` of :attr:`text`."""
        position = 0
        for page in self.pages:
            position += len(page.text) + 1
            if offset < position:
                return page.number
        return self.pages[-1].number if self.pages else 1


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Risk(StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Flag(BaseModel):
    """One piece of evidence: a rule that matched, quoting the original text."""

    model_config = ConfigDict(frozen=True)

    rule: str = Field(description="stable dotted rule id, e.g. ethnic.attribute.face")
    category: str
    severity: Severity
    signal: bool = Field(False, description="context signal: raises severity, never flags alone")
    text: str = Field(description="the matched original text, exactly as extracted")
    page: int
    start: int
    end: int
    context: str = Field(description="original text around the match")
    ruleset_version: str


class ScanResult(BaseModel):
    risk: Risk
    flags: list[Flag] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    ruleset_version: str
