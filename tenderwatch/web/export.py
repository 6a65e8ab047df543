"""The evidence-pack button: the current view as a zip (see tenderwatch.evidence)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from ..evidence import build_pack
from ..review import QueueFilter, ReviewError
from .context import FilterArgs, StoreDep, ViewerDep, state

router = APIRouter(tags=["export"])


@router.get(
    "/export.zip",
    summary="Evidence pack of the filtered view (zip: originals, WARC records, report, manifest)",
    response_class=FileResponse,
)
def export_pack(
    request: Request,
    store: StoreDep,
    who: ViewerDep,
    args: FilterArgs,
    q: Annotated[str, Query(description="limit to documents matching this search")] = "",
) -> FileResponse:
    app_state = state(request)
    flt = QueueFilter.model_validate(args)
    if q.strip():
        if len(q) > app_state.web.max_query_chars:
            raise HTTPException(
                422, f"query longer than {app_state.web.max_query_chars} characters"
            )
        hits = store.search(q, limit=app_state.web.max_pack_documents + 1)
        flt = flt.model_copy(update={"doc_ids": [h.doc_id for h in hits]})
    folder = Path(tempfile.mkdtemp(prefix="tenderwatch-pack-"))
    out = folder / "evidence-pack.zip"

    def clean() -> None:
        out.unlink(missing_ok=True)
        folder.rmdir()

    try:
        build_pack(
            store, app_state.settings, flt, out, max_documents=app_state.web.max_pack_documents
        )
    except ReviewError as exc:
        clean()
        raise HTTPException(422, str(exc)) from exc
    return FileResponse(
        out,
        media_type="application/zip",
        filename="tenderwatch-evidence-pack.zip",
        background=BackgroundTask(clean),
    )
