"""The SSRF guard refuses private addresses before any traffic is sent to them."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from tenderwatch.fetch import AddressRefused, FetchError, fetch, make_client
from tenderwatch.fetch.guard import GuardedBackend, refusal
from tenderwatch.settings import Settings

# Any globally routable literal works: with settings.proxy pointing at the fixture
# server, requests for it reach only that server.
PUBLIC_IP = "93.184.216.34"

REFUSED = [
    "http://127.0.0.1/",
    "http://127.9.9.9:8080/x",
    "http://10.20.30.40/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://[::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://100.64.0.1/",
    "http://localhost/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_default_settings_refuse_without_sending_traffic(server, tmp_path, url):
    # Every request of this client would go to the fixture server acting as a proxy,
    # so an empty request log proves the guard refused before anything was sent.
    settings = Settings(data_dir=tmp_path, proxy=server.base)
    with pytest.raises(FetchError) as caught:
        fetch(url, settings=settings)
    assert "allow_private_networks" in caught.value.reason
    assert server.requests == []


def test_default_settings_refuse_the_loopback_server_itself(server, tmp_path):
    with pytest.raises(FetchError, match="loopback"):
        fetch(server.base + "/ok", settings=Settings(data_dir=tmp_path))
    assert server.requests == []


def test_public_address_passes_the_guard(server, tmp_path):
    settings = Settings(data_dir=tmp_path, proxy=server.base)
    result = fetch(f"http://{PUBLIC_IP}/ok", settings=settings)
    assert result.status == 200
    assert server.requests[0][1] == f"http://{PUBLIC_IP}/ok"


def test_each_redirect_hop_is_checked(server, tmp_path):
    settings = Settings(data_dir=tmp_path, proxy=server.base)
    with pytest.raises(FetchError) as caught:
        fetch(f"http://{PUBLIC_IP}/to-metadata", settings=settings)
    assert "169.254.169.254" in caught.value.reason
    assert [path for _, path, _ in server.requests] == [f"http://{PUBLIC_IP}/to-metadata"]


def test_connect_time_guard_refuses_even_without_the_pre_check(server, tmp_path):
    # A client used directly (no fetch() pre-check) still cannot reach loopback: the
    # network backend re-resolves and re-checks at connect time (DNS rebinding).
    with make_client(Settings(data_dir=tmp_path)) as client, pytest.raises(AddressRefused):
        client.get(server.base + "/ok")
    assert server.requests == []


def test_backend_refuses_names_resolving_to_loopback(server):
    with pytest.raises(AddressRefused, match="loopback"):
        GuardedBackend().connect_tcp("localhost", server.server_address[1])


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("10.0.0.1", "private"),
        ("0.0.0.0", "unspecified"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not globally routable"),
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_refusal_categories(address, expected):
    assert refusal(ipaddress.ip_address(address)) == expected


def test_allow_private_networks_lets_loopback_through(server, local_settings):
    assert fetch(server.base + "/ok", settings=local_settings).status == 200
    with make_client(local_settings) as client:
        assert client.get(server.base + "/ok").status_code == 200
    assert isinstance(make_client(local_settings), httpx.Client)
