"""What every extractor is: a name, the media types it reads, and a pure function of bytes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..model import Extraction, ExtractionStatus
from ..registry import Registry
from ..settings import Settings

ExtractFunction = Callable[[bytes, Settings, str | None], Extraction]


class ExtractionError(Exception):
    """Bad input an extractor recognises; :func:`tenderwatch.extract.extract` records it."""


@dataclass(frozen=True, slots=True)
class Extractor:
    name: str
    version: str
    media_types: tuple[str, ...]
    run: ExtractFunction  # (data, settings, charset_hint) -> Extraction

    @property
    def label(self) -> str:
        return f"{self.name}/{self.version}"

    def failed(self, media_type: str, error: str) -> Extraction:
        return Extraction(
            media_type=media_type, extractor=self.label, status=ExtractionStatus.FAILED, error=error
        )


EXTRACTORS: Registry[Extractor] = Registry("extractor")
