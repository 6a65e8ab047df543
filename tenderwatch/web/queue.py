"""The flag queue (filter, sort, keyboard triage) and the decision endpoint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from ..review import Facets, Queue, QueueFilter, ReviewError, decide, document_view, facets, queue
from ..store.base import Decision, DecisionStatus, DocumentNotFound
from .context import (
    FilterArgs,
    ReviewerDep,
    StoreDep,
    ViewerDep,
    render,
    state,
    templates,
    twin,
    wants_json,
)

router = APIRouter(tags=["review"])


class QueuePage(BaseModel):
    queue: Queue
    facets: Facets


def queue_page(request: Request, store: StoreDep, who: ViewerDep, args: FilterArgs) -> Response:
    flt = QueueFilter.model_validate({**args, "limit": state(request).web.page_size})
    return render(
        request, "queue.html", QueuePage(queue=queue(store, flt), facets=facets(store)), who
    )


twin(router, "/queue", queue_page, QueuePage, summary="Flag queue")

DOC_ID = r"^[0-9a-f]{64}$"


@router.post("/decisions", response_model=Decision, summary="Record a review decision")
def post_decision(
    request: Request,
    store: StoreDep,
    who: ReviewerDep,
    doc_id: Annotated[str, Form(pattern=DOC_ID)],
    rule: Annotated[str, Form(max_length=200)],
    status: Annotated[DecisionStatus, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """Append a decision (confirmed / rejected / unsure) on one rule of one document. Needs
    the reviewer role and the CSRF token (form field ``csrf_token`` or header
    ``X-CSRF-Token``). htmx requests get the updated review panel back."""
    if len(note) > state(request).web.max_note_chars:
        raise HTTPException(422, f"note longer than {state(request).web.max_note_chars} characters")
    try:
        decision = decide(store, doc_id, rule, status, reviewer=who.name, note=note.strip())
    except DocumentNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except ReviewError as exc:
        raise HTTPException(404, str(exc)) from exc
    if wants_json(request):
        return JSONResponse(decision.model_dump(mode="json"))
    if request.headers.get("hx-request"):
        view = document_view(store, doc_id)
        review = next(r for r in view.reviews if r.rule.id == rule)
        return templates.TemplateResponse(
            request,
            "_decision.html",
            {
                "view": view,
                "review": review,
                "who": who,
                "compact": "compact" in request.query_params,
            },
        )
    return RedirectResponse(f"/documents/{doc_id}#rule-{rule}", status_code=303)
