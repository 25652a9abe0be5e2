"""The SSRF guard of httpCall steps: which addresses a workflow may make this service connect to.

The check runs inside the connection itself (an httpcore network backend): the host is resolved once, EVERY
address it resolves to is checked, and the socket is opened to one of those checked addresses. There is no
second lookup between check and connect, so a DNS answer that changes (rebinding) cannot slip a private
address past the check, and numeric spellings (`2130706433`, `0x7f.1`) are checked as what they resolve to.
Redirects go through the same transport, so every hop is checked. TLS still uses the host name for SNI and
certificate checks: httpcore takes those from the request's origin, not from the address we connect to.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., list[tuple[Any, ...]]]

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# Refused IPv4 ranges, first match names the reason. Anything else is a public address.
_REFUSED_V4: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (_V4("169.254.169.254/32"), "cloud metadata"),
    (_V4("0.0.0.0/8"), "unspecified"),
    (_V4("127.0.0.0/8"), "loopback"),
    (_V4("10.0.0.0/8"), "private"),
    (_V4("172.16.0.0/12"), "private"),
    (_V4("192.168.0.0/16"), "private"),
    (_V4("169.254.0.0/16"), "link-local"),
    (_V4("100.64.0.0/10"), "carrier-grade NAT"),
    (_V4("192.0.0.0/24"), "reserved"),
    (_V4("192.0.2.0/24"), "reserved"),
    (_V4("192.88.99.0/24"), "reserved"),
    (_V4("198.18.0.0/15"), "reserved"),
    (_V4("198.51.100.0/24"), "reserved"),
    (_V4("203.0.113.0/24"), "reserved"),
    (_V4("224.0.0.0/4"), "multicast"),
    (_V4("255.255.255.255/32"), "broadcast"),
    (_V4("240.0.0.0/4"), "reserved"),
)

_REFUSED_V6: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_V6("::/128"), "unspecified"),
    (_V6("::1/128"), "loopback"),
    (_V6("fd00:ec2::254/128"), "cloud metadata"),
    (_V6("fc00::/7"), "private"),
    (_V6("fec0::/10"), "private"),
    (_V6("fe80::/10"), "link-local"),
    (_V6("ff00::/8"), "multicast"),
    (_V6("2001:db8::/32"), "reserved"),
)

# IPv6 forms that carry an IPv4 address: each is judged by the IPv4 address inside it.
_MAPPED = _V6("::ffff:0:0/96")
_COMPATIBLE = _V6("::/96")
_NAT64 = _V6("64:ff9b::/96")
_SIX_TO_FOUR = _V6("2002::/16")
_TEREDO = _V6("2001::/32")
# Outside the global unicast block every IPv6 address is special-purpose (NAT64 local use, discard, ...).
_GLOBAL_UNICAST = _V6("2000::/3")


class AddressRefused(Exception):
    """A connection to `host` was refused before any packet was sent. `str()` is safe to show to users."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(
            f"refused to connect to {host!r}: {reason} addresses may not be contacted"
            " unless WORKFLOWS_HTTP_ALLOW admits them"
        )
        self.host = host
        self.reason = reason


def refusal_reason(ip: IPAddress) -> str | None:
    """Why `ip` may not be contacted (loopback, private, ...), or None for a public address."""
    if isinstance(ip, ipaddress.IPv4Address):
        return next((reason for network, reason in _REFUSED_V4 if ip in network), None)
    for network, reason in _REFUSED_V6:
        if ip in network:
            return reason
    embedded = _embedded_ipv4(ip)
    if embedded:
        return next((reason for v4 in embedded if (reason := refusal_reason(v4))), None)
    if ip not in _GLOBAL_UNICAST:
        return "reserved"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    if ip in _MAPPED or ip in _COMPATIBLE or ip in _NAT64:
        return (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF),)
    if ip in _SIX_TO_FOUR and ip.sixtofour is not None:
        return (ip.sixtofour,)
    if ip in _TEREDO and ip.teredo is not None:
        return ip.teredo
    return ()


def literal_address(host: str) -> IPAddress | None:
    """The address a host that is an IP literal names, in any spelling the resolver accepts, else None.

    `inet_aton` is what getaddrinfo uses for IPv4 literals, so `2130706433`, `0177.0.0.1` and `0x7f.1` come
    out as 127.0.0.1 here exactly as they would on connect.
    """
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not host or not host.isascii() or not all(c.isalnum() or c == "." for c in host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _normalise_host(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()


class AddressGuard:
    """Decides whether a host and the addresses it resolved to may be contacted.

    `allow` entries are CIDRs (`10.1.0.0/16`, `127.0.0.1`) admitting the addresses in them, or exact host
    names (`internal-api.example.com`) admitting whatever that name resolves to.
    """

    def __init__(self, allow: Iterable[str] = ()) -> None:
        self.allowed_networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        self.allowed_hosts: set[str] = set()
        for entry in allow:
            try:
                self.allowed_networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                self.allowed_hosts.add(_normalise_host(entry))

    def check(self, host: str, addresses: Iterable[IPAddress]) -> None:
        """Raise AddressRefused unless every address may be contacted for `host`."""
        if _normalise_host(host) in self.allowed_hosts:
            return
        for ip in addresses:
            if self._network_allows(ip):
                continue
            reason = refusal_reason(ip)
            if reason is not None:
                raise AddressRefused(host, reason)

    def _network_allows(self, ip: IPAddress) -> bool:
        candidates: tuple[IPAddress, ...] = (ip,)
        if isinstance(ip, ipaddress.IPv6Address):
            candidates += _embedded_ipv4(ip)
        return any(c in network for c in candidates for network in self.allowed_networks)


class GuardedBackend(httpcore.NetworkBackend):
    """Resolves once, checks every address, then connects `inner` to a checked address (never the name)."""

    def __init__(
        self,
        guard: AddressGuard,
        *,
        inner: httpcore.NetworkBackend | None = None,
        getaddrinfo: Resolver | None = None,
    ) -> None:
        self._guard = guard
        self._inner = inner or httpcore.SyncBackend()
        self._streams: list[httpcore.NetworkStream] = []
        # Looked up per backend, not bound at import, so tests can stand in for DNS.
        self._getaddrinfo = getaddrinfo or socket.getaddrinfo

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        try:
            infos = self._getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"could not resolve {host!r}: {exc}") from exc
        addresses: list[IPAddress] = []
        for info in infos:
            ip = ipaddress.ip_address(info[4][0])
            if ip not in addresses:
                addresses.append(ip)
        if not addresses:
            raise httpcore.ConnectError(f"could not resolve {host!r}: no addresses")
        self._guard.check(host, addresses)
        return addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.resolve(host, port)
        deadline = None if timeout is None else time.monotonic() + timeout
        error: Exception | None = None
        # Like socket.create_connection: try each checked address in resolver order until one answers.
        for ip in addresses:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise httpcore.ConnectTimeout(f"timed out connecting to {host!r}")
            try:
                stream = self._inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=remaining,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                error = exc
                continue
            self._streams.append(stream)
            return stream
        assert error is not None
        raise error

    def abort(self) -> None:
        """Shut down every socket this backend opened, from any thread: a read blocked on one returns at once
        (closing the descriptor alone would not wake it on Linux)."""
        for stream in list(self._streams):
            sock = stream.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not reachable from workflows")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


# One client serves one step attempt: a handful of connections is plenty.
_LIMITS = httpx.Limits(max_connections=10, max_keepalive_connections=5)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with its pool rebuilt on a GuardedBackend. No proxies, no connect retries."""

    def __init__(
        self,
        guard: AddressGuard,
        *,
        inner: httpcore.NetworkBackend | None = None,
        getaddrinfo: Resolver | None = None,
    ) -> None:
        ssl_context = httpx.create_ssl_context()
        super().__init__(verify=ssl_context, limits=_LIMITS)
        self._backend = GuardedBackend(guard, inner=inner, getaddrinfo=getaddrinfo)
        # HTTPTransport offers no hook for the network backend, so the pool it built is replaced by one with
        # the same settings (as in HTTPTransport.__init__ without a proxy) whose every connection goes
        # through the guard.
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=_LIMITS.max_connections,
            max_keepalive_connections=_LIMITS.max_keepalive_connections,
            keepalive_expiry=_LIMITS.keepalive_expiry,
            http1=True,
            http2=False,
            retries=0,
            network_backend=self._backend,
        )

    def abort(self) -> None:
        """Interrupt this transport's requests in flight (called from another thread on cancellation)."""
        self._backend.abort()
