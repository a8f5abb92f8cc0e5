"""Reference data is cached, and served stale rather than failing when its agency is down."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from app.main import create_app
from tests.conftest import client_of, gateway_settings


@pytest.fixture
async def short_lived(database_url, agencies) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        gateway_settings(database_url, reference_ttl_s=0.1, retry_ratio=0.0),
        http_client=agencies.http,
    )
    async with (
        app.router.lifespan_context(app),
        client_of(app) as client,
    ):
        yield client


async def test_kbli_list_with_risk_levels_is_asked_once(gateway, agencies):
    first = (await gateway.get("/v1/reference/kbli")).json()
    high = (await gateway.get("/v1/reference/kbli", params={"risk_level": "high"})).json()

    assert {e["risk_level"] for e in first["items"]} == {"low", "medium_low", "medium_high", "high"}
    assert next(e for e in first["items"] if e["kbli"] == "56101")["title"] == "RESTORAN"
    assert high["items"]
    assert all(e["risk_level"] == "high" for e in high["items"])
    assert first["stale"] is False
    assert agencies.called("investment_licensing") == 1


async def test_expired_list_is_served_stale_while_the_agency_is_down(short_lived, agencies):
    fresh = (await short_lived.get("/v1/reference/kbli")).json()
    await agencies.set_faults("investment_licensing", down=True)
    await asyncio.sleep(0.15)
    stale = await short_lived.get("/v1/reference/kbli")

    assert stale.status_code == 200
    assert stale.json()["stale"] is True
    assert stale.json()["items"] == fresh["items"]
    assert stale.json()["fetched_at"] == fresh["fetched_at"]
    assert stale.json()["source"]["status"] == "unavailable"

    await agencies.set_faults("investment_licensing", down=False)
    renewed = (await short_lived.get("/v1/reference/kbli")).json()
    assert renewed["stale"] is False
    assert renewed["fetched_at"] > fresh["fetched_at"]


async def test_without_a_cached_list_a_down_agency_is_a_503(gateway, agencies):
    await agencies.set_faults("investment_licensing", down=True)
    response = await gateway.get("/v1/reference/kbli")

    assert response.status_code == 503
    assert response.json()["type"].endswith("/agency-unavailable")
