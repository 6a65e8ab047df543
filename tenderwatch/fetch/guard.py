"""SSRF guard: tenderwatch fetches URLs that come from untrusted documents and portal
pages, so it must never be steered into the operator's own network (cloud metadata at
169.254.169.254, admin consoles on 10.x, services on loopback).

Two layers, both refusing before a byte is sent to a refused address:

1. :func:`check_host` resolves a URL's host and refuses it if *any* address is not
   publicly routable; :func:`tenderwatch.fetch.fetch` calls it before every hop.
2. :class:`GuardedBackend` is the httpcore network backend of clients built by
   :func:`tenderwatch.fetch.make_client`. It resolves the host again at connect time,
   re-checks, and connects to the checked address itself. Checking once and letting the
   socket library resolve again would leave a DNS-rebinding window (a name that answers
   a public address to the check and 127.0.0.1 to the connect); connecting to the
   address we checked closes it. TLS still uses the host name for SNI and certificate
   checks because httpcore takes those from the request URL, not from the socket.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Checked in order; the first matching property names the refusal.
_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("is_unspecified", "unspecified"),
    ("is_loopback", "loopback"),
    ("is_link_local", "link-local"),
    ("is_multicast", "multicast"),
    ("is_reserved", "reserved"),
    ("is_private", "private"),
)


class AddressRefused(Exception):
    """A host resolved to an address the SSRF guard does not allow."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host}: {reason}")
        self.host = host
        self.reason = reason


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` may not be fetched from, or None when it is publicly routable."""
    # Python 3.11 does not look through IPv4-mapped IPv6 (::ffff:127.0.0.1 is not
    # "loopback" to it), yet connecting to one reaches the IPv4 host.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return refusal(address.ipv4_mapped)
    for attribute, name in _CATEGORIES:
        if getattr(address, attribute):
            return name
    if not address.is_global:  # e.g. 100.64.0.0/10 carrier-grade NAT, 6to4 relays
        return "not globally routable"
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(host, f"the host name does not resolve ({exc})") from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        # IPv6 sockaddrs may carry a %scope suffix; the address part is what we check.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def check_host(host: str, port: int) -> list[IPAddress]:
    """Resolve ``host`` and return its addresses, refusing if any is not public."""
    addresses = resolve(host, port)
    if not addresses:
        raise AddressRefused(host, "the host name resolves to no address")
    for address in addresses:
        reason = refusal(address)
        if reason is not None:
            raise AddressRefused(
                host,
                f"resolves to {address}, a {reason} address; private networks are refused "
                "unless the setting allow_private_networks (TENDERWATCH_ALLOW_PRIVATE_NETWORKS) "
                "is turned on",
            )
    return addresses


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's synchronous backend, connecting only to addresses that pass the guard."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = check_host(host, port)
        # Try each checked address in turn, as socket.create_connection would.
        for address in addresses[:-1]:
            try:
                return self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError:
                continue
        return self._inner.connect_tcp(
            str(addresses[-1]), port, timeout, local_address, socket_options
        )

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise AddressRefused(path, "unix sockets are never fetched from")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)
