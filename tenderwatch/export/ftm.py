"""FollowTheMoney entities as JSON lines (Aleph / OpenSanctions tooling).

Per process: a ``Contract`` (title, authority, procedure number, budget); per party a
``PublicBody`` (buyer), ``Organization`` (agency) or ``Company`` (supplier); per award a
``ContractAward`` linking contract and supplier with the amount. Ids are content-derived
and match the OCDS party ids, so the same organisation has one id across exports. The
entities are plain dicts; the followthemoney library is not needed to write them (the tests
validate them with it where it is installed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from ..facts.model import AmountRole, DateRole, NoticeFacts
from ..facts.processes import Process
from .base import EXPORTERS, ExportBundle, Exporter, Table, stable_id

Entity = dict[str, Any]


def _entity(schema: str, entity_id: str, **properties: list[str]) -> Entity:
    return {
        "id": entity_id,
        "schema": schema,
        "properties": {k: v for k, v in properties.items() if v},
    }


def _region(facts: NoticeFacts, role: str) -> list[str]:
    region = next((r for r in facts.regions if r.role == role), None)
    return [" ".join(d.name for d in region.path)] if region else []


def entities(bundle: ExportBundle) -> Iterator[Entity]:
    """Every entity once, in a stable order."""
    seen: set[str] = set()
    processes = bundle.process_of()
    for record in bundle.records:
        facts = record.facts
        if facts is None:
            continue
        process = processes.get(record.doc_id)
        for entity in _notice_entities(record.doc_id, facts, process):
            if entity["id"] not in seen:
                seen.add(entity["id"])
                yield entity


def _notice_entities(doc_id: str, facts: NoticeFacts, process: Process | None) -> Iterator[Entity]:
    buyer_id = None
    if facts.buyer:
        buyer_id = stable_id("tw-org", facts.buyer.value)
        country = ["cn"] if _region(facts, "buyer") else []
        yield _entity("PublicBody", buyer_id, name=[facts.buyer.value], country=country,
                      address=_region(facts, "buyer"))  # fmt: skip
    if facts.agency:
        yield _entity(
            "Organization", stable_id("tw-org", facts.agency.value), name=[facts.agency.value]
        )
    contract_id = stable_id("tw-contract", process.id if process else doc_id)
    title = facts.project_name.value if facts.project_name else facts.title
    budget = next((a for a in facts.amounts_of(AmountRole.BUDGET) if a.value is not None), None)
    signed = facts.date_of(DateRole.CONTRACT)
    yield _entity(
        "Contract",
        contract_id,
        title=[title] if title else [],
        name=[title] if title else [],
        authority=[buyer_id] if buyer_id else [],
        procedureNumber=[facts.project_code.value] if facts.project_code else [],
        amount=[str(budget.value)] if budget else [],
        currency=[budget.currency] if budget else [],
        contractDate=[signed.value.isoformat()] if signed and signed.value else [],
    )
    awards = [a for a in facts.amounts_of(AmountRole.AWARD) if a.value is not None]
    paired = len(awards) == len(facts.suppliers)
    for index, supplier in enumerate(facts.suppliers):
        supplier_id = stable_id("tw-org", supplier.value)
        yield _entity("Company", supplier_id, name=[supplier.value])
        amount = awards[index] if paired else (awards[0] if len(awards) == 1 else None)
        yield _entity(
            "ContractAward",
            stable_id("tw-award", contract_id, supplier_id),
            contract=[contract_id],
            supplier=[supplier_id],
            amount=[str(amount.value)] if amount else [],
            currency=[amount.currency] if amount else [],
            lotNumber=[amount.lot] if amount and amount.lot else [],
        )


def write_ftm(bundle: ExportBundle, out: BinaryIO, table: Table) -> None:
    for entity in entities(bundle):
        out.write(json.dumps(entity, ensure_ascii=False).encode("utf-8") + b"\n")


EXPORTERS.add("ftm", Exporter("ftm", ".ftm.json", "FollowTheMoney entities, JSON lines", write_ftm))
