"""Where vendor data lives: the shipped dataset plus imported lists under the data directory.

Layout under ``DATA_DIR/vendors/``::

    imports/<sha256 of the list file>.jsonl      entities read from that file (one per line)
    imports/<sha256 of the list file>.meta.json  source path, format, counts, errors, time

Importing the same bytes twice writes the same files: imports are idempotent. Reviewer
judgements live in the store (``vendor_judgements``), next to the matches they decide.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from .dataset import shipped_entities
from .imports import ImportResult, merge
from .judgements import JudgementLog
from .matcher import VendorIndex
from .model import Entity
from .settings import VendorSettings

if TYPE_CHECKING:
    from ..store.base import Store


def vendors_dir(data_dir: Path) -> Path:
    return data_dir / "vendors"


def save_import(result: ImportResult, data_dir: Path) -> Path:
    """Keep an import's entities for later runs; returns the entities file."""
    folder = vendors_dir(data_dir) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{result.sha256}.jsonl"
    partial = target.with_suffix(".jsonl.partial")
    with partial.open("w", encoding="utf-8") as out:
        for entity in result.entities:
            out.write(entity.model_dump_json(by_alias=True) + "\n")
    partial.replace(target)  # never leave a half-written import that later runs would read
    meta = {
        "source": result.source,
        "format": result.format,
        "sha256": result.sha256,
        "lines": result.lines,
        "entities": len(result.entities),
        "error_count": result.error_count,
        "errors": result.errors,
        "skipped": dict(result.skipped),
        "imported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    (folder / f"{result.sha256}.meta.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return target


def imported_entities(data_dir: Path, errors: list[str] | None = None) -> list[Entity]:
    """Entities of every saved import; unreadable lines are reported in ``errors``."""
    found: list[Entity] = []
    for path in sorted((vendors_dir(data_dir) / "imports").glob("*.jsonl")):
        with path.open(encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, 1):
                try:
                    found.append(Entity.model_validate_json(line))
                except ValidationError as exc:
                    if errors is not None:
                        errors.append(f"{path}:{number}: {exc.error_count()} validation errors")
    return found


def all_entities(data_dir: Path | None, errors: list[str] | None = None) -> list[Entity]:
    """Shipped vendors and imported entities; entities with the same id are merged."""
    merged: dict[str, Entity] = {}
    imported = imported_entities(data_dir, errors) if data_dir is not None else []
    for entity in [*shipped_entities(), *imported]:
        merged[entity.id] = merge(merged[entity.id], entity) if entity.id in merged else entity
    return list(merged.values())


def build_index(
    data_dir: Path | None = None,
    settings: VendorSettings | None = None,
    errors: list[str] | None = None,
) -> VendorIndex:
    return VendorIndex(all_entities(data_dir, errors), settings)


def judgement_log(store: Store) -> JudgementLog:
    """The store's judgements; judgements recorded through the log are stored at once."""
    return JudgementLog(store.vendor_judgements(), sink=store.add_vendor_judgement)
