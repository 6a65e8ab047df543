"""Source definitions: how to read one procurement portal, declared as YAML and checked
strictly when loaded. Built-in portals live in ``tenderwatch/crawl/portals/*.yaml``;
docs/crawling.md documents every field.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]


class InvalidSource(Exception):
    """A source definition file is malformed; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ListSpec(_Strict):
    """The notice list: URL template, pagination, and where each entry's fields are."""

    url: str = Field(description="template with {page}, {start} and {end}")
    format: Literal["html", "json"] = Field("html", description="how list pages are parsed")
    date_format: str = Field("%Y-%m-%d", description="strftime format of {start} and {end}")
    first_page: int = Field(1, ge=0)
    max_pages: int = Field(50, ge=1, description="list pages read per date window at most")
    window_days: int = Field(1, ge=1, description="days covered by one date window")
    lookback_days: int = Field(3, ge=0, description="days before today the first crawl reads")
    items: str = Field(description="CSS selector (html) or dotted path (json) of the entries")
    link: str = Field(description="within an entry: CSS selector of the <a>, or a JSON key")
    link_template: str | None = Field(
        None, description="json: build the notice URL from the link value, e.g. https://x/{value}"
    )
    title: str | None = None
    date: str | None = Field(None, description="within an entry: where the notice date is")
    date_pattern: str = r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})"
    total: str | None = Field(
        None, description="CSS selector (html) or dotted path (json) of the announced total"
    )
    total_pattern: str = r"(\d[\d,]*)"

    @field_validator("date_pattern", "total_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value

    @field_validator("url")
    @classmethod
    def _is_template(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL template")
        if "{page}" not in value:
            raise ValueError("must contain {page}")
        try:
            value.format(page=1, start="", end="")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"only {{page}}, {{start}} and {{end}} may be used ({exc!r})") from exc
        return value


class NoticeSpec(_Strict):
    """The notice page: its attachments and what a withdrawn notice looks like."""

    attachments: str | None = Field(None, description="CSS selector of attachment links")
    attachment_pattern: str = Field(
        r"(?i)\.(pdf|docx?|xlsx?|zip|rar|wps|et)(\?|#|$)",
        description="keep only links whose URL matches",
    )
    removed_markers: list[str] = Field(
        default_factory=list, description="text that means the portal withdrew the notice"
    )


class RateSpec(_Strict):
    """Politeness towards the portal's host."""

    min_delay_s: float = Field(1.0, ge=0, description="seconds between two requests to a host")
    concurrency: int = Field(1, ge=1, le=16, description="requests in flight to a host")


class SourceDefinition(_Strict):
    name: Name
    title: str
    home: str = Field(description="the portal's home page; a redirect there means 'taken down'")
    region: str = Field(description="national, or the province the portal serves")
    listing: ListSpec
    notice: NoticeSpec = NoticeSpec()
    rate: RateSpec = RateSpec()
    recheck: Literal["flagged", "all"] = Field(
        "flagged", description="which captured notices watch re-checks for changes and takedowns"
    )
    adapter: str = Field("declarative", description="registered Python adapter for custom steps")
    caveats: str = Field("", description="what a researcher should know about this portal")

    def windows(self, today: date) -> list[tuple[date, date]]:
        """Date windows from ``lookback_days`` before ``today`` up to today, oldest first."""
        step = timedelta(days=self.listing.window_days)
        start = today - timedelta(days=self.listing.lookback_days)
        spans = []
        while start <= today:
            end = min(start + step - timedelta(days=1), today)
            spans.append((start, end))
            start = end + timedelta(days=1)
        return spans


def load_source(path: Path) -> SourceDefinition:
    """Read and validate one YAML source definition."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidSource(f"{path}: cannot read YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise InvalidSource(f"{path}: a source definition is a mapping of fields")
    try:
        source = SourceDefinition.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise InvalidSource(f"{path}: {problems}") from exc
    from .adapter import ADAPTERS

    if source.adapter not in ADAPTERS:
        known = ", ".join(ADAPTERS.names())
        raise InvalidSource(f"{path}: adapter {source.adapter!r} is not registered; known: {known}")
    if path.stem != source.name:
        raise InvalidSource(f"{path}: the file must be named after the source ({source.name}.yaml)")
    return source


def builtin_dir() -> Path:
    return Path(str(resources.files(__package__).joinpath("portals")))


def load_sources(*extra_dirs: Path) -> dict[str, SourceDefinition]:
    """Built-in source definitions plus those in ``extra_dirs`` (later ones win by name)."""
    found: dict[str, SourceDefinition] = {}
    for directory in (builtin_dir(), *extra_dirs):
        for path in sorted(directory.glob("*.yaml")):
            source = load_source(path)
            found[source.name] = source
    return found
