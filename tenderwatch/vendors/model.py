"""Vendor entities, the public lists they are on, and where each fact comes from.

Shipped vendors (``data/vendors.yaml``) and imported FollowTheMoney / OpenSanctions entities
become the same :class:`Entity`, so one matcher serves both.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

# FollowTheMoney topics that mean "this entity is on a list a compliance team must check".
LISTED_TOPICS = frozenset(
    {"sanction", "sanction.linked", "export.control", "export.risk", "debarment", "gov.security"}
)


class NameKind(StrEnum):
    LEGAL = "legal"  # registered legal name
    SHORT = "short"  # short or stock name, e.g. 海康威视 / 大华股份
    BRAND = "brand"
    ALIAS = "alias"  # other names used by lists (FtM alias)
    PREVIOUS = "previous"  # FtM previousName
    WEAK = "weak"  # FtM weakAlias: too generic to match on its own


class Source(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    publisher: str
    date: dt.date
    url: str


class ListInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="stable dotted id, e.g. us.bis.entity_list")
    title: str
    authority: str
    topics: list[str] = Field(default_factory=list)


class Listing(BaseModel):
    """One entry of an entity on a public list."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    list_id: str = Field(
        alias="list", description="ListInfo id, or the dataset name for imported entities"
    )
    added: dt.date | None = None
    removed: dt.date | None = None
    reference: str = Field(description="notice, order or dataset reference to quote")
    source: str = Field(description="Source id, or the import file for imported entities")
    url: str | None = None

    @property
    def active(self) -> bool:
        return self.removed is None


class EntityName(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: NameKind
    lang: str | None = None
    source: str


class Identifier(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    scheme: str = Field(description="e.g. szse (stock code), uscc, registrationNumber")
    value: str
    source: str


class ModelPrefix(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    prefix: str = Field(description="product model prefix, e.g. DS- for Hikvision")
    source: str


class Entity(BaseModel):
    """A company (or other organisation) that supplier and maker mentions are matched to."""

    model_config = ConfigDict(extra="forbid")

    id: str
    schema_name: str = Field("Company", description="FollowTheMoney schema")
    names: list[EntityName]
    identifiers: list[Identifier] = Field(default_factory=list)
    model_prefixes: list[ModelPrefix] = Field(default_factory=list)
    listings: list[Listing] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    parent: str | None = Field(None, description="id of the parent entity, for subsidiaries")
    relation: str | None = Field(None, description="how this entity relates to its parent")
    origin: str = Field(description="shipped:<dataset version> or import:<file>#<line>")

    @property
    def caption(self) -> str:
        """The name to show: first legal name, else the first name."""
        for name in self.names:
            if name.kind is NameKind.LEGAL:
                return name.name
        return self.names[0].name if self.names else self.id

    @property
    def active_listings(self) -> list[Listing]:
        return [listing for listing in self.listings if listing.active]


class VendorDataset(BaseModel):
    """The shipped vendor file, validated strictly."""

    model_config = ConfigDict(extra="forbid")

    version: str
    sources: list[Source]
    lists: list[ListInfo]
    vendors: list[Entity]
