"""A caller's bad input is the caller's problem: a 4xx for them, and never a mark against the
agency's health that would cost every other caller their answer."""

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from app.main import create_app
from tests.conftest import AGENCY_HOSTS, SIMULATOR_FACTORIES, client_of, gateway_settings

OSS_PAGE_LIMIT = 100


class StricterPaging:
    """An OSS deployment with a lower page limit than the gateway's: it refuses a page past it
    with OSS's own 400, as the real one does for the pages it does not take."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = dict(httpx.QueryParams(scope.get("query_string", b"").decode()))
        if scope["type"] == "http" and int(query.get("page", "1")) > OSS_PAGE_LIMIT:
            body = json.dumps(
                {"responCode": 400, "responMessage": f"page maksimal {OSS_PAGE_LIMIT}"}
            ).encode()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self._app(scope, receive, send)


@pytest.fixture
async def strict_agencies() -> AsyncIterator[httpx.AsyncClient]:
    apps: dict[str, Any] = {code: factory() for code, factory in SIMULATOR_FACTORIES.items()}
    apps["investment_licensing"] = StricterPaging(apps["investment_licensing"])
    async with httpx.AsyncClient(
        mounts={AGENCY_HOSTS[code]: httpx.ASGITransport(app=app) for code, app in apps.items()}
    ) as http:
        yield http


def _breaker_gauge(metrics: str, agency: str) -> str:
    prefix = f'satupintu_agency_breaker_open{{agency="{agency}"}} '
    return next(line for line in metrics.splitlines() if line.startswith(prefix))[len(prefix) :]


async def test_a_page_past_what_the_agency_takes_is_refused_before_any_call(
    database_url, agencies, personas
):
    """The issue's case: page=1000000 went to OSS, came back 502, and two of them opened the
    licensing breaker for every other client."""
    app = create_app(
        gateway_settings(database_url, breaker_failure_threshold=2), http_client=agencies.http
    )
    nik = personas["family"].nik
    async with app.router.lifespan_context(app), client_of(app) as careless:
        for query, field in (
            ("page=1000000", "page"),
            ("page=1000000", "page"),
            ("page_size=51", "page_size"),
        ):
            response = await careless.get(f"/v1/citizens/{nik}/businesses?{query}")
            assert response.status_code == 422
            assert [e["field"] for e in response.json()["errors"]] == [field]
        assert agencies.called("investment_licensing") == 0

        async with client_of(app) as other:
            profile = (await other.get(f"/v1/citizens/{nik}")).json()
        assert profile["sources"]["investment_licensing"]["status"] == "ok"
        assert profile["businesses"] is not None
        last_page = await careless.get(f"/v1/citizens/{nik}/businesses?page=999999")
        assert last_page.status_code == 200
        assert last_page.json()["items"] == []


async def test_an_agency_refusing_the_callers_input_is_a_422_and_not_an_agency_failure(
    database_url, strict_agencies, personas
):
    """Whatever the gateway checks, an agency may refuse more: that refusal is the caller's
    4xx, and opens no breaker, however many times it happens."""
    app = create_app(
        gateway_settings(database_url, breaker_failure_threshold=2), http_client=strict_agencies
    )
    nik = personas["family"].nik
    async with app.router.lifespan_context(app), client_of(app) as careless:
        for _ in range(3):
            response = await careless.get(f"/v1/citizens/{nik}/businesses?page=500")
            assert response.status_code == 422
            problem = response.json()
            assert problem["type"].endswith("/agency-refused-input")
            assert f"page maksimal {OSS_PAGE_LIMIT}" in problem["detail"]
            assert problem["sources"]["investment_licensing"]["status"] == "refused"

        metrics = (await careless.get("/metrics")).text
        assert _breaker_gauge(metrics, "investment_licensing") == "0.0"
        assert 'satupintu_agency_calls_total{agency="investment_licensing",status="refused"}' in (
            metrics
        )
        readiness = (await careless.get("/readyz")).json()
        assert readiness["agencies"]["investment_licensing"]["circuit"] == "closed"

        async with client_of(app) as other:
            profile = (await other.get(f"/v1/citizens/{nik}")).json()
        assert profile["sources"]["investment_licensing"]["status"] == "ok"
        assert profile["businesses"] is not None
        assert profile["complete"] is True
