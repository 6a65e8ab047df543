"""What every exporter receives and how exporters register: by format name in
:data:`EXPORTERS`, never through if/elif."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import BinaryIO

from pydantic import BaseModel, Field

from ..facts.model import NoticeFacts
from ..facts.processes import Process, link_processes
from ..model import Flag, Risk
from ..registry import Registry
from ..settings import Settings


class ExportRecord(BaseModel):
    """One stored document with its facts and flags."""

    doc_id: str
    title: str | None = None
    media_type: str
    extracted_at: datetime
    risk: Risk | None = None
    facts: NoticeFacts | None = None
    flags: list[Flag] = Field(default_factory=list)


class Table(StrEnum):
    """Which table tabular formats (csv) write; xlsx writes them all, one sheet each."""

    DOCUMENTS = "documents"
    FACTS = "facts"
    ITEMS = "items"
    PRODUCTS = "products"
    FLAGS = "flags"


@dataclass(frozen=True)
class ExportBundle:
    records: list[ExportRecord]
    processes: list[Process]
    generated_at: datetime
    ocid_prefix: str  # setting ocds_ocid_prefix

    def process_of(self) -> dict[str, Process]:
        """Document id -> its process."""
        return {n.doc_id: p for p in self.processes for n in p.notices}


def make_bundle(
    records: list[ExportRecord], generated_at: datetime, settings: Settings | None = None
) -> ExportBundle:
    """Records plus the processes linking them (documents without facts stay unlinked)."""
    processes = link_processes((r.doc_id, r.facts) for r in records if r.facts is not None)
    prefix = (settings or Settings()).ocds_ocid_prefix
    return ExportBundle(records, processes, generated_at, prefix)


@dataclass(frozen=True)
class Exporter:
    name: str
    suffix: str  # file name suffix, e.g. ".json"
    description: str
    write: Callable[[ExportBundle, BinaryIO, Table], None]


EXPORTERS: Registry[Exporter] = Registry("exporter")


def stable_id(prefix: str, *parts: str) -> str:
    """Content-derived id: the same organisation or award gets the same id in every export."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]
    return f"{prefix}-{digest}"
