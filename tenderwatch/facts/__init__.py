"""Procurement facts: parties, amounts, dates, regions, items and products of a notice.

>>> from tenderwatch.facts import extract_facts
>>> facts = extract_facts(extraction)          # tenderwatch.model.Extraction
>>> facts.buyer.value, [a.value for a in facts.amounts]
"""

from .extract import EXTRACTOR_VERSION, extract_facts
from .model import (
    Amount,
    AmountRole,
    DateFact,
    DateRole,
    Division,
    Item,
    NoticeFacts,
    NoticeType,
    Product,
    Region,
    Source,
    TextFact,
)

__all__ = [
    "EXTRACTOR_VERSION",
    "Amount",
    "AmountRole",
    "DateFact",
    "DateRole",
    "Division",
    "Item",
    "NoticeFacts",
    "NoticeType",
    "Product",
    "Region",
    "Source",
    "TextFact",
    "extract_facts",
]
