"""Fetching one URL: SSRF-guarded, size- and time-limited, redirects followed by hand so
that every hop is checked and archived. See docs/fetching.md."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime

import httpcore
import httpx
from pydantic import BaseModel, ConfigDict, Field

from ..settings import Settings
from ..warc import WarcLocation, WarcWriter
from .guard import AddressRefused, GuardedBackend, check_host, refusal, resolve

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class FetchError(Exception):
    """A URL could not be fetched; ``reason`` says why and what to do about it.

    ``retryable`` is true for failures that may pass on a later try (timeouts, dropped
    connections), false for refusals and limits that would fail the same way again.
    """

    def __init__(self, url: str, reason: str, *, retryable: bool = False) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.retryable = retryable


class FetchResult(BaseModel):
    """One completed fetch: the final response and where it was archived."""

    model_config = ConfigDict(frozen=True)

    requested_url: str
    url: str = Field(description="final URL, after redirects")
    status: int
    headers: list[tuple[str, str]] = Field(description="final response headers, in order")
    body: bytes = Field(description="decoded body (Content-Encoding undone)")
    fetched_at: datetime = Field(description="UTC time the final request was sent")
    redirects: list[str] = Field(
        default_factory=list, description="URLs that answered with a redirect, in order"
    )
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_record_id: str | None = None

    def header(self, name: str) -> str | None:
        """First value of response header ``name`` (case-insensitive), if present."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with its connection pool on :class:`GuardedBackend`."""

    def __init__(self) -> None:
        super().__init__(trust_env=False)
        # HTTPTransport offers no network_backend argument, so the pool it built is
        # replaced by an identical one that connects through the guard.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            network_backend=GuardedBackend(),
        )


def make_client(settings: Settings) -> httpx.Client:
    """An httpx client configured from ``settings``: user agent, timeouts, proxy, guard.

    Redirects are not followed by the client; :func:`fetch` follows them itself. Reuse one
    client for many fetches to keep connections alive.
    """
    transport: httpx.BaseTransport
    if settings.proxy:
        # Through a proxy the proxy resolves names, so only the pre-request check in
        # fetch() applies; the proxy itself is the operator's choice and is trusted.
        transport = httpx.HTTPTransport(proxy=settings.proxy, trust_env=False)
    elif settings.allow_private_networks:
        transport = httpx.HTTPTransport(trust_env=False)
    else:
        transport = _GuardedTransport()
    return httpx.Client(
        transport=transport,
        headers={"User-Agent": settings.user_agent},
        timeout=httpx.Timeout(settings.http_timeout_s),
        follow_redirects=False,
        # Proxies and certificates come from settings only, never from stray env vars.
        trust_env=False,
    )


def _checked_url(raw: str, settings: Settings) -> httpx.URL:
    try:
        url = httpx.URL(raw)
    except httpx.InvalidURL as exc:
        raise FetchError(raw, f"not a valid URL ({exc})") from exc
    if url.scheme not in ("http", "https"):
        raise FetchError(raw, f"only http and https URLs are fetched, not {url.scheme or 'none'!r}")
    if not url.host:
        raise FetchError(raw, "the URL has no host")
    if not settings.allow_private_networks:
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            check_host(url.raw_host.decode("ascii"), port)
        except AddressRefused as exc:
            raise FetchError(raw, exc.reason) from exc
    return url


def _peer(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    address = stream.get_extra_info("server_addr")
    return str(address[0]) if address else None


def _read_body(response: httpx.Response, url: str, settings: Settings, deadline: float) -> bytes:
    limit = settings.max_file_bytes
    announced = response.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > limit:
        raise FetchError(
            url,
            f"the server announces {int(announced):,} bytes, over the limit of {limit:,} "
            "(setting max_file_bytes)",
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise FetchError(
                url, f"the response grew past the limit of {limit:,} bytes (setting max_file_bytes)"
            )
        if time.monotonic() > deadline:
            raise FetchError(
                url,
                f"the fetch took longer than {settings.http_deadline_s:g} s "
                "(setting http_deadline_s); the server is sending too slowly",
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _exchange(
    client: httpx.Client,
    url: httpx.URL,
    settings: Settings,
    deadline: float,
    headers: Mapping[str, str],
) -> tuple[httpx.Response, bytes, datetime, str | None]:
    """Send one GET and read its body within the limits; the response is closed."""
    request = client.build_request("GET", url, headers=headers)
    sent_at = datetime.now(UTC)
    text_url = str(url)
    try:
        response = client.send(request, stream=True)
    except AddressRefused as exc:
        raise FetchError(text_url, exc.reason) from exc
    except httpx.TimeoutException as exc:
        raise FetchError(
            text_url,
            f"no answer within {settings.http_timeout_s:g} s (setting http_timeout_s); "
            "the server may be overloaded, try again later",
            retryable=True,
        ) from exc
    except httpx.HTTPError as exc:
        raise FetchError(
            text_url, f"could not connect: {exc or type(exc).__name__}", retryable=True
        ) from exc
    try:
        peer = _peer(response)
        if peer and not settings.allow_private_networks and not settings.proxy:
            # Clients passed in by callers do not connect through GuardedBackend; this
            # after-connect check at least refuses to read from a rebound address.
            # (Through a proxy the peer is the proxy, which the operator chose.)
            reason = refusal(resolve(peer, 0)[0])
            if reason is not None:
                raise FetchError(text_url, f"connected to {peer}, a {reason} address; refused")
        try:
            body = _read_body(response, text_url, settings, deadline)
        except httpx.TimeoutException as exc:
            raise FetchError(
                text_url,
                f"the body stalled for more than {settings.http_timeout_s:g} s "
                "(setting http_timeout_s)",
                retryable=True,
            ) from exc
        except httpx.DecodingError as exc:
            raise FetchError(text_url, f"the body could not be decoded ({exc})") from exc
        except httpx.HTTPError as exc:
            raise FetchError(
                text_url, f"the connection failed mid-body ({exc})", retryable=True
            ) from exc
    finally:
        response.close()
    return response, body, sent_at, peer


def fetch(
    url: str,
    *,
    settings: Settings,
    warc: WarcWriter | None = None,
    client: httpx.Client | None = None,
    headers: Mapping[str, str] | None = None,
) -> FetchResult:
    """GET ``url``, following redirects by hand, and archive every exchange to ``warc``.

    ``headers`` are added to every request (e.g. If-None-Match for conditional GETs).

    Non-2xx responses are returned (the caller decides); network failures, timeouts,
    redirect loops, refused addresses and size limits raise :class:`FetchError`.
    """
    own_client = client is None
    http = make_client(settings) if client is None else client
    try:
        return _follow(url, settings, warc, http, headers or {})
    finally:
        if own_client:
            http.close()


def _follow(
    url: str,
    settings: Settings,
    warc: WarcWriter | None,
    http: httpx.Client,
    headers: Mapping[str, str],
) -> FetchResult:
    deadline = time.monotonic() + settings.http_deadline_s
    redirects: list[str] = []
    current = url
    for _hop in range(settings.http_max_redirects + 1):
        target = _checked_url(current, settings)
        response, body, sent_at, peer = _exchange(http, target, settings, deadline, headers)
        location: WarcLocation | None = None
        if warc is not None:
            location = warc.write_exchange(
                url=str(target),
                method="GET",
                request_headers=response.request.headers.multi_items(),
                status=response.status_code,
                reason=response.reason_phrase,
                response_headers=response.headers.multi_items(),
                body=body,
                fetched_at=sent_at,
                http_version=response.http_version,
                ip_address=peer,
            )
        next_hop = response.headers.get("location")
        if response.status_code in _REDIRECT_STATUSES and next_hop:
            redirects.append(str(target))
            try:
                current = str(target.join(next_hop.strip()))
            except httpx.InvalidURL as exc:
                raise FetchError(url, f"the redirect to {next_hop!r} is not a valid URL") from exc
            if current in redirects:
                chain = " → ".join([*redirects, current])
                raise FetchError(url, f"redirect loop: {chain}")
            continue
        return FetchResult(
            requested_url=url,
            url=str(target),
            status=response.status_code,
            headers=response.headers.multi_items(),
            body=body,
            fetched_at=sent_at,
            redirects=redirects,
            warc_file=location.file if location else None,
            warc_offset=location.offset if location else None,
            warc_record_id=location.record_id if location else None,
        )
    raise FetchError(
        url,
        f"more than {settings.http_max_redirects} redirects (setting http_max_redirects); "
        f"last hop was {current}",
    )
