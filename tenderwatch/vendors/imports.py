"""Import of user-supplied lists: FollowTheMoney entity JSON lines and the OpenSanctions
"simple" CSV, parsed with plain ``json`` / ``csv`` so the import needs no followthemoney install.

Organisations only: ``Person`` rows are skipped and counted (tenderwatch matches companies named
in procurement documents and never profiles individuals). ``Sanction`` entities in FtM files
become listings of the entity they point to. Every malformed line is reported by number and
skipped; one bad line never stops an import.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..registry import Registry
from .model import LISTED_TOPICS, Entity, EntityName, Identifier, Listing, NameKind
from .settings import VendorSettings

ORGANISATION_SCHEMATA = frozenset({"Company", "Organization", "LegalEntity", "PublicBody"})
_FTM_NAME_PROPS = {
    "name": NameKind.LEGAL,
    "alias": NameKind.ALIAS,
    "previousName": NameKind.PREVIOUS,
    "weakAlias": NameKind.WEAK,
}
_FTM_ID_PROPS = ("registrationNumber", "taxNumber", "innCode", "ogrnCode", "leiCode", "uscCode")
SIMPLE_CSV_COLUMNS = (
    "id",
    "schema",
    "name",
    "aliases",
    "birth_date",
    "countries",
    "addresses",
    "identifiers",
    "sanctions",
    "phones",
    "emails",
    "dataset",
    "first_seen",
    "last_seen",
    "last_change",
)


@dataclass
class ImportResult:
    """What one import read: entities, per-line errors and counts of what was skipped."""

    source: str
    format: str
    sha256: str = ""
    lines: int = 0
    entities: list[Entity] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def error(self, line: int, message: str, limit: int) -> None:
        self.error_count += 1
        if len(self.errors) < limit:
            self.errors.append(f"{self.source}:{line}: {message}")


class ImportFailed(ValueError):
    """The whole file cannot be imported (missing, too large, unknown format, wrong header)."""


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _lines(path: Path, result: ImportResult, settings: VendorSettings) -> Iterator[tuple[int, str]]:
    """Decoded lines with their numbers; over-long or undecodable lines become errors."""
    limit = settings.max_import_line_bytes
    with path.open("rb") as raw:
        number = 0
        while chunk := raw.readline(limit + 1):
            number += 1
            if len(chunk) > limit and not chunk.endswith(b"\n"):
                result.error(
                    number, f"line longer than {limit} bytes; skipped", settings.max_import_errors
                )
                while chunk and not chunk.endswith(b"\n"):  # skip the rest of the line
                    chunk = raw.readline(limit + 1)
                continue
            try:
                text = chunk.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                result.error(
                    number, f"not UTF-8 ({exc.reason}); skipped", settings.max_import_errors
                )
                continue
            result.lines = number
            yield number, text


def _strings(values: object) -> list[str]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return []
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def _ftm_entity(data: dict[str, Any], origin: str, source: str) -> Entity:
    props = data.get("properties")
    if not isinstance(props, dict):
        raise ValueError("no properties object")
    names = [
        EntityName(name=value, kind=kind, source=source)
        for prop, kind in _FTM_NAME_PROPS.items()
        for value in _strings(props.get(prop))
    ]
    if not names:
        raise ValueError("entity has no name")
    topics = _strings(props.get("topics"))
    datasets = _strings(data.get("datasets"))
    listings = []
    if LISTED_TOPICS.intersection(topics):
        listings = [
            Listing(
                list_id=dataset,
                added=_date(data.get("first_seen")),
                reference=f"{dataset}: {data['id']} ({', '.join(topics)})",
                source=source,
            )
            for dataset in datasets or ["imported"]
        ]
    return Entity(
        id=str(data["id"]),
        schema_name=str(data["schema"]),
        names=names,
        identifiers=[
            Identifier(scheme=prop, value=value, source=source)
            for prop in _FTM_ID_PROPS
            for value in _strings(props.get(prop))
        ],
        listings=listings,
        countries=_strings(props.get("country")) + _strings(props.get("jurisdiction")),
        topics=topics,
        origin=origin,
    )


def _ftm_sanction(data: dict[str, Any], source: str) -> tuple[list[str], Listing]:
    props = data.get("properties") or {}
    if not isinstance(props, dict):
        raise ValueError("no properties object")
    targets = _strings(props.get("entity"))
    if not targets:
        raise ValueError("Sanction without an entity")
    authority = ", ".join(_strings(props.get("authority")))
    program = ", ".join(_strings(props.get("program")))
    reference = "; ".join(x for x in (authority, program, *_strings(props.get("reason"))) if x)
    urls = _strings(props.get("sourceUrl"))
    start = _strings(props.get("listingDate")) + _strings(props.get("startDate"))
    end = _strings(props.get("endDate"))
    datasets = _strings(data.get("datasets"))
    listing = Listing(
        list_id=datasets[0] if datasets else authority or "imported",
        added=_date(start[0]) if start else None,
        removed=_date(end[0]) if end else None,
        reference=reference or str(data.get("id", "sanction")),
        source=source,
        url=urls[0] if urls else None,
    )
    return targets, listing


def read_ftm(path: Path, settings: VendorSettings | None = None) -> ImportResult:
    """FollowTheMoney entities, one JSON object per line (OpenSanctions ``entities.ftm.json``)."""
    settings = settings or VendorSettings()
    result = ImportResult(source=str(path), format="ftm")
    entities: dict[str, Entity] = {}
    sanctions: list[tuple[list[str], Listing]] = []
    for number, line in _lines(path, result, settings):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict) or not data.get("id") or not data.get("schema"):
                raise ValueError("expected an object with id and schema")
            schema = str(data["schema"])
            if schema == "Sanction":
                sanctions.append(_ftm_sanction(data, str(path)))
            elif schema in ORGANISATION_SCHEMATA:
                entity = _ftm_entity(data, f"import:{path.name}#{number}", str(path))
                entities[entity.id] = (
                    merge(entities[entity.id], entity) if entity.id in entities else entity
                )
            else:
                result.skipped[f"schema {schema}"] += 1
        except (ValueError, ValidationError, TypeError) as exc:
            result.error(
                number, f"{type(exc).__name__}: {str(exc)[:300]}", settings.max_import_errors
            )
    for targets, listing in sanctions:
        for target in targets:
            if target in entities:
                entities[target].listings = [*entities[target].listings, listing]
            else:
                result.skipped["sanction of an entity not in the file, or of a person"] += 1
    result.entities = list(entities.values())
    return result


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def read_simple_csv(path: Path, settings: VendorSettings | None = None) -> ImportResult:
    """The OpenSanctions simple CSV (``targets.simple.csv``)."""
    settings = settings or VendorSettings()
    result = ImportResult(source=str(path), format="csv")
    csv.field_size_limit(settings.max_import_line_bytes)
    lines = _lines(path, result, settings)
    numbered: dict[int, int] = {}

    def texts() -> Iterator[str]:
        for number, text in lines:
            numbered[0] = number
            yield text

    reader = csv.DictReader(texts())
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise ImportFailed(f"{path}: not a CSV file: {exc}") from exc
    missing = [c for c in ("id", "schema", "name") if c not in (header or [])]
    if missing:
        raise ImportFailed(
            f"{path}: not an OpenSanctions simple CSV (missing columns {', '.join(missing)};"
            f" expected {', '.join(SIMPLE_CSV_COLUMNS)})"
        )
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.error(numbered.get(0, 0), f"bad CSV row: {exc}", settings.max_import_errors)
            continue
        number = numbered.get(0, 0)
        try:
            entity = _csv_entity(row, f"import:{path.name}#{number}", str(path))
        except (ValueError, ValidationError) as exc:
            result.error(
                number, f"{type(exc).__name__}: {str(exc)[:300]}", settings.max_import_errors
            )
            continue
        if entity is None:
            result.skipped[f"schema {row.get('schema')}"] += 1
        else:
            result.entities.append(entity)
    return result


def _csv_entity(row: dict[str, str | None], origin: str, source: str) -> Entity | None:
    schema = (row.get("schema") or "").strip()
    if schema not in ORGANISATION_SCHEMATA:
        return None
    entity_id = (row.get("id") or "").strip()
    if not entity_id:
        raise ValueError("row has no id")
    names = [
        EntityName(name=n, kind=NameKind.LEGAL, source=source) for n in _split(row.get("name"))
    ]
    names += [
        EntityName(name=n, kind=NameKind.ALIAS, source=source) for n in _split(row.get("aliases"))
    ]
    if not names:
        raise ValueError("row has no name")
    datasets = _split(row.get("dataset")) or ["imported"]
    sanctions = _split(row.get("sanctions"))
    listings = [
        Listing(
            list_id=datasets[0], added=_date(row.get("first_seen")), reference=text, source=source
        )
        for text in sanctions
    ] or [
        Listing(
            list_id=dataset, added=_date(row.get("first_seen")), reference=dataset, source=source
        )
        for dataset in datasets
    ]
    return Entity(
        id=entity_id,
        schema_name=schema,
        names=names,
        identifiers=[
            Identifier(scheme="identifier", value=v, source=source)
            for v in _split(row.get("identifiers"))
        ],
        listings=listings,
        countries=_split(row.get("countries")),
        origin=origin,
    )


def merge(first: Entity, second: Entity) -> Entity:
    """One entity with the names, identifiers and listings of both (same id)."""
    return first.model_copy(
        update={
            "names": first.names + [n for n in second.names if n not in first.names],
            "identifiers": first.identifiers
            + [i for i in second.identifiers if i not in first.identifiers],
            "listings": first.listings + [x for x in second.listings if x not in first.listings],
            "model_prefixes": first.model_prefixes
            + [p for p in second.model_prefixes if p not in first.model_prefixes],
            "topics": sorted(set(first.topics) | set(second.topics)),
            "countries": sorted(set(first.countries) | set(second.countries)),
        }
    )


@dataclass(frozen=True)
class Importer:
    read: Callable[[Path, VendorSettings | None], ImportResult]
    suffixes: tuple[str, ...]
    first_byte: bytes  # what the first non-blank byte of such a file looks like


IMPORTERS: Registry[Importer] = Registry("vendor list format")
IMPORTERS.add("ftm", Importer(read_ftm, (".json", ".jsonl", ".ftm", ".ijson"), b"{"))
IMPORTERS.add("csv", Importer(read_simple_csv, (".csv",), b"i"))


def detect_format(path: Path) -> str:
    for name, importer in IMPORTERS.items():
        if path.suffix.lower() in importer.suffixes:
            return name
    with path.open("rb") as raw:
        head = raw.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    for name, importer in IMPORTERS.items():
        if head.startswith(importer.first_byte):
            return name
    raise ImportFailed(f"{path}: unknown list format; use --format {'/'.join(IMPORTERS.names())}")


def import_file(
    path: Path, list_format: str | None = None, settings: VendorSettings | None = None
) -> ImportResult:
    """Read one list file into entities; file-level problems raise :class:`ImportFailed`."""
    settings = settings or VendorSettings()
    if not path.is_file():
        raise ImportFailed(f"{path}: no such file")
    size = path.stat().st_size
    if size > settings.max_import_bytes:
        raise ImportFailed(
            f"{path}: {size} bytes is over the import limit ({settings.max_import_bytes})"
        )
    name = list_format or detect_format(path)
    try:
        importer = IMPORTERS.get(name)
    except KeyError as exc:
        raise ImportFailed(str(exc)) from exc
    result = importer.read(path, settings)
    digest = hashlib.sha256()
    with path.open("rb") as raw:
        for block in iter(lambda: raw.read(1 << 20), b""):
            digest.update(block)
    result.sha256 = digest.hexdigest()
    return result
