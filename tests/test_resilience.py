"""One sick agency must not hurt the rest: breaker, bulkhead, retry budget."""

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from app.main import create_app
from tests.conftest import client_of, gateway_settings
from tests.socket_agencies import SocketAgencies


@pytest.fixture
def tuned(database_url, agencies):
    """A gateway with its resilience knobs set for the test at hand."""

    async def start(**overrides) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(gateway_settings(database_url, **overrides), http_client=agencies.http)
        async with (
            app.router.lifespan_context(app),
            client_of(app) as client,
        ):
            yield client

    return start


@pytest.mark.usefixtures("settled_heap")
async def test_an_open_breaker_answers_at_once_and_spares_the_agency(tuned, agencies, personas):
    async for gateway in tuned(breaker_failure_threshold=3, breaker_recovery_s=0.3, retry_ratio=0):
        await agencies.set_faults("vehicle_tax", down=True)
        for _ in range(3):
            await gateway.get(f"/v1/citizens/{personas['family'].nik}")
        reached = agencies.called("vehicle_tax")

        started = time.perf_counter()
        profile = (await gateway.get(f"/v1/citizens/{personas['family'].nik}")).json()
        assert time.perf_counter() - started < 0.2
        assert profile["sources"]["vehicle_tax"]["status"] == "unavailable"
        assert "circuit open" in profile["sources"]["vehicle_tax"]["detail"]
        assert profile["identity"] is not None
        assert agencies.called("vehicle_tax") == reached
        readiness = (await gateway.get("/readyz")).json()
        assert readiness["agencies"]["vehicle_tax"]["circuit"] == "open"

        await agencies.set_faults("vehicle_tax", down=False)
        await asyncio.sleep(0.35)
        healed = (await gateway.get(f"/v1/citizens/{personas['family'].nik}")).json()
        assert healed["sources"]["vehicle_tax"]["status"] == "ok"
        readiness = (await gateway.get("/readyz")).json()
        assert readiness["agencies"]["vehicle_tax"]["circuit"] == "closed"


async def test_not_found_is_an_answer_not_a_failure(tuned, agencies):
    async for gateway in tuned(breaker_failure_threshold=2):
        for _ in range(4):
            response = await gateway.get("/v1/vehicles/B 1 QQQ")
            assert response.status_code == 404
        assert (await gateway.get("/readyz")).json()["agencies"]["vehicle_tax"][
            "circuit"
        ] == "closed"


async def test_a_full_bulkhead_fails_fast_and_leaves_other_agencies_alone(
    database_url, agencies, personas
):
    """Two clients, since one client alone cannot fill a bulkhead (its fair share stops it)."""
    app = create_app(
        gateway_settings(database_url, agency_max_concurrency=1, timeout_ms=400, deadline_ms=400),
        http_client=agencies.http,
    )
    async with app.router.lifespan_context(app), client_of(app) as gateway:
        await agencies.set_faults("vehicle_tax", latency_ms=1000)
        plate = personas["family"].plates[0]
        async with client_of(app) as other:
            first, second, businesses = await asyncio.gather(
                gateway.get(f"/v1/vehicles/{plate}"),
                other.get(f"/v1/vehicles/{plate}"),
                gateway.get(f"/v1/citizens/{personas['family'].nik}/businesses"),
            )

        assert sorted([first.status_code, second.status_code]) == [503, 504]
        crowded = first if first.status_code == 503 else second
        assert crowded.json()["sources"]["vehicle_tax"]["detail"] == "too many calls in flight"
        assert businesses.status_code == 200


@pytest.mark.parametrize(("ratio", "per_read"), [(1.0, 2), (0.0, 1)])
async def test_failed_reads_are_retried_only_within_the_budget(
    tuned, agencies, personas, ratio, per_read
):
    async for gateway in tuned(retry_ratio=ratio, breaker_failure_threshold=100):
        await agencies.set_faults("vehicle_tax", error_rate=1.0)
        plate = personas["family"].plates[0]
        await gateway.get(f"/v1/vehicles/{plate}")  # earns the first retry
        before = agencies.called("vehicle_tax")
        for _ in range(3):
            assert (await gateway.get(f"/v1/vehicles/{plate}")).status_code == 502

        assert agencies.called("vehicle_tax") - before == 3 * per_read


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
@pytest.mark.parametrize(("ratio", "per_read"), [(1.0, 2), (0.0, 1)])
async def test_reset_reads_are_retried_only_within_the_budget_whatever_the_transport(
    database_url, socket_agencies: SocketAgencies, personas, transport, ratio, per_read
):
    """A reset is `unavailable`, which the bus retries once if the budget allows; the HTTP
    client must not add retries of its own (aiohttp would, for this GET)."""
    settings = gateway_settings(
        database_url, retry_ratio=ratio, breaker_failure_threshold=100, http_transport=transport
    )
    app = create_app(socket_agencies.route(settings))
    businesses = f"/v1/citizens/{personas['family'].nik}/businesses"
    proxy = socket_agencies.proxies["investment_licensing"]
    async with (
        app.router.lifespan_context(app),
        client_of(app) as gateway,
    ):
        await socket_agencies.set_faults("investment_licensing", connection_reset=True)
        try:
            await gateway.get(businesses)  # earns the first retry
            before = proxy.resets
            for _ in range(3):
                response = await gateway.get(businesses)
                assert response.status_code == 503
                source = response.json()["sources"]["investment_licensing"]
                assert source["status"] == "unavailable"
                assert source["detail"] == "the agency reset the connection"
        finally:
            await socket_agencies.clear_faults("investment_licensing")

    assert proxy.resets - before == 3 * per_read
