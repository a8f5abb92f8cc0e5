"""Which agency endpoint URLs the gateway will call.

An endpoint set through the admin API is a request the gateway will later send with citizens'
data, so a URL that points into the gateway's own network (loopback, link-local cloud metadata,
private ranges) is refused unless an operator allow-listed that host or network: the classic
server-side request forgery. Credentials belong in their own fields, never in the URL.
"""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class EndpointRefused(ValueError):
    """The message says why, for the agency administrator."""


def _internal_kind(address: IpAddress) -> str | None:
    for kind, flag in (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("private", address.is_private),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved),
    ):
        if flag:
            return kind
    return None


def _allowed(host: str, address: IpAddress | None, allowlist: list[str]) -> bool:
    for entry in allowlist:
        if entry.lower() == host.lower():
            return True
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
    return False


async def _resolve(host: str) -> list[IpAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = await asyncio.to_thread(socket.getaddrinfo, host, None)
    except OSError as exc:
        raise EndpointRefused(f"{host} cannot be resolved: {exc}") from exc
    return [ipaddress.ip_address(str(info[4][0])) for info in infos]


async def check_endpoint_url(url: str, allowlist: list[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES:
        raise EndpointRefused(
            f"scheme {parts.scheme or '(none)'!r} is not allowed; use http or https"
        )
    if parts.username or parts.password:
        raise EndpointRefused(
            "credentials must not be in the URL; set username and password instead"
        )
    host = parts.hostname
    if not host:
        raise EndpointRefused("the URL has no host")
    if _allowed(host, None, allowlist):
        return
    for address in await _resolve(host):
        kind = _internal_kind(address)
        if kind and not _allowed(host, address, allowlist):
            raise EndpointRefused(
                f"{host} is a {kind} address ({address}); an operator must allow-list it "
                "(SATUPINTU_AGENCY_URL_ALLOWLIST) before an agency may use it"
            )
