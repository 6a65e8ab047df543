"""The document view (text page by page, evidence highlighted, rules explained, facts,
provenance, review history) and the download of the original bytes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import FileResponse, Response

from ..blobs import BlobStore
from ..evidence import original_name
from ..review import DocumentView, document_view
from ..store.base import DocumentNotFound
from .context import StoreDep, ViewerDep, render, state
from .queue import DOC_ID

router = APIRouter(tags=["documents"])

# Documents are addressed only by a full, validated sha256: nothing from the URL ever
# becomes part of a file path except these 64 hex characters.
DocId = Annotated[str, Path(pattern=DOC_ID, description="sha256 of the document's bytes")]


def _view(request: Request, store: StoreDep, who: ViewerDep, doc_id: DocId) -> Response:
    try:
        view = document_view(store, doc_id)
    except DocumentNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return render(request, "document.html", view, who)


# The .json route first: /documents/{id} would otherwise swallow "<id>.json" as the id.
router.add_api_route(
    "/documents/{doc_id}.json",
    _view,
    methods=["GET"],
    response_model=DocumentView,
    summary="Document (JSON)",
)
router.add_api_route(
    "/documents/{doc_id}",
    _view,
    methods=["GET"],
    response_model=DocumentView,
    summary="Document: text with highlighted evidence, rules, facts, provenance, decisions",
    responses={200: {"content": {"text/html": {}}}},
)


@router.get(
    "/documents/{doc_id}/original",
    summary="The original bytes, as an attachment",
    response_class=FileResponse,
)
def original(request: Request, store: StoreDep, who: ViewerDep, doc_id: DocId) -> FileResponse:
    try:
        record = store.document(doc_id)
    except DocumentNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    path = BlobStore(state(request).settings.data_dir / "blobs").path_for(doc_id)
    if not path.is_file():
        raise HTTPException(404, "the original bytes are not in the blob store")
    # octet-stream + attachment: the browser saves hostile HTML/PDF instead of rendering it.
    return FileResponse(
        path,
        media_type="application/octet-stream",
        filename=original_name(record),
        content_disposition_type="attachment",
    )
