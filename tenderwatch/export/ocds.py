"""OCDS 1.1 release packages: one release per notice, one ``ocid`` per process.

Mapping: notice type → release tag (intention → planning, tender → tender, correction →
tenderAmendment, award → award, termination → tenderCancellation, contract → contract);
buyer, agency (procuringEntity) and suppliers → parties; budget → tender.value; items →
tender.items; award amounts with suppliers → awards; contract notices → contracts.
Unreadable values (value None) are left out, never filled in.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, BinaryIO

from ..facts.model import Amount, AmountRole, DateRole, NoticeFacts, NoticeType
from ..facts.processes import Process
from .base import EXPORTERS, ExportBundle, Exporter, ExportRecord, Table, stable_id

TAGS = {
    NoticeType.INTENTION: "planning",
    NoticeType.TENDER: "tender",
    NoticeType.CORRECTION: "tenderAmendment",
    NoticeType.AWARD: "award",
    NoticeType.TERMINATION: "tenderCancellation",
    NoticeType.CONTRACT: "contract",
}


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _value(amount: Decimal | None, currency: str) -> dict[str, Any] | None:
    return None if amount is None else {"amount": _number(amount), "currency": currency}


def _when(day: date | None, fallback: datetime) -> str:
    moment = datetime.combine(day, time(), tzinfo=UTC) if day else fallback.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


def _party(name: str, roles: list[str], facts: NoticeFacts, role: str | None) -> dict[str, Any]:
    party: dict[str, Any] = {"id": stable_id("tw-org", name), "name": name, "roles": roles}
    region = next((r for r in facts.regions if r.role == role), None) if role else None
    if region is not None:
        party["address"] = {
            "region": region.path[0].name,
            "locality": region.division.name,
            "countryName": "China",
        }
    return party


def release(record: ExportRecord, process: Process | None, ocid_prefix: str) -> dict[str, Any]:
    facts = record.facts or NoticeFacts(extractor_version="none")
    kind = facts.notice_type.value if facts.notice_type else None
    published = facts.date_of(DateRole.PUBLICATION)
    ocid = f"{ocid_prefix}-{process.id if process else stable_id('twp', 'doc:' + record.doc_id)}"
    out: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{record.doc_id[:16]}-{kind.value if kind else 'notice'}",
        "date": _when(published.value if published else None, record.extracted_at),
        "tag": [TAGS[kind]] if kind else ["tender"],
        "initiationType": "tender",
        "language": "zh",
    }
    parties: list[dict[str, Any]] = []
    if facts.buyer:
        parties.append(_party(facts.buyer.value, ["buyer"], facts, "buyer"))
        out["buyer"] = {"id": parties[-1]["id"], "name": facts.buyer.value}
    if facts.agency:
        parties.append(_party(facts.agency.value, ["procuringEntity"], facts, None))
    suppliers = [_party(s.value, ["supplier"], facts, None) for s in facts.suppliers]
    parties.extend(suppliers)
    if parties:
        out["parties"] = parties
    out["tender"] = _tender(facts, process, record)
    awards = _awards(facts, suppliers, record)
    if awards and kind is not NoticeType.CONTRACT:
        out["awards"] = awards
    if kind is NoticeType.CONTRACT:
        out["awards"] = awards
        signed = facts.date_of(DateRole.CONTRACT)
        out["contracts"] = [
            _contract(record, award, signed.value if signed else None) for award in awards
        ]
    return out


def _contract(record: ExportRecord, award: dict[str, Any], signed: date | None) -> dict[str, Any]:
    contract: dict[str, Any] = {
        "id": stable_id("tw-contract", record.doc_id, award["id"]),
        "awardID": award["id"],
    }
    if "value" in award:
        contract["value"] = award["value"]
    if signed is not None:
        contract["dateSigned"] = _when(signed, record.extracted_at)
    return contract


def _tender(facts: NoticeFacts, process: Process | None, record: ExportRecord) -> dict[str, Any]:
    tender: dict[str, Any] = {"id": process.id if process else record.doc_id[:16]}
    title = facts.project_name.value if facts.project_name else facts.title
    if title:
        tender["title"] = title
    budgets = [a for a in facts.amounts_of(AmountRole.BUDGET) if a.value is not None]
    if budgets:
        total = sum((a.value for a in budgets if a.value is not None), Decimal(0))
        tender["value"] = _value(total, budgets[0].currency)
    deadline = facts.date_of(DateRole.BID_DEADLINE) or facts.date_of(DateRole.BID_OPENING)
    if deadline and deadline.value:
        tender["tenderPeriod"] = {"endDate": _when(deadline.value, record.extracted_at)}
    if facts.notice_type and facts.notice_type.value is NoticeType.TERMINATION:
        tender["status"] = "cancelled"
    items = []
    for number, item in enumerate(facts.items, start=1):
        entry: dict[str, Any] = {
            "id": str(number),
            "description": " ".join(p for p in (item.name, item.brand, item.model) if p) or "item",
        }
        if item.quantity is not None:
            entry["quantity"] = _number(item.quantity)
        unit: dict[str, Any] = {}
        if item.unit:
            unit["name"] = item.unit
        if item.unit_price is not None:
            unit["value"] = _value(item.unit_price, "CNY")
        if unit:
            entry["unit"] = unit
        items.append(entry)
    if items:
        tender["items"] = items
    return tender


def _awards(
    facts: NoticeFacts, suppliers: list[dict[str, Any]], record: ExportRecord
) -> list[dict[str, Any]]:
    amounts = [a for a in facts.amounts_of(AmountRole.AWARD) if a.value is not None]
    refs = [{"id": s["id"], "name": s["name"]} for s in suppliers]
    if not refs and not amounts:
        return []
    # one award per supplier when the notice gives one amount each (per-lot tables), else one
    groups: list[tuple[list[dict[str, Any]], Amount | None]]
    if len(refs) == len(amounts):
        groups = [([ref], amount) for ref, amount in zip(refs, amounts, strict=True)]
    else:
        groups = [(refs, amounts[0] if len(amounts) == 1 else None)]
    awards = []
    for group, amount in groups:
        award: dict[str, Any] = {
            "id": stable_id("tw-award", record.doc_id, *(r["id"] for r in group), _lot(amount)),
            "status": "active",
        }
        if group:
            award["suppliers"] = group
        if amount is not None and amount.value is not None:
            award["value"] = _value(amount.value, amount.currency)
        awards.append(award)
    return awards


def _lot(amount: Amount | None) -> str:
    return (amount.lot or "") if amount else ""


def package(bundle: ExportBundle) -> dict[str, Any]:
    processes = bundle.process_of()
    return {
        "version": "1.1",
        "publishedDate": _when(None, bundle.generated_at),
        "publisher": {"name": "tenderwatch"},
        "uri": f"urn:tenderwatch:export:{bundle.generated_at.strftime('%Y%m%dT%H%M%SZ')}",
        "releases": [
            release(r, processes.get(r.doc_id), bundle.ocid_prefix)
            for r in bundle.records
            if r.facts is not None
        ],
    }


def write_ocds(bundle: ExportBundle, out: BinaryIO, table: Table) -> None:
    out.write(json.dumps(package(bundle), ensure_ascii=False, indent=1).encode("utf-8"))


EXPORTERS.add("ocds", Exporter("ocds", ".json", "OCDS 1.1 release package", write_ocds))
