"""The production agency client (aiohttp under the adapters' small interface), against a real
HTTP server on loopback: what goes out on the wire, and what its failures become."""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web

from app import observability
from app.agencies.endpoint_policy import EndpointPolicy
from app.http_client import AiohttpAgencyClient, is_timeout
from simulators.stack import free_port

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


class Backend:
    """Echoes what it received; `/slow` never answers in time, `/cut` drops the connection."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    async def echo(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.seen.append(
            {
                "method": request.method,
                "query": dict(request.query),
                "headers": dict(request.headers),
                "body": body.decode(),
            }
        )
        response = web.json_response({"ok": True})
        response.set_cookie("SESSION", "citizen-a")
        return response

    async def redirect(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/echo")

    async def slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.Response()

    async def cut(self, request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.close()
        await asyncio.sleep(1)
        return web.Response()


@pytest.fixture
async def backend() -> AsyncIterator[tuple[Backend, str]]:
    served = Backend()
    app = web.Application()
    app.router.add_route("*", "/echo", served.echo)
    app.router.add_get("/redirect", served.redirect)
    app.router.add_get("/slow", served.slow)
    app.router.add_get("/cut", served.cut)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield served, f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def client() -> AsyncIterator[AiohttpAgencyClient]:
    http = AiohttpAgencyClient(
        max_connections=10,
        keepalive_s=15,
        connect_timeout_s=0.3,
        policy=EndpointPolicy.allowing(["127.0.0.1"]),
    )
    yield http
    await http.aclose()


async def test_every_call_carries_the_request_id_and_a_child_span(backend, client):
    served, url = backend
    request_token = observability.request_id.set("counter-0412")
    trace_token = observability.trace_id.set(TRACE)
    try:
        await client.get(f"{url}/echo")
        await client.get(f"{url}/echo")
    finally:
        observability.request_id.reset(request_token)
        observability.trace_id.reset(trace_token)
    spans = set()
    for seen in served.seen:
        assert seen["headers"]["X-Request-ID"] == "counter-0412"
        version, trace, span, flags = seen["headers"]["traceparent"].split("-")
        assert (version, trace, flags) == ("00", TRACE, "01")
        assert len(span) == 16
        assert span != "0" * 16
        spans.add(span)
    assert len(spans) == 2, "each agency call is its own span"


async def test_query_json_and_form_bodies_reach_the_agency_as_sent(backend, client):
    served, url = backend
    await client.get(f"{url}/echo", params={"nik_pemilik": "3171074508900001", "page": 2})
    await client.post(f"{url}/echo", json={"NIK": "3171074508900001"})
    await client.put(f"{url}/echo", data={"nopol": "B 1234 XYZ"}, headers={"X-Extra": "1"})
    query, as_json, as_form = served.seen
    assert query["query"] == {"nik_pemilik": "3171074508900001", "page": "2"}
    assert (as_json["method"], json.loads(as_json["body"])) == (
        "POST",
        {"NIK": "3171074508900001"},
    )
    assert as_json["headers"]["Content-Type"] == "application/json"
    assert (as_form["method"], as_form["body"]) == ("PUT", "nopol=B+1234+XYZ")
    assert as_form["headers"]["X-Extra"] == "1"


async def test_the_reply_is_read_whole(backend, client):
    _, url = backend
    reply = await client.get(f"{url}/echo")
    assert (reply.status_code, reply.reason_phrase, reply.json()) == (200, "OK", {"ok": True})
    assert json.loads(reply.content) == {"ok": True}


async def test_no_cookie_from_one_call_rides_on_the_next(backend, client):
    """One jar shared by every citizen's calls would hand one citizen's agency session to
    the next citizen's request."""
    served, url = backend
    by_name = url.replace("127.0.0.1", "localhost")  # a jar would refuse an IP's cookies anyway
    await client.get(f"{by_name}/echo")
    await client.get(f"{by_name}/echo")
    assert "Cookie" not in served.seen[1]["headers"]


async def test_redirects_are_answers_not_followed(backend, client):
    served, url = backend
    reply = await client.get(f"{url}/redirect")
    assert reply.status_code == 302
    assert served.seen == []


async def test_a_slow_reply_is_cut_at_the_callers_deadline(backend, client):
    _, url = backend
    started = time.perf_counter()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await client.get(f"{url}/slow")
    assert time.perf_counter() - started < 0.5


async def test_a_dropped_connection_is_a_transport_error_not_a_timeout(backend, client):
    _, url = backend
    with pytest.raises(httpx.TransportError) as raised:
        await client.get(f"{url}/cut")
    assert not is_timeout(raised.value)


async def test_a_refused_connection_is_a_transport_error_not_a_timeout(client):
    with pytest.raises(httpx.TransportError) as raised:
        await client.get(f"http://127.0.0.1:{free_port()}/nothing-listens")
    assert not is_timeout(raised.value)
