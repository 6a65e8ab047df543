"""What every page module shares: the app's state, who is asking (and may they write),
CSRF checking, and rendering one view model as HTML or as its JSON twin."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel

from ..auth import LoginLimiter, Role, same_token, session_for
from ..settings import Settings
from ..store.base import Store, open_store
from .settings import WebSettings

SESSION_COOKIE = "tw_session"
LOGIN_CSRF_COOKIE = "tw_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


@dataclass
class AppState:
    settings: Settings
    web: WebSettings
    server_mode: bool
    limiter: LoginLimiter
    # Local mode has no sessions; this per-process token still keeps other web sites from
    # posting decisions through the user's browser (they cannot read our pages to learn it).
    local_csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))


@dataclass(frozen=True)
class Viewer:
    name: str
    role: Role
    csrf_token: str
    local: bool

    def can(self, role: Role) -> bool:
        return self.role.allows(role)


def state(request: Request) -> AppState:
    app_state: AppState = request.app.state.tenderwatch
    return app_state


def get_store(request: Request) -> Iterator[Store]:
    """One store per request: each worker thread gets its own SQLite connection."""
    store = open_store(state(request).settings)
    try:
        yield store
    finally:
        store.close()


StoreDep = Annotated[Store, Depends(get_store)]


class LoginRequired(Exception):
    """Raised for anonymous requests in server mode; HTML gets a redirect, JSON a 401."""


def viewer(request: Request, store: StoreDep) -> Viewer:
    app_state = state(request)
    if not app_state.server_mode:
        return Viewer(name="local", role=Role.ADMIN, csrf_token=app_state.local_csrf, local=True)
    token = request.cookies.get(SESSION_COOKIE)
    session = session_for(store, token) if token else None
    if session is None:
        raise LoginRequired()
    return Viewer(name=session.user, role=session.role, csrf_token=session.csrf_token, local=False)


ViewerDep = Annotated[Viewer, Depends(viewer)]


async def _csrf_given(request: Request) -> str | None:
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.method == "POST":
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    return given


async def reviewer(request: Request, who: ViewerDep) -> Viewer:
    """A viewer allowed to write, whose request carries their CSRF token."""
    if not same_token(who.csrf_token, await _csrf_given(request)):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page")
    if not who.can(Role.REVIEWER):
        raise HTTPException(403, f"{who.name} is a {who.role}; recording decisions needs reviewer")
    return who


ReviewerDep = Annotated[Viewer, Depends(reviewer)]


def wants_json(request: Request) -> bool:
    if request.url.path.endswith(".json"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _query(args: dict[str, str], **changes: Any) -> str:
    merged = {**args, **{k: str(v) for k, v in changes.items() if v is not None}}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
    return "?" + urlencode(merged) if merged else ""


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tenderwatch.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.filters["when"] = _when
    env.filters["short"] = lambda doc_id: str(doc_id)[:12]
    env.globals["query"] = _query
    return env


templates = Jinja2Templates(env=_environment())


def render(request: Request, template: str, view: BaseModel, who: Viewer, **extra: Any) -> Response:
    """The view as JSON for API clients, else the page; both come from the same model."""
    if wants_json(request):
        return JSONResponse(view.model_dump(mode="json"))
    return templates.TemplateResponse(request, template, {"view": view, "who": who, **extra})


def filter_args(
    category: str | None = None,
    severity: str | None = None,
    status: str | None = None,
    region: str | None = None,
    buyer: str | None = None,
    vendor: str | None = None,
    product: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    sort: str | None = None,
    offset: int = 0,
) -> dict[str, Any]:
    """The queue filter's query arguments; an empty form field means "any"."""
    given = {
        "category": category,
        "severity": severity,
        "status": status,
        "region": region,
        "buyer": buyer,
        "vendor": vendor,
        "product": product,
        "date_from": date_from,
        "date_to": date_to,
        "sort": sort,
    }
    args: dict[str, Any] = {k: v.strip() for k, v in given.items() if v and v.strip()}
    args["offset"] = offset
    return args


FilterArgs = Annotated[dict[str, Any], Depends(filter_args)]


def twin(router: Any, path: str, endpoint: Any, model: type[BaseModel], *, summary: str) -> None:
    """Register a page and its JSON twin (``path.json``; ``Accept: application/json`` on the
    page URL works too), both described in the OpenAPI schema by ``model``."""
    json_path = (path.rstrip("/") or "/index") + ".json"
    router.add_api_route(
        json_path, endpoint, methods=["GET"], response_model=model, summary=summary + " (JSON)"
    )
    router.add_api_route(
        path,
        endpoint,
        methods=["GET"],
        response_model=model,
        summary=summary,
        responses={200: {"content": {"text/html": {}}}},
    )
