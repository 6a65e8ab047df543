"""The dashboard: what is flagged, by category, severity, region, year and vendor; recent
ingests; inputs that failed and why."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..review import Dashboard, dashboard
from .context import StoreDep, ViewerDep, render, twin

router = APIRouter(tags=["dashboard"])


def dashboard_page(request: Request, store: StoreDep, who: ViewerDep) -> Response:
    return render(request, "dashboard.html", dashboard(store), who)


twin(router, "/", dashboard_page, Dashboard, summary="Dashboard")
