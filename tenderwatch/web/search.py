"""Full-text search (Chinese and English) combined with the queue's filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from ..review import Facets, QueueFilter, facets, queue
from ..store.base import SearchHit, StoreError
from .context import FilterArgs, StoreDep, ViewerDep, render, state, twin

router = APIRouter(tags=["search"])

FILTER_KEYS = ("category", "severity", "status", "region", "buyer", "vendor", "product")


class SearchPage(BaseModel):
    q: str
    filter: QueueFilter
    hits: list[SearchHit]
    facets: Facets


def search_page(
    request: Request,
    store: StoreDep,
    who: ViewerDep,
    args: FilterArgs,
    q: Annotated[str, Query(description="words to find; all must occur")] = "",
) -> Response:
    limit = state(request).web.max_query_chars
    if len(q) > limit:
        raise HTTPException(422, f"query longer than {limit} characters")
    flt = QueueFilter.model_validate(args)
    hits: list[SearchHit] = []
    if q.strip():
        try:
            hits = store.search(q, limit=100)
        except StoreError as exc:
            raise HTTPException(422, str(exc)) from exc
        narrowing = any(k in args for k in (*FILTER_KEYS, "date_from", "date_to"))
        if narrowing and hits:
            ids = [h.doc_id for h in hits]
            kept = queue(store, flt.model_copy(update={"doc_ids": ids, "limit": 10_000})).items
            keep = {item.doc_id for item in kept}
            hits = [h for h in hits if h.doc_id in keep]
    view = SearchPage(q=q, filter=flt, hits=hits, facets=facets(store))
    return render(request, "search.html", view, who)


twin(router, "/search", search_page, SearchPage, summary="Search")
