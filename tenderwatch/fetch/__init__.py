"""Polite, SSRF-guarded HTTP fetching with WARC capture (docs/fetching.md).

from tenderwatch.fetch import WarcWriter, fetch

with WarcWriter(settings.data_dir / "warc") as warc:
    result = fetch("https://www.ccgp.gov.cn/", settings=settings, warc=warc)
"""

from ..warc import WarcLocation, WarcWriter
from .client import FetchError, FetchResult, fetch, make_client
from .guard import AddressRefused, check_host

__all__ = [
    "AddressRefused",
    "FetchError",
    "FetchResult",
    "WarcLocation",
    "WarcWriter",
    "check_host",
    "fetch",
    "make_client",
]
