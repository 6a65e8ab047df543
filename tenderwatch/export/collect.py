"""Reading what to export from a store. Facts are read again from each stored extraction
(``extract_facts`` is pure, so this equals what ingest stored) and processes are linked
over the exported set."""

from __future__ import annotations

from collections.abc import Iterable

from ..facts import extract_facts
from ..model import ExtractionStatus
from ..store.base import Store
from .base import ExportRecord


def records_from_store(
    store: Store, *, doc_ids: Iterable[str] | None = None, risk: list[str] | None = None
) -> list[ExportRecord]:
    """Records of the chosen documents (default: all), optionally only at the given risks."""
    chosen = (
        list(doc_ids) if doc_ids is not None else [d.id for d in store.list_documents(risk=risk)]
    )
    records = []
    for doc_id in chosen:
        document = store.document(doc_id)
        if risk is not None and (document.risk is None or document.risk.value not in risk):
            continue
        facts = None
        if document.status in (ExtractionStatus.OK, ExtractionStatus.NEEDS_OCR):
            facts = extract_facts(store.extraction(doc_id))
        records.append(
            ExportRecord(
                doc_id=doc_id,
                title=document.title,
                media_type=document.media_type,
                extracted_at=document.extracted_at,
                risk=document.risk,
                facts=facts,
                flags=store.flags(doc_id),
            )
        )
    return records
