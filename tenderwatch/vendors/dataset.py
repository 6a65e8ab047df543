"""Loading the shipped vendor dataset (``data/vendors.yaml``) with strict validation.

Every name, identifier, model prefix and listing must cite a source declared in the file, and
every listing a declared list: a fact without provenance is a load error, not a warning.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .model import Entity, ListInfo, Source, VendorDataset


class InvalidVendorData(ValueError):
    """The vendor file is malformed; the message names the file and the entry."""


def _check_references(dataset: VendorDataset, where: str) -> None:
    source_ids = {source.id for source in dataset.sources}
    list_ids = {info.id for info in dataset.lists}
    vendor_ids: set[str] = set()
    problems: list[str] = []
    for vendor in dataset.vendors:
        if vendor.id in vendor_ids:
            problems.append(f"{vendor.id}: duplicate vendor id")
        vendor_ids.add(vendor.id)
        if not vendor.names:
            problems.append(f"{vendor.id}: no names")
        cited = [n.source for n in vendor.names]
        cited += [i.source for i in vendor.identifiers]
        cited += [p.source for p in vendor.model_prefixes]
        cited += [listing.source for listing in vendor.listings]
        problems += [f"{vendor.id}: unknown source {s!r}" for s in cited if s not in source_ids]
        problems += [
            f"{vendor.id}: unknown list {listing.list_id!r}"
            for listing in vendor.listings
            if listing.list_id not in list_ids
        ]
    problems += [
        f"{v.id}: unknown parent {v.parent!r}"
        for v in dataset.vendors
        if v.parent is not None and v.parent not in vendor_ids
    ]
    if problems:
        raise InvalidVendorData(f"{where}: " + "; ".join(problems))


def load_dataset(path: Path | None = None) -> VendorDataset:
    """Read and validate a vendor YAML file (default: the shipped one)."""
    if path is None:
        text = resources.files(__package__).joinpath("data/vendors.yaml").read_text("utf-8")
        where = "tenderwatch/vendors/data/vendors.yaml"
    else:
        text = path.read_text("utf-8")
        where = str(path)
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidVendorData(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise InvalidVendorData(f"{where}: expected a mapping at the top level")
    version = str(raw.get("version", ""))
    for vendor in raw.get("vendors") or []:
        if isinstance(vendor, dict):
            vendor.setdefault("origin", f"shipped:{version}")
    try:
        dataset = VendorDataset.model_validate(raw)
    except ValidationError as exc:
        raise InvalidVendorData(f"{where}: {exc}") from exc
    _check_references(dataset, where)
    return dataset


@cache
def shipped_dataset() -> VendorDataset:
    """The dataset bundled with tenderwatch, loaded once per process."""
    return load_dataset()


def shipped_entities() -> list[Entity]:
    return list(shipped_dataset().vendors)


def list_info(list_id: str) -> ListInfo | None:
    return next((info for info in shipped_dataset().lists if info.id == list_id), None)


def source_info(source_id: str) -> Source | None:
    return next((s for s in shipped_dataset().sources if s.id == source_id), None)
