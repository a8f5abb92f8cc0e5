"""Which URLs the gateway will call, and which addresses it will connect to.

An endpoint set through the admin API, or a citizen's webhook callback, is a request the
gateway will later send from inside its own network, with citizens' data: the classic
server-side request forgery. Two checks close it.

- When a URL is stored, its form is checked (http/https only; no credentials, fragment,
  query string, whitespace, control or non-ASCII character; a port from 1 to 65535; a host
  that every parser reads the same way) and its host is resolved: every address must be
  global, unless an operator allow-listed that host or network.
- When the gateway connects, the same rule is applied to the addresses the host resolves to
  *then* (`app.agencies.connect_guard`), so a name that answered with a public address when it
  was stored and with 127.0.0.1 or 169.254.169.254 later (DNS rebinding) gets nowhere.

"Global" follows the IANA special-purpose registries (RFC 6890 and later), by name of range
kind, so that a refusal says what the address is; an IPv6 address that carries an IPv4 one
(IPv4-mapped, 6to4, NAT64) is judged by the IPv4 address it reaches.
"""

import asyncio
import dataclasses
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from aiohttp.abc import ResolveResult

ALLOWED_SCHEMES = ("http", "https")

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# In order: the first range that holds an address names its kind.
_SPECIAL_V4: tuple[tuple[IpNetwork, str], ...] = (
    (_V4("0.0.0.0/8"), "this-network (unspecified)"),
    (_V4("10.0.0.0/8"), "private"),
    (_V4("100.64.0.0/10"), "carrier-grade NAT (shared address space)"),
    (_V4("127.0.0.0/8"), "loopback"),
    (_V4("169.254.0.0/16"), "link-local (cloud metadata)"),
    (_V4("172.16.0.0/12"), "private"),
    (_V4("192.0.0.0/24"), "IETF protocol assignment"),
    (_V4("192.0.2.0/24"), "documentation"),
    (_V4("192.88.99.0/24"), "6to4 relay anycast"),
    (_V4("192.168.0.0/16"), "private"),
    (_V4("198.18.0.0/15"), "benchmarking"),
    (_V4("198.51.100.0/24"), "documentation"),
    (_V4("203.0.113.0/24"), "documentation"),
    (_V4("224.0.0.0/4"), "multicast"),
    (_V4("240.0.0.0/4"), "reserved"),
)
_SPECIAL_V6: tuple[tuple[IpNetwork, str], ...] = (
    (_V6("::/128"), "unspecified"),
    (_V6("::1/128"), "loopback"),
    (_V6("::/96"), "IPv4-compatible (deprecated)"),
    (_V6("64:ff9b:1::/48"), "local-use NAT64"),
    (_V6("100::/64"), "discard-only"),
    (_V6("2001::/32"), "Teredo tunnel"),
    (_V6("2001:db8::/32"), "documentation"),
    (_V6("2001::/23"), "IETF protocol assignment"),
    (_V6("3fff::/20"), "documentation"),
    (_V6("5f00::/16"), "segment routing (SRv6)"),
    (_V6("fc00::/7"), "unique local (private)"),
    (_V6("fe80::/10"), "link-local"),
    (_V6("fec0::/10"), "site-local (deprecated)"),
    (_V6("ff00::/8"), "multicast"),
)
_NAT64 = _V6("64:ff9b::/96")

_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)
_HOST_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?", re.IGNORECASE)
# RFC 3986 characters; anything else (space, backslash, quotes, braces...) is parsed
# differently by different clients, so it is refused rather than guessed at.
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")


class EndpointRefused(ValueError):
    """The message says why, for the agency administrator or the citizen."""


class AddressRefused(OSError):
    """Raised while connecting: every address the host resolved to is one the policy refuses.
    An `OSError`, so that both HTTP clients report it as a connection failure (the agency is
    `unavailable`), which `app.bus.calls` then names as the policy's refusal."""


class HostResolver(Protocol):
    """aiohttp's resolver interface, so the store-time check and the connect-time one can ask
    the same resolver."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]: ...


class SystemResolver:
    """`getaddrinfo` in a thread: what the operating system answers."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        infos = await asyncio.to_thread(socket.getaddrinfo, host, port, family, socket.SOCK_STREAM)
        return [
            ResolveResult(
                hostname=host,
                host=str(info[4][0]),
                port=port,
                family=info[0],
                proto=info[2],
                flags=0,
            )
            for info in infos
        ]


def _embedded_v4(address: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address a packet to this IPv6 address reaches, for the forms that carry one."""
    if address.ipv4_mapped is not None:
        return "IPv4-mapped", address.ipv4_mapped
    if address.sixtofour is not None:
        return "6to4", address.sixtofour
    if address in _NAT64:
        return "NAT64", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_kind(address: IpAddress) -> str | None:
    """None for a global address; otherwise the kind of range it belongs to."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_v4(address)
        if embedded is not None:
            form, inner = embedded
            kind = address_kind(inner)
            return f"{kind}, in {form} form of {inner}" if kind else None
        table = _SPECIAL_V6
    else:
        table = _SPECIAL_V4
    for network, kind in table:
        if address in network:
            return kind
    return None if address.is_global else "non-global"


@dataclass(frozen=True)
class EndpointPolicy:
    """What may be called: global addresses, plus the hosts and networks an operator trusts.
    `resolver` is how a stored URL's host is resolved (the system's, unless a test needs one
    of its own)."""

    names: frozenset[str] = frozenset()
    networks: tuple[IpNetwork, ...] = ()
    env_name: str = "SATUPINTU_AGENCY_URL_ALLOWLIST"
    resolver: HostResolver = field(default_factory=SystemResolver, compare=False)

    @classmethod
    def allowing(
        cls,
        entries: Iterable[str],
        env_name: str = "SATUPINTU_AGENCY_URL_ALLOWLIST",
        resolver: HostResolver | None = None,
    ) -> "EndpointPolicy":
        """`entries` are host names, addresses or networks (`10.20.0.0/16`)."""
        names, networks = set(), []
        for entry in entries:
            names.add(_normal_host(entry))
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                continue
        return cls(frozenset(names), tuple(networks), env_name, resolver or SystemResolver())

    def trusting_hosts(self, hosts: Iterable[str]) -> "EndpointPolicy":
        """Also trust these exact hosts, by name only: a configured `127.0.0.1` lets the
        gateway call 127.0.0.1, not any name that resolves there."""
        return dataclasses.replace(self, names=self.names | {_normal_host(h) for h in hosts})

    def trusts_host(self, host: str) -> bool:
        return _normal_host(host) in self.names

    def refusal(self, host: str, address: IpAddress) -> str | None:
        """None when the gateway may connect to `address` for `host`; otherwise why not."""
        kind = address_kind(address)
        if kind is None or self.trusts_host(host):
            return None
        reached = [address]
        if isinstance(address, ipaddress.IPv6Address) and (embedded := _embedded_v4(address)):
            reached.append(embedded[1])
        if any(a in network for a in reached for network in self.networks):
            return None
        shown = host if host == str(address) else f"{host} resolves to {address}, which"
        return (
            f"{shown} is not a global address ({kind}); an operator must allow-list it "
            f"({self.env_name})"
        )

    async def check_url(self, url: str, *, query_allowed: bool = False) -> None:
        """Refuse a URL to be stored: its form, then every address its host has now."""
        host = check_url_form(url, query_allowed=query_allowed)
        if self.trusts_host(host):
            return
        for address in await self._addresses(host):
            if reason := self.refusal(host, address):
                raise EndpointRefused(reason)

    async def _addresses(self, host: str) -> list[IpAddress]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        try:
            answers = await self.resolver.resolve(host, 0, socket.AF_UNSPEC)
        except OSError as exc:
            raise EndpointRefused(f"{host} cannot be resolved: {exc}") from exc
        if not answers:
            raise EndpointRefused(f"{host} cannot be resolved")
        return [ipaddress.ip_address(answer["host"]) for answer in answers]


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def check_url_form(url: str, *, query_allowed: bool = False) -> str:
    """The URL's host, if every HTTP client will read the URL the way this check does."""
    if not url.isascii():
        raise EndpointRefused(
            "the URL must be ASCII; write an international domain name in its xn-- form"
        )
    if any(c.isspace() or not c.isprintable() for c in url):
        raise EndpointRefused("the URL contains whitespace or a control character")
    if _URL_CHARACTERS.fullmatch(url) is None:
        odd = next(c for c in url if _URL_CHARACTERS.fullmatch(c) is None)
        raise EndpointRefused(f"the URL contains {odd!r}, which a URL may not contain")
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES:
        raise EndpointRefused(
            f"scheme {parts.scheme or '(none)'!r} is not allowed; use http or https"
        )
    if "@" in parts.netloc:
        raise EndpointRefused(
            "credentials must not be in the URL; set username and password instead"
        )
    if "#" in url:
        raise EndpointRefused("the URL must not have a fragment (#...)")
    if "?" in url and not query_allowed:
        raise EndpointRefused("the URL must not have a query string (?...)")
    host_and_port = parts.netloc.rpartition("]")[2] if "[" in parts.netloc else parts.netloc
    raw_port = host_and_port.partition(":")[2] if ":" in host_and_port else ""
    if raw_port and not (raw_port.isdigit() and 1 <= int(raw_port) <= 65535):
        raise EndpointRefused(f"port {raw_port!r} is not a number from 1 to 65535")
    host = parts.hostname
    if not host:
        raise EndpointRefused("the URL has no host")
    _check_host(host)
    return host


def _check_host(host: str) -> None:
    """One reading only: an IPv6 literal, a dotted-quad IPv4 address, or a DNS name. The
    legacy numeric forms (2130706433, 0x7f.1, 017.0.0.1) and percent-encoded hosts are read
    as different addresses by different parsers, so they are refused."""
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError as exc:
            raise EndpointRefused(f"{host} is not a valid IPv6 address") from exc
        return
    labels = host.rstrip(".").split(".")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        try:
            ipaddress.IPv4Address(host)
        except ValueError as exc:
            raise EndpointRefused(
                f"{host} is not an IPv4 address in dotted-quad form (a.b.c.d)"
            ) from exc
        return
    if not all(_HOST_NAME.fullmatch(label) for label in labels):
        raise EndpointRefused(f"{host} is not a valid host name")
