"""Types of the facts read from one procurement notice.

Every value carries a :class:`Source`: where in the original text (pages joined by ``\\f``)
it was read and the exact original string, so a reader can always check it. A value that
could not be parsed keeps its original string with ``value=None`` and an ``error``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Source(BaseModel):
    model_config = ConfigDict(frozen=True)

    page: int = Field(description="1-based page the span starts on")
    start: int
    end: int
    text: str = Field(description="the original string, exactly as extracted")


class NoticeType(StrEnum):
    INTENTION = "intention"  # 采购意向
    TENDER = "tender"  # 招标/采购公告
    CORRECTION = "correction"  # 更正公告
    AWARD = "award"  # 中标(成交)结果
    TERMINATION = "termination"  # 终止公告
    CONTRACT = "contract"  # 合同公告


class AmountRole(StrEnum):
    BUDGET = "budget"
    CEILING = "ceiling"
    AWARD = "award"
    TOTAL = "total"


class DateRole(StrEnum):
    PUBLICATION = "publication"
    BID_OPENING = "bid_opening"
    BID_DEADLINE = "bid_deadline"
    AWARD = "award"
    CONTRACT = "contract"


class TextFact(BaseModel):
    value: str
    source: Source


class TypeFact(BaseModel):
    value: NoticeType
    source: Source


class Amount(BaseModel):
    role: AmountRole
    value: Decimal | None = Field(description="in units of the currency; None when unparseable")
    currency: str = "CNY"
    lot: str | None = Field(None, description="lot (包/标段) the amount belongs to, if any")
    error: str | None = None
    source: Source


class DateFact(BaseModel):
    role: DateRole
    value: date | None
    error: str | None = None
    source: Source


class Division(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str = Field(description="GB/T 2260 six-digit code")
    name: str
    level: str = Field(description="province, prefecture or county")
    autonomous: bool


class Region(BaseModel):
    role: str = Field(description="what was located: buyer or delivery")
    path: list[Division] = Field(description="province first, most specific last")
    source: Source

    @property
    def division(self) -> Division:
        return self.path[-1]

    @property
    def autonomous(self) -> bool:
        """Any level of the path is autonomous (自治区/州/县/旗)."""
        return any(d.autonomous for d in self.path)


class Product(BaseModel):
    maker: str
    family: str = Field(description="product family from the pattern file, e.g. camera, gpu")
    model: str = Field(description="normalised model number")
    pattern: str = Field(description="id of the pattern that matched")
    source: Source


class Item(BaseModel):
    name: str | None = None
    brand: str | None = None
    model: str | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    total_price: Decimal | None = None
    lot: str | None = None
    errors: list[str] = Field(default_factory=list)
    source: Source


class NoticeFacts(BaseModel):
    """Everything :func:`tenderwatch.facts.extract_facts` read from one notice."""

    notice_type: TypeFact | None = None
    title: str | None = None
    project_code: TextFact | None = None
    project_name: TextFact | None = None
    buyer: TextFact | None = None
    buyer_address: TextFact | None = None
    agency: TextFact | None = None
    suppliers: list[TextFact] = Field(default_factory=list)
    delivery_place: TextFact | None = None
    amounts: list[Amount] = Field(default_factory=list)
    dates: list[DateFact] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)
    products: list[Product] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="values recorded as unreadable")
    extractor_version: str

    def amounts_of(self, role: AmountRole) -> list[Amount]:
        return [a for a in self.amounts if a.role is role]

    def date_of(self, role: DateRole) -> DateFact | None:
        return next((d for d in self.dates if d.role is role), None)
