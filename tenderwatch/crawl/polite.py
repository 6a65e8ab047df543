"""Polite fetching for crawls: robots.txt, per-host delay and concurrency, and retries
with backoff on 429/5xx, on top of :func:`tenderwatch.fetch.fetch` (which adds the SSRF
guard, size and time limits and WARC capture)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from ..fetch import FetchError, FetchResult, WarcWriter, fetch
from ..settings import Settings
from .definition import RateSpec

# The product token robots.txt rules are matched against (RFC 9309 section 2.2.1).
ROBOTS_AGENT = "tenderwatch"
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass
class _Host:
    lock: threading.Lock
    slots: threading.Semaphore
    next_at: float = 0.0


@dataclass
class HostLimiter:
    """At most ``concurrency`` requests in flight per host, ``delay`` seconds apart."""

    delay: float
    concurrency: int
    _hosts: dict[str, _Host] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def _host(self, host: str) -> _Host:
        with self._guard:
            if host not in self._hosts:
                self._hosts[host] = _Host(threading.Lock(), threading.Semaphore(self.concurrency))
            return self._hosts[host]

    def slow_down(self, host: str, delay: float) -> None:
        """Raise the delay for one host (robots.txt Crawl-delay)."""
        entry = self._host(host)
        with entry.lock:
            entry.next_at = max(entry.next_at, time.monotonic() + delay)

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        entry = self._host(host)
        with entry.slots:
            with entry.lock:
                wait = entry.next_at - time.monotonic()
                entry.next_at = max(entry.next_at, time.monotonic()) + self.delay
            if wait > 0:
                time.sleep(wait)
            yield


class RobotsDisallowed(FetchError):
    """robots.txt asks crawlers to keep away from this URL."""


class PoliteFetcher:
    """Fetch within one source's manners; thread-safe, shared by the crawl's workers."""

    def __init__(
        self,
        settings: Settings,
        rate: RateSpec,
        *,
        warc: WarcWriter | None,
        client: httpx.Client,
    ) -> None:
        self.settings = settings
        self.warc = warc
        self.client = client
        delay = rate.min_delay_s if settings.crawl_rate_limits else 0.0
        self.limiter = HostLimiter(delay, rate.concurrency)
        self._robots: dict[str, RobotFileParser | str] = {}
        self._robots_lock = threading.Lock()
        self.requests = 0

    def _robots_for(self, url: str) -> RobotFileParser | str:
        """The host's parsed robots.txt, or why the host is off limits for now."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._robots_lock:
            if origin not in self._robots:
                self._robots[origin] = self._load_robots(origin, parts.netloc)
            return self._robots[origin]

    def _load_robots(self, origin: str, host: str) -> RobotFileParser | str:
        parser = RobotFileParser(origin + "/robots.txt")
        try:
            result = self._get(origin + "/robots.txt", {})
        except FetchError as exc:
            return f"robots.txt could not be read ({exc.reason}); the host is skipped this round"
        # RFC 9309 2.3.1: a 4xx robots.txt means no rules; a 5xx means keep out for now.
        if 400 <= result.status < 500:
            parser.parse([])
        elif result.status >= 500:
            return f"robots.txt answered HTTP {result.status}; the host is skipped this round"
        else:
            parser.parse(result.body.decode("utf-8", errors="replace").splitlines())
        delay = parser.crawl_delay(ROBOTS_AGENT)
        if delay and self.settings.crawl_rate_limits:
            self.limiter.delay = max(self.limiter.delay, float(delay))
            self.limiter.slow_down(host, float(delay))
        return parser

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> FetchResult:
        """GET ``url`` if robots.txt allows, retrying 429/5xx and transient failures.

        The last response is returned even if it is still a 429/5xx after all retries.
        """
        robots = self._robots_for(url)
        if isinstance(robots, str):
            raise RobotsDisallowed(url, robots)
        if not robots.can_fetch(ROBOTS_AGENT, url):
            raise RobotsDisallowed(url, "robots.txt disallows this URL for crawlers")
        return self._get(url, headers or {})

    def _get(self, url: str, headers: Mapping[str, str]) -> FetchResult:
        host = urlsplit(url).netloc
        attempt = 0
        while True:
            with self.limiter.slot(host):
                self.requests += 1
                try:
                    result = fetch(
                        url,
                        settings=self.settings,
                        warc=self.warc,
                        client=self.client,
                        headers=headers,
                    )
                except FetchError as exc:
                    if not exc.retryable or attempt >= self.settings.crawl_retries:
                        raise
                    result = None
            if result is not None and (
                result.status not in _RETRY_STATUSES or attempt >= self.settings.crawl_retries
            ):
                return result
            time.sleep(self._backoff(attempt, result))
            attempt += 1

    def _backoff(self, attempt: int, result: FetchResult | None) -> float:
        wait: float = self.settings.crawl_backoff_s * (2.0**attempt)
        after = retry_after(result.header("retry-after")) if result is not None else None
        if after is not None:
            wait = max(wait, after)
        return min(wait, self.settings.crawl_max_backoff_s)


def retry_after(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, float((moment - datetime.now(UTC)).total_seconds()))
