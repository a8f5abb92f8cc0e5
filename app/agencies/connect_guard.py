"""The endpoint policy at connect time, in both HTTP clients the gateway can run on.

A URL's host is checked when the URL is stored, but a name can resolve differently a second
later (DNS rebinding: a public address at registration, 127.0.0.1 or the cloud metadata
address at the next call). So the pool itself resolves through the policy: addresses the
policy refuses are dropped from every answer, and a host left with none fails to connect
(`AddressRefused`), before any byte is sent.

- aiohttp (production): `PolicyResolver` wraps the default resolver; aiohttp skips the
  resolver for IP-literal hosts, so `PolicyConnector` checks those itself, once per new
  connection.
- httpx: `PolicyNetworkBackend` resolves and checks in httpcore's `connect_tcp`, then
  connects to the checked address itself (TLS still verifies the URL's host name).

What the pool trusts is the operator's: both allow-lists and the hosts of the endpoints in
the gateway's own configuration (`settings.agencies`), see `app.http_client.pool_policy`.
"""

import ipaddress
import socket
from collections.abc import Iterable, Sequence

import anyio
import httpcore
from aiohttp import TCPConnector
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.tracing import Trace

from app.agencies.endpoint_policy import AddressRefused, EndpointPolicy


def allowed_answers(
    policy: EndpointPolicy, host: str, answers: Iterable[ResolveResult]
) -> list[ResolveResult]:
    """The answers the policy lets the gateway connect to; AddressRefused when none is."""
    if policy.trusts_host(host):
        return list(answers)
    kept, reasons = [], []
    for answer in answers:
        reason = policy.refusal(host, ipaddress.ip_address(answer["host"]))
        if reason is None:
            kept.append(answer)
        else:
            reasons.append(reason)
    if not kept:
        raise AddressRefused("; ".join(reasons) or f"{host} did not resolve")
    return kept


class PolicyResolver(AbstractResolver):
    """aiohttp's resolver: the policy's own (`EndpointPolicy.resolver`, the system's unless a
    test brings one), with every answer filtered."""

    def __init__(self, policy: EndpointPolicy) -> None:
        self._policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._policy.resolver.resolve(host, port, family)
        return allowed_answers(self._policy, host, answers)

    async def close(self) -> None:
        return None


class PolicyConnector(TCPConnector):
    """A TCPConnector that applies the policy to IP-literal hosts too. aiohttp resolves a
    literal without asking the resolver, in `_resolve_host`; that is the one place every new
    connection passes, so the check costs nothing on a reused connection."""

    def __init__(self, policy: EndpointPolicy, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self._policy = policy

    async def _resolve_host(
        self, host: str, port: int, traces: Sequence[Trace] | None = None
    ) -> list[ResolveResult]:
        _refuse_literal(self._policy, host)
        return await super()._resolve_host(host, port, traces)


def _refuse_literal(policy: EndpointPolicy, host: str) -> bool:
    """True for an IP-literal host the policy allows; raises for one it refuses; False for a
    name, which the resolver checks instead."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if reason := policy.refusal(host, address):
        raise AddressRefused(reason)
    return True


class PolicyNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the policy between name and connection."""

    def __init__(
        self, policy: EndpointPolicy, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self._policy = policy
        self._inner = inner or httpcore.AnyIOBackend()

    async def _addresses(self, host: str, port: int, within_s: float | None) -> list[str]:
        if _refuse_literal(self._policy, host):
            return [host]
        with anyio.fail_after(within_s):
            answers = await self._policy.resolver.resolve(host, port, socket.AF_UNSPEC)
        return [answer["host"] for answer in allowed_answers(self._policy, host, answers)]

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self._addresses(host, port, timeout)
        except AddressRefused as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} took too long") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"{host} cannot be resolved: {exc}") from exc
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
