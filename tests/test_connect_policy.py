"""The endpoint policy holds at connect time: a name that answered with a public address when
its URL was stored, and with a loopback, metadata or carrier-grade NAT address when the
gateway connects (DNS rebinding), gets no connection, in either HTTP client."""

import asyncio
import dataclasses
import datetime as dt
import ipaddress
import socket
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.abc import ResolveResult
from sqlalchemy import select

from app.agencies.endpoint_policy import AddressRefused, EndpointPolicy
from app.auth.scopes import Scope
from app.db.models import AgencySettingRecord
from app.http_client import (
    AgencyHttp,
    AiohttpAgencyClient,
    PolicyTransport,
    pool_policy,
    refused_address,
)
from app.main import create_app
from simulators.stack import free_port
from tests.conftest import client_of, credentials, gateway_settings
from tests.socket_agencies import SocketAgencies

PUBLIC = "93.184.215.14"
REBOUND = "samsat.rebind.test"


class RebindingDns:
    """A DNS server under the test's control: each name answers its first address to the
    first lookup and its last address to every later one, as a rebinding attacker's does."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self._answers = answers
        self.lookups: Counter[str] = Counter()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = self._answers.get(host)
        if addresses is None:
            raise OSError(f"{host}: no such name")
        address = addresses[min(self.lookups[host], len(addresses) - 1)]
        self.lookups[host] += 1
        inet = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [
            ResolveResult(hostname=host, host=address, port=port, family=inet, proto=6, flags=0)
        ]


@pytest.fixture
async def local_server() -> AsyncIterator[tuple[int, list[str]]]:
    """A real HTTP server on 127.0.0.1, recording every request that reaches it."""
    hits: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.json_response({"secret": "internal"})

    app = web.Application()
    app.router.add_get("/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield port, hits
    await runner.cleanup()


def _client(transport: str, policy: EndpointPolicy) -> AgencyHttp:
    if transport == "aiohttp":
        return AiohttpAgencyClient(10, 15.0, 1.0, policy)
    return httpx.AsyncClient(transport=PolicyTransport(policy, httpx.Limits()))


TRANSPORTS = ["aiohttp", "httpx"]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    ("rebound_to", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.7", "carrier-grade NAT"),
        ("::ffff:127.0.0.1", "loopback, in IPv4-mapped form of 127.0.0.1"),
    ],
)
async def test_a_name_rebound_to_an_internal_address_gets_no_connection(
    local_server, transport, rebound_to, kind
):
    port, hits = local_server
    dns = RebindingDns({REBOUND: [PUBLIC, rebound_to]})
    policy = EndpointPolicy(resolver=dns)
    await policy.check_url(f"http://{REBOUND}:{port}")  # stored: it was public then

    http = _client(transport, policy)
    try:
        with pytest.raises(httpx.TransportError) as refused:
            await http.get(f"http://{REBOUND}:{port}/latest/meta-data")
    finally:
        await http.aclose()

    reason = refused_address(refused.value)
    assert isinstance(reason, AddressRefused)
    assert f"{REBOUND} resolves to {ipaddress.ip_address(rebound_to)}" in str(reason)
    assert kind in str(reason)
    assert dns.lookups[REBOUND] == 2
    assert hits == []


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_the_same_server_is_reached_when_the_operator_trusts_the_name(
    local_server, transport
):
    """The refusal above is the policy's, not a broken resolver or server."""
    port, hits = local_server
    dns = RebindingDns({REBOUND: ["127.0.0.1"]})
    http = _client(transport, EndpointPolicy.allowing([REBOUND], resolver=dns))
    try:
        reply = await http.get(f"http://{REBOUND}:{port}/status")
    finally:
        await http.aclose()
    assert reply.status_code == 200
    assert hits == ["/status"]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("host", ["127.0.0.1", "[::ffff:127.0.0.1]"])
async def test_an_ip_literal_nobody_trusts_is_refused_at_connect_time_too(
    local_server, transport, host
):
    """aiohttp resolves a literal without asking the resolver; the connector checks it."""
    port, hits = local_server
    http = _client(transport, EndpointPolicy.allowing(["10.20.0.0/16"]))
    try:
        with pytest.raises(httpx.TransportError) as refused:
            await http.get(f"http://{host}:{port}/")
    finally:
        await http.aclose()
    assert "loopback" in str(refused_address(refused.value))
    assert hits == []


@pytest.fixture
def rebinding_gateway(database_url, socket_agencies: SocketAgencies):
    """The production pool (aiohttp) over real sockets, with the simulators on 127.0.0.1 as
    the operator configured them, and DNS under the test's control."""

    async def start(dns: RebindingDns) -> AsyncIterator[Any]:
        settings = socket_agencies.route(gateway_settings(database_url, http_transport="aiohttp"))
        http = AiohttpAgencyClient(
            10, 15.0, 1.0, dataclasses.replace(pool_policy(settings), resolver=dns)
        )
        app = create_app(settings, http_client=http)
        try:
            async with app.router.lifespan_context(app):
                admin = app.state.agency_admin
                app.state.agency_admin = dataclasses.replace(
                    admin, url_policy=dataclasses.replace(admin.url_policy, resolver=dns)
                )
                yield app
        finally:
            await http.aclose()

    return start


async def test_a_rebound_agency_endpoint_fails_as_an_unavailable_agency_not_a_500(
    rebinding_gateway, socket_agencies, personas
):
    port = httpx.URL(socket_agencies.urls["vehicle_tax"]).port
    dns = RebindingDns({REBOUND: [PUBLIC, "127.0.0.1"]})
    async for app in rebinding_gateway(dns):
        admin = await credentials(app, [Scope.AGENCIES_ADMIN], purpose=None)
        async with client_of(app, admin) as operator, client_of(app) as officer:
            url = f"http://{REBOUND}:{port}"
            stored = await operator.patch(
                "/v1/agencies/vehicle_tax", json={"base_url": url, "enabled": False}
            )
            assert stored.status_code == 200, stored.text  # public when it was stored

            enabling = await operator.patch("/v1/agencies/vehicle_tax", json={"enabled": True})
            assert enabling.status_code == 422
            assert "will not connect" in enabling.text
            assert "loopback" in enabling.text

            async with app.state.agency_admin.sessions.begin() as session:
                record = await session.scalar(
                    select(AgencySettingRecord).where(AgencySettingRecord.code == "vehicle_tax")
                )
                assert record is not None
                record.enabled = True  # as if it had passed while the name was public
                record.updated_at = dt.datetime.now(dt.UTC)
            registry = app.state.agency_admin.registry
            for _ in range(100):  # the endpoint watcher picks the change up
                if registry.agency("vehicle_tax").endpoint.enabled:
                    break
                await asyncio.sleep(0.02)

            response = await officer.get(f"/v1/vehicles/{personas['family'].plates[0]}")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/agency-unavailable")
    source = problem["sources"]["vehicle_tax"]
    assert source["status"] == "unavailable"
    assert (
        f"{REBOUND} resolves to 127.0.0.1, which is not a global address (loopback)"
        in (source["detail"])
    )
