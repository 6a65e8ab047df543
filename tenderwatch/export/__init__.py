"""Exports of stored documents with their facts, processes and flags: OCDS release
packages, FollowTheMoney entities, CSV / JSON Lines / XLSX. Exporters register by format
name in :data:`EXPORTERS`; see docs/export.md."""

from . import ftm, ocds, tabular  # noqa: F401  (modules register their exporters)
from .base import EXPORTERS, ExportBundle, Exporter, ExportRecord, Table, make_bundle
from .collect import records_from_store

__all__ = [
    "EXPORTERS",
    "ExportBundle",
    "ExportRecord",
    "Exporter",
    "Table",
    "make_bundle",
    "records_from_store",
]
