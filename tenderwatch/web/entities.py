"""Buyer, vendor and product pages: every known one, and the documents and flags of each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from ..review import EntityCount, EntityKind, Queue, QueueFilter, entities, entity_documents, queue
from ..store.base import DocumentRecord
from .context import StoreDep, ViewerDep, render

router = APIRouter(tags=["entities"])


class EntityPage(BaseModel):
    kind: EntityKind
    name: str | None
    entities: list[EntityCount] = []
    documents: list[DocumentRecord] = []
    queue: Queue | None = None


def entity_page(
    request: Request,
    store: StoreDep,
    who: ViewerDep,
    kind: EntityKind,
    name: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """Without ``name``: the list of buyers / vendors / products; with it: one of them."""
    if not name:
        view = EntityPage(kind=kind, name=None, entities=entities(store, kind))
    else:
        docs = entity_documents(store, kind, name)
        flt = QueueFilter.model_validate({kind.value: name, "limit": 500})
        view = EntityPage(kind=kind, name=name, documents=docs, queue=queue(store, flt))
    return render(request, "entity.html", view, who)


router.add_api_route(
    "/entities/{kind}.json", entity_page, methods=["GET"], response_model=EntityPage,
    summary="Buyers, vendors or products (JSON)",
)  # fmt: skip
router.add_api_route(
    "/entities/{kind}", entity_page, methods=["GET"], response_model=EntityPage,
    summary="Buyers, vendors or products", responses={200: {"content": {"text/html": {}}}},
)  # fmt: skip
