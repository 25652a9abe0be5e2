"""The SSRF guard: refused addresses never get a connection attempt; allowed ones connect to the checked IP.

Every refusal below is asserted through the recording socket layer: `backend.connects == []` means the guard
refused before the inner backend's connect_tcp was ever called, so no packet left the machine.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import httpcore
import httpx
import pytest

from executions.steps.ssrf import (
    AddressGuard,
    AddressRefused,
    GuardedTransport,
    literal_address,
    refusal_reason,
)
from tests.steps.helpers import call, failure, http_command

# --- Through the handler ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://0.0.0.0/", "unspecified"),
        ("http://10.0.0.1/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://169.254.10.1/", "link-local"),
        ("http://100.64.0.1/", "carrier-grade NAT"),
        ("http://224.0.0.1/", "multicast"),
        ("http://255.255.255.255/", "broadcast"),
        ("http://[::1]/", "loopback"),
        ("http://[::]/", "unspecified"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[::ffff:a9fe:a9fe]/", "cloud metadata"),
        ("http://[64:ff9b::a9fe:a9fe]/", "cloud metadata"),
        ("http://[2002:0a00:0001::1]/", "private"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[fd00::1]/", "private"),
        ("http://2130706433/", "loopback"),
        ("http://0177.0.0.1/", "loopback"),
        ("http://0x7f.0.0.1/", "loopback"),
        ("http://0x7f.1/", "loopback"),
        ("http://127.1/", "loopback"),
        ("http://localhost/", "loopback"),
        ("http://LocalHost/", "loopback"),
    ],
)
def test_it_refuses_a_non_public_address_without_connecting(backend, url, reason):
    error = failure(http_command(url), backend)
    assert error.code == "STEP_PERMISSION_DENIED"
    assert reason in error.message
    assert backend.connects == []


def test_it_refuses_loopback_even_when_a_server_listens_there(server, backend):
    error = failure(http_command(server.url("/json")), backend)
    assert error.code == "STEP_PERMISSION_DENIED"
    assert error.message.startswith("refused to connect to '127.0.0.1': loopback addresses")
    assert backend.connects == []
    assert server.requests == []


def test_the_refusal_names_the_host_but_not_the_address_it_resolved_to(backend, fake_dns):
    fake_dns["intranet.example.com"] = ["10.20.30.40"]
    error = failure(http_command("http://intranet.example.com/"), backend)
    assert error.code == "STEP_PERMISSION_DENIED"
    assert "'intranet.example.com'" in error.message
    assert "10.20.30.40" not in error.message


def test_it_refuses_a_host_when_any_of_its_addresses_is_not_public(backend, fake_dns):
    fake_dns["mixed.example.com"] = ["93.184.216.34", "10.0.0.7"]
    assert failure(http_command("http://mixed.example.com/"), backend).code == "STEP_PERMISSION_DENIED"
    assert backend.connects == []


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/admin",
        "http://167772161/",  # 10.0.0.1, spelled as one number
        "http://[::ffff:10.0.0.1]/",
        "http://intranet.example.com/",
    ],
)
def test_it_refuses_a_redirect_hop_to_a_non_public_address(server, backend, settings, fake_dns, target):
    fake_dns["intranet.example.com"] = ["10.20.30.40"]
    settings.WORKFLOWS_HTTP_ALLOW = ["127.0.0.1"]
    error = failure(http_command(server.url(f"/redirect?to={target}")), backend)
    assert error.code == "STEP_PERMISSION_DENIED"
    assert backend.connects == [("127.0.0.1", server.port)]  # the first hop only


# --- The allow-list ---------------------------------------------------------------------------------------


def test_a_cidr_on_the_allow_list_admits_its_addresses(server, backend, settings):
    settings.WORKFLOWS_HTTP_ALLOW = ["127.0.0.0/8"]
    assert call(http_command(server.url("/json")), backend) == {"hello": "world", "n": 1}


def test_a_cidr_on_the_allow_list_admits_nothing_else(backend, settings):
    settings.WORKFLOWS_HTTP_ALLOW = ["127.0.0.1"]
    assert failure(http_command("http://10.0.0.1/"), backend).code == "STEP_PERMISSION_DENIED"
    assert backend.connects == []


def test_a_host_name_on_the_allow_list_admits_it_and_connects_to_the_checked_address(server, backend, settings):
    settings.WORKFLOWS_HTTP_ALLOW = ["LocalHost"]
    assert call(http_command(f"http://localhost:{server.port}/json"), backend)["hello"] == "world"
    assert backend.connects == [("127.0.0.1", server.port)]
    assert server.requests[0]["headers"]["host"] == f"localhost:{server.port}"


def test_a_host_name_on_the_allow_list_does_not_admit_its_address_by_number(server, backend, settings):
    settings.WORKFLOWS_HTTP_ALLOW = ["localhost"]
    assert failure(http_command(server.url("/json")), backend).code == "STEP_PERMISSION_DENIED"
    assert backend.connects == []


# --- The transport on its own: DNS answered by a stand-in, sockets never opened ----------------------------


class FakeStream(httpcore.NetworkStream):
    def __init__(self, log: list[Any]) -> None:
        self.log = log

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None):
        self.log.append(("start_tls", server_hostname))
        raise httpcore.ConnectError("stop here: the test only looks at the TLS handshake's host name")

    def close(self) -> None:
        pass


class FakeSockets(httpcore.NetworkBackend):
    """Records connects and fails them (or hands back a FakeStream): nothing is ever sent anywhere."""

    def __init__(self, *, succeed: bool = False) -> None:
        self.log: list[Any] = []
        self.succeed = succeed

    def connect_tcp(self, host: str, port: int, **kwargs: Any) -> httpcore.NetworkStream:
        self.log.append((host, port))
        if self.succeed:
            return FakeStream(self.log)
        raise httpcore.ConnectError("connection refused")


class ChangingDns:
    """Answers each lookup of a name with the next address in `answers`: a rebinding DNS server."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.lookups = 0

    def __call__(self, host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        address = self.answers[min(self.lookups, len(self.answers) - 1)]
        self.lookups += 1
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]


def guarded_client(sockets: FakeSockets, dns: Any = None, allow: tuple[str, ...] = ()) -> httpx.Client:
    transport = GuardedTransport(AddressGuard(allow), inner=sockets, getaddrinfo=dns)
    return httpx.Client(transport=transport, trust_env=False)


def test_it_resolves_once_and_connects_to_the_address_it_checked():
    sockets, dns = FakeSockets(), ChangingDns("93.184.216.34", "127.0.0.1")
    with guarded_client(sockets, dns) as client, pytest.raises(httpx.ConnectError):
        client.get("http://rebinding.example.com/")
    assert dns.lookups == 1
    assert sockets.log == [("93.184.216.34", 80)]


def test_it_tries_each_checked_address_in_turn():
    sockets = FakeSockets()

    def two_addresses(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in ("93.184.216.34", "93.184.216.35")]

    with guarded_client(sockets, two_addresses) as client, pytest.raises(httpx.ConnectError):
        client.get("http://two.example.com:8080/")
    assert sockets.log == [("93.184.216.34", 8080), ("93.184.216.35", 8080)]


def test_tls_uses_the_host_name_while_the_socket_uses_the_checked_address():
    sockets, dns = FakeSockets(succeed=True), ChangingDns("93.184.216.34")
    with guarded_client(sockets, dns) as client, pytest.raises(httpx.ConnectError):
        client.get("https://api.example.com/")
    assert sockets.log == [("93.184.216.34", 443), ("start_tls", "api.example.com")]


def test_the_transport_refuses_on_connect_what_the_resolver_turns_into_loopback():
    sockets = FakeSockets()
    with guarded_client(sockets) as client, pytest.raises(AddressRefused):
        client.get("http://0x7f.1/")  # the real resolver, which reads this spelling without any DNS query
    assert sockets.log == []


def test_the_transport_refuses_unix_sockets():
    transport = GuardedTransport(AddressGuard(), inner=FakeSockets())
    backend = transport._pool._network_backend
    with pytest.raises(httpcore.ConnectError):
        backend.connect_unix_socket("/var/run/docker.sock")


# --- The rules --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("10.1.2.3", "private"),
        ("172.31.255.255", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("169.254.0.1", "link-local"),
        ("100.127.255.254", "carrier-grade NAT"),
        ("224.0.0.251", "multicast"),
        ("255.255.255.255", "broadcast"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.1", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::127.0.0.1", "loopback"),
        ("64:ff9b::7f00:1", "loopback"),
        ("2002:7f00:1::", "loopback"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "reserved"),  # Teredo, client 192.0.2.45
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("fd00:ec2::254", "cloud metadata"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "reserved"),
        ("100::1", "reserved"),
        ("64:ff9b:1::1", "reserved"),
    ],
)
def test_it_names_why_an_address_is_refused(address, reason):
    assert refusal_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "93.184.216.34",
        "172.32.0.1",
        "100.128.0.1",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2606:4700::1111",
    ],
)
def test_it_lets_public_addresses_through(address):
    assert refusal_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
        ("example.com", None),
        ("0x7f.example.com", None),
    ],
)
def test_it_reads_ip_literals_in_every_spelling_the_resolver_accepts(host, address):
    expected = ipaddress.ip_address(address) if address else None
    assert literal_address(host) == expected


def test_an_ipv4_cidr_on_the_allow_list_admits_the_same_addresses_mapped_into_ipv6():
    AddressGuard(["10.0.0.0/8"]).check("h", [ipaddress.ip_address("::ffff:10.1.2.3")])


def test_a_host_name_on_the_allow_list_matches_without_case_or_trailing_dot():
    AddressGuard(["Internal.Example.com."]).check("internal.example.COM", [ipaddress.ip_address("10.0.0.1")])


# --- A stand-in for DNS for the handler tests above --------------------------------------------------------


@pytest.fixture
def fake_dns(monkeypatch) -> dict[str, list[str]]:
    """Names added to the returned dict resolve to their addresses; other lookups go to the real resolver."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers
