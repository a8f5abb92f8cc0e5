"""An inline secret a new version leaves out is kept only while the source's `base_url` keeps
its origin: whoever may change a declaration must not be able to send an agency's credential
to another host without knowing it."""

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import Mount

from app.main import create_app
from tests.conftest import gateway_settings
from tests.product_backends import API_KEY, BACKEND, declaration, membership_backend

STANDBY = "http://bpjs-standby.test"
"""Another host answering the same way, to its own consumer key."""
STANDBY_KEY = "standby-key-41c9"


class Counting(httpx.AsyncBaseTransport):
    """Counts the requests that reached each host."""

    def __init__(self, app: Any, seen: Counter[str]) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._seen = seen

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._seen[request.url.host] += 1
        return await self._inner.handle_async_request(request)


def standby() -> Any:
    """The membership backend behind a front that takes the standby's own key, and no
    other."""
    backend = membership_backend()

    async def front(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = [(k, v) for k, v in scope["headers"] if k != b"x-cons-key"]
            given = dict(scope["headers"]).get(b"x-cons-key")
            if given == STANDBY_KEY.encode():
                headers.append((b"x-cons-key", API_KEY.encode()))
            scope = {**scope, "headers": headers}
        await backend(scope, receive, send)

    return front


@pytest.fixture
def reached() -> Counter[str]:
    return Counter()


@pytest.fixture
async def app(database_url, reached) -> AsyncIterator[FastAPI]:
    """The membership backend at its own root and under `/v2`, and a standby at another
    host."""
    backend = Starlette(
        routes=[Mount("/v2", app=membership_backend()), Mount("/", app=membership_backend())]
    )
    mounts = {
        BACKEND: Counting(backend, reached),
        STANDBY: Counting(standby(), reached),
    }
    async with httpx.AsyncClient(mounts=mounts) as http:
        allowlist = [httpx.URL(BACKEND).host, httpx.URL(STANDBY).host]
        gateway = create_app(
            gateway_settings(database_url, agency_url_allowlist=allowlist), http_client=http
        )
        async with gateway.router.lifespan_context(gateway):
            yield gateway


def _moved(base_url: str, key: dict[str, Any] | None = None) -> dict[str, Any]:
    body = declaration()
    body["sources"][0]["base_url"] = base_url
    body["sources"][0]["auth"]["key"] = key or {}
    return body


async def _put(admin: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await admin.put("/v1/data-products/health_insurance", json=body)


async def test_a_secret_left_out_is_not_sent_to_another_origin(app, admin, reached):
    assert (await _put(admin, declaration())).status_code == 201

    response = await _put(admin, _moved(STANDBY))

    assert response.status_code == 422, response.text
    assert response.json()["type"].endswith("/validation-error")
    [error] = response.json()["errors"]
    assert error["field"] == "sources.0.auth.key"
    assert "http://bpjs-standby.test:80" in error["message"]
    assert reached[httpx.URL(STANDBY).host] == 0
    current = (await admin.get("/v1/data-products/health_insurance")).json()
    assert current["version"] == 1
    agency = app.state.services.bus.registry.agency("bpjs_kesehatan")
    assert agency.endpoint.base_url == BACKEND


@pytest.mark.parametrize(
    "base_url",
    ["https://bpjs.test", "http://bpjs.test:8080", STANDBY],
    ids=["scheme", "port", "host"],
)
async def test_another_scheme_port_or_host_is_another_origin_in_a_dry_run_too(admin, base_url):
    assert (await _put(admin, declaration())).status_code == 201

    response = await admin.put(
        "/v1/data-products/health_insurance", params={"dry_run": "true"}, json=_moved(base_url)
    )

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["sources.0.auth.key"]


async def test_the_secret_given_again_moves_with_the_source(app, admin, reached):
    assert (await _put(admin, declaration())).status_code == 201

    response = await _put(admin, _moved(STANDBY, {"value": STANDBY_KEY}))

    assert response.status_code == 200, response.text
    assert all(check["passed"] for check in response.json()["checks"])
    assert reached[httpx.URL(STANDBY).host] > 0


async def test_the_same_origin_with_another_path_keeps_the_secret(app, admin):
    """Written with the scheme's default port, it is still the same origin."""
    assert (await _put(admin, declaration())).status_code == 201

    response = await _put(admin, _moved("http://bpjs.test:80/v2"))

    assert response.status_code == 200, response.text
    assert response.json()["product"]["version"] == 2
    assert all(check["passed"] for check in response.json()["checks"])
    assert response.json()["product"]["declaration"]["sources"][0]["auth"]["key"] == {
        "value_set": True
    }
    agency = app.state.services.bus.registry.agency("bpjs_kesehatan")
    assert agency.endpoint.base_url == "http://bpjs.test:80/v2"


async def test_a_rollback_restores_the_secret_given_for_that_versions_origin(app, admin):
    """Version 1's key is the only one the first backend takes."""
    assert (await _put(admin, declaration())).status_code == 201
    moved = await _put(admin, _moved(STANDBY, {"value": STANDBY_KEY}))
    assert moved.status_code == 200, moved.text

    rolled = await admin.post("/v1/data-products/health_insurance/rollback", json={"version": 1})

    assert rolled.status_code == 200, rolled.text
    assert all(check["passed"] for check in rolled.json()["checks"])
    agency = app.state.services.bus.registry.agency("bpjs_kesehatan")
    assert agency.endpoint.base_url == BACKEND
