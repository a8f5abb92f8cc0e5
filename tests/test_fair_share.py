"""One busy client cannot fill an agency's bulkhead: each client gets a fair share of it, and
the busy client's overflow is its own 429, not everyone's 503."""

import asyncio

import pytest

from app.bus.resilience import FairShare
from app.main import create_app
from tests.conftest import client_of, gateway_settings

BULKHEAD = 8
SHARE = 2


@pytest.fixture
async def app(database_url, agencies):
    app = create_app(
        gateway_settings(
            database_url,
            timeout_ms=1000,
            deadline_ms=2000,
            agency_max_concurrency=BULKHEAD,
            agency_client_max_concurrency=SHARE,
        ),
        http_client=agencies.http,
    )
    async with app.router.lifespan_context(app):
        yield app


async def test_a_busy_client_cannot_starve_another_of_a_slow_agency(app, agencies, personas):
    nik = personas["family"].nik
    await agencies.set_faults("vehicle_tax", latency_ms=400)
    async with client_of(app) as busy, client_of(app) as other:
        crowd = [asyncio.create_task(busy.get(f"/v1/citizens/{nik}")) for _ in range(3 * BULKHEAD)]
        await asyncio.sleep(0.1)  # the crowd is in flight, waiting for vehicle tax
        mine = await other.get(f"/v1/citizens/{nik}")
        crowded = await asyncio.gather(*crowd)

    assert mine.status_code == 200
    profile = mine.json()
    assert profile["complete"] is True
    assert {s["status"] for s in profile["sources"].values()} == {"ok"}
    assert profile["vehicles"] is not None

    assert {r.status_code for r in crowded} == {200}
    statuses = [r.json()["sources"]["vehicle_tax"]["status"] for r in crowded]
    assert "throttled" in statuses
    assert "unavailable" not in statuses
    throttled = next(r.json()["sources"]["vehicle_tax"] for r in crowded if "throttled" in r.text)
    assert "fair share" in throttled["detail"]


async def test_a_single_read_past_the_share_is_the_clients_own_429(app, agencies, personas):
    plate = personas["family"].plates[0]
    await agencies.set_faults("vehicle_tax", latency_ms=600)
    async with client_of(app) as busy, client_of(app) as other:
        crowd = [asyncio.create_task(busy.get(f"/v1/vehicles/{plate}")) for _ in range(6)]
        await asyncio.sleep(0.1)
        mine = await other.get(f"/v1/vehicles/{plate}")
        crowded = await asyncio.gather(*crowd)

    assert mine.status_code == 200
    codes = sorted(r.status_code for r in crowded)
    assert codes.count(200) >= SHARE
    refused = [r for r in crowded if r.status_code == 429]
    assert refused
    assert refused[0].headers["Retry-After"] == "1"
    assert refused[0].json()["type"].endswith("/client-concurrency-limited")
    assert set(codes) <= {200, 429}


async def test_a_slot_passes_to_the_clients_next_call_and_none_leaks():
    share = FairShare(per_client=1)
    assert share.take("kiosk")
    assert not share.take("kiosk")
    assert share.take("portal")  # another client's share is its own

    assert not await share.wait("kiosk", 0.01)  # nobody gave one back in time
    waiting = asyncio.create_task(share.wait("kiosk", 1.0))
    await asyncio.sleep(0)
    share.give_back("kiosk")
    assert await waiting  # handed over: still one call in flight
    assert not share.take("kiosk")

    cancelled = asyncio.create_task(share.wait("kiosk", 1.0))
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.gather(cancelled, return_exceptions=True)
    share.give_back("kiosk")  # no waiter left: the slot is free again
    assert share.take("kiosk")
