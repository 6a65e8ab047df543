"""Login and logout (server mode only)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..auth import authenticate, end_session, same_token, start_session
from .context import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    StoreDep,
    ViewerDep,
    state,
    templates,
)

router = APIRouter(tags=["accounts"])


def _safe_next(target: str) -> str:
    # Only same-site paths: "//evil.example" or "https://..." would be an open redirect.
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _form(request: Request, error: str | None = None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = templates.TemplateResponse(
        request,
        "login.html",
        {"csrf": token, "error": error, "next": _safe_next(request.query_params.get("next", "/"))},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request)
    )
    return response


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/login", response_class=HTMLResponse, summary="Login form")
def login_form(request: Request) -> Response:
    return _form(request)


@router.post("/login", summary="Log in (server mode)")
def login(
    request: Request,
    store: StoreDep,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    app_state = state(request)
    if not app_state.server_mode:
        return RedirectResponse("/", status_code=303)
    if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf_token):
        raise HTTPException(403, "missing or wrong CSRF token; reload the login page")
    client = request.client.host if request.client else "unknown"
    key = f"{name}\x1f{client}"
    if not app_state.limiter.allowed(key):
        return _form(request, "Too many failed attempts; wait a few minutes.", 429)
    user = authenticate(store, name, password)
    if user is None:
        app_state.limiter.failed(key)
        return _form(request, "Wrong name or password.", 401)
    app_state.limiter.succeeded(key)
    token, _ = start_session(store, user, hours=app_state.web.session_hours)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        max_age=int(app_state.web.session_hours * 3600),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout", summary="Log out")
def logout(
    request: Request, store: StoreDep, who: ViewerDep, csrf_token: Annotated[str, Form()]
) -> Response:
    if not same_token(who.csrf_token, csrf_token):
        raise HTTPException(403, "missing or wrong CSRF token")
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(store, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
