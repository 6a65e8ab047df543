"""The app factory: routers, static files, security headers and error pages."""

from __future__ import annotations

import ipaddress
from importlib import resources
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..auth import LoginLimiter
from ..settings import Settings
from . import dashboard, document, entities, export, login, queue, search
from .context import AppState, LoginRequired, templates, wants_json
from .settings import WebSettings

# No inline scripts or styles anywhere: every script and stylesheet is a file under /static.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds the headers above to every response (pages, JSON, files, errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _error(request: Request, status: int, message: str) -> Response:
    if wants_json(request) or request.method != "GET":
        return JSONResponse({"detail": message}, status_code=status)
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "message": message, "who": None},
        status_code=status,
    )


def create_app(
    settings: Settings, web: WebSettings | None = None, *, server_mode: bool = False
) -> FastAPI:
    """The workbench over ``settings``' store. ``server_mode``: accounts, roles and login;
    otherwise a single local user with every right (only ever bind that to loopback)."""
    web = web or WebSettings()
    app = FastAPI(
        title="tenderwatch review workbench",
        version=__version__,
        description="Triage flags, read the evidence, record decisions, search, export packs."
        " Every page has a JSON twin at the same URL plus `.json`.",
        # Swagger UI and ReDoc load scripts from a CDN and run inline ones: neither fits the
        # Content-Security-Policy, and the workbench must work offline. The schema stays.
        docs_url=None,
        redoc_url=None,
    )
    app.state.tenderwatch = AppState(
        settings=settings,
        web=web,
        server_mode=server_mode,
        limiter=LoginLimiter(web.login_attempts, web.login_window_s),
    )
    for module in (dashboard, queue, document, search, entities, export, login):
        app.include_router(module.router)
    static = resources.files("tenderwatch.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if wants_json(request) or request.method != "GET":
            return JSONResponse({"detail": "log in first"}, status_code=401)
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={target}", status_code=303)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
        )
        return _error(request, 422, problems or "invalid request")

    @app.exception_handler(ValidationError)
    async def _invalid_filter(request: Request, exc: ValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return _error(request, 422, problems)

    return app
