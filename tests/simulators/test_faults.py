import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import httpx
import pytest
from defusedxml.ElementTree import fromstring
from fastapi import FastAPI

from simulators.faults import FaultSettings
from simulators.world import World
from tests.simulators.conftest import ACCOUNT

Probe = Callable[[httpx.AsyncClient, World], Awaitable[httpx.Response]]
CLEAN = {
    "latency_ms": 0,
    "error_rate": 0.0,
    "down": False,
    "malformed": False,
    "wrong_schema": False,
    "connection_reset": False,
    "reset_after_write": False,
    "verification_seconds": 3.0,
    "complaint_answer_seconds": 5.0,
}


async def _civil(client: httpx.AsyncClient, world: World) -> httpx.Response:
    return await client.post(
        "/api/v1/CALL_NIK", json={"NIK": world.personas["woman"].nik, **ACCOUNT}
    )


async def _samsat(client: httpx.AsyncClient, world: World) -> httpx.Response:
    return await client.post("/samsat/infopkb", data={"nopol": world.personas["family"].plates[0]})


async def _oss(client: httpx.AsyncClient, world: World) -> httpx.Response:
    return await client.get(f"/oss/v2/nib/{world.personas['family'].nibs[0]}")


@dataclass(frozen=True)
class Agency:
    """One simulator under test: its client, a typical agency call and a field it must carry."""

    client: httpx.AsyncClient
    probe: Probe
    key_field: str

    async def call(self, world: World) -> httpx.Response:
        return await self.probe(self.client, world)


AGENCIES = [
    pytest.param(("civil_app", _civil, "NAMA_LGKP"), id="civil_registry"),
    pytest.param(("vehicle_app", _samsat, "nikPemilik"), id="vehicle_tax"),
    pytest.param(("oss_app", _oss, "nik_pemilik"), id="investment_licensing"),
]


def _parse(response: httpx.Response) -> Any:
    if "xml" in response.headers["content-type"]:
        return fromstring(response.content)
    return json.loads(response.content)


def _mentions(document: Any, key: str) -> bool:
    if isinstance(document, dict):
        return key in document or any(_mentions(v, key) for v in document.values())
    if isinstance(document, list):
        return any(_mentions(v, key) for v in document)
    if isinstance(document, Element):
        return document.find(f".//{key}") is not None
    return False


@pytest.fixture(params=AGENCIES)
async def agency(request: pytest.FixtureRequest) -> AsyncIterator[Agency]:
    fixture_name, probe, key_field = request.param
    app: FastAPI = request.getfixturevalue(fixture_name)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://agency.test") as client:
        yield Agency(client, probe, key_field)


async def test_control_get_put_delete(agency: Agency) -> None:
    client = agency.client
    assert (await client.get("/_control/faults")).json() == CLEAN
    changed = await client.put("/_control/faults", json={"latency_ms": 5, "down": True})
    assert changed.json() == {**CLEAN, "latency_ms": 5, "down": True}
    kept = await client.put("/_control/faults", json={"error_rate": 0.25})
    assert kept.json() == {**CLEAN, "latency_ms": 5, "down": True, "error_rate": 0.25}
    assert (await client.delete("/_control/faults")).json() == CLEAN
    assert (await client.get("/_control/faults")).json() == CLEAN


@pytest.mark.parametrize(
    "update",
    [{"error_rate": 1.5}, {"latency_ms": -1}, {"slow": True}, {"verification_seconds": -1}],
)
async def test_control_rejects_bad_settings(agency: Agency, update: dict[str, Any]) -> None:
    client = agency.client
    assert (await client.put("/_control/faults", json=update)).status_code == 422
    assert (await client.get("/_control/faults")).json() == CLEAN


async def test_latency_delays_agency_replies_only(agency: Agency, world: World) -> None:
    client = agency.client
    await client.put("/_control/faults", json={"latency_ms": 200})
    started = time.perf_counter()
    response = await agency.call(world)
    delayed = time.perf_counter() - started
    started = time.perf_counter()
    await client.get("/_control/faults")
    control = time.perf_counter() - started
    assert response.status_code == 200
    assert delayed >= 0.2
    assert control < 0.2


async def test_down_answers_503_html_but_control_still_works(agency: Agency, world: World) -> None:
    client = agency.client
    await client.put("/_control/faults", json={"down": True})
    response = await agency.call(world)
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert b"<html" in response.content.lower()
    assert (await client.get("/_control/faults")).status_code == 200
    await client.delete("/_control/faults")
    assert (await agency.call(world)).status_code == 200


async def test_error_rate_one_always_fails(agency: Agency, world: World) -> None:
    client = agency.client
    await client.put("/_control/faults", json={"error_rate": 1.0})
    statuses = {(await agency.call(world)).status_code for _ in range(5)}
    assert statuses == {500}


async def test_error_rate_zero_never_fails(agency: Agency, world: World) -> None:
    statuses = {(await agency.call(world)).status_code for _ in range(5)}
    assert statuses == {200}


async def test_malformed_body_cannot_be_parsed(agency: Agency, world: World) -> None:
    client = agency.client
    healthy = await agency.call(world)
    await client.put("/_control/faults", json={"malformed": True})
    broken = await agency.call(world)
    assert broken.status_code == 200
    assert broken.headers["content-type"] == healthy.headers["content-type"]
    assert broken.content == healthy.content[: len(healthy.content) // 2]
    assert int(broken.headers["content-length"]) == len(broken.content)
    with pytest.raises((ValueError, ParseError)):
        _parse(broken)


async def test_wrong_schema_is_well_formed_without_key_fields(agency: Agency, world: World) -> None:
    client = agency.client
    assert _mentions(_parse(await agency.call(world)), agency.key_field)
    await client.put("/_control/faults", json={"wrong_schema": True})
    response = await agency.call(world)
    assert response.status_code == 200
    assert not _mentions(_parse(response), agency.key_field)


async def test_connection_reset_marks_agency_replies_for_the_proxy(
    agency: Agency, world: World
) -> None:
    client = agency.client
    await client.put("/_control/faults", json={"connection_reset": True})
    response = await agency.call(world)
    assert response.status_code == 502
    assert response.headers["x-simulator-fault"] == "reset"
    assert "x-simulator-fault" not in (await client.get("/_control/faults")).headers


async def test_reset_after_write_leaves_reads_alone(agency: Agency, world: World) -> None:
    await agency.client.put("/_control/faults", json={"reset_after_write": True})
    response = await agency.call(world)
    assert response.status_code == 200
    assert "x-simulator-fault" not in response.headers


def test_settings_from_environment() -> None:
    settings = FaultSettings.from_env(
        {
            "SIM_LATENCY_MS": "150",
            "SIM_ERROR_RATE": "0.1",
            "SIM_DOWN": "true",
            "SIM_MALFORMED": "1",
            "SIM_WRONG_SCHEMA": "no",
            "SIM_CONNECTION_RESET": "on",
            "SIM_RESET_AFTER_WRITE": "yes",
            "SIM_VERIFICATION_SECONDS": "0.5",
        }
    )
    assert settings == FaultSettings(
        latency_ms=150,
        error_rate=0.1,
        down=True,
        malformed=True,
        wrong_schema=False,
        connection_reset=True,
        reset_after_write=True,
        verification_seconds=0.5,
    )
    assert FaultSettings.from_env({}) == FaultSettings()
    with pytest.raises(ValueError, match="error_rate"):
        FaultSettings.from_env({"SIM_ERROR_RATE": "3"})
