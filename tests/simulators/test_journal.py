from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from simulators.journal import reference
from simulators.world import World
from tests.simulators.conftest import ACCOUNT

Write = Callable[[httpx.AsyncClient, World, str], Awaitable[httpx.Response]]
NEW_VILLAGE = "3174101004"


async def _civil(client: httpx.AsyncClient, world: World, ref: str) -> httpx.Response:
    body = {
        "NIK": world.personas["woman"].nik,
        "ALAMAT": "JL. BARU NO. 1",
        "NO_RT": "001",
        "NO_RW": "002",
        "NO_KEL": NEW_VILLAGE,
        "REF": ref,
        **ACCOUNT,
    }
    return await client.post("/api/v1/UPDATE_ALAMAT", json=body)


async def _samsat(client: httpx.AsyncClient, world: World, ref: str) -> httpx.Response:
    persona = world.personas["several_vehicles_overdue"]
    body = {"nik": persona.nik, "alamat": "JL. BARU NO. 1", "kodeKelurahan": NEW_VILLAGE}
    return await client.post("/samsat/api/alamat-pemilik", json={**body, "ref": ref})


async def _oss(client: httpx.AsyncClient, world: World, ref: str) -> httpx.Response:
    body = {
        "referensi": ref,
        "nik_pemilik": world.personas["nothing"].nik,
        "nama_usaha": "WARUNG BARU",
        "alamat_usaha": {"alamat": "JL. BARU NO. 1", "kd_kel": NEW_VILLAGE},
        "kbli": ["56102"],
    }
    return await client.post("/oss/v2/permohonan", json=body)


async def _civil_effect(client: httpx.AsyncClient, world: World) -> int:
    response = await client.post(
        "/api/v1/CALL_NIK", json={"NIK": world.personas["woman"].nik, **ACCOUNT}
    )
    return int(response.json()["content"][0]["ALAMAT"] == "JL. BARU NO. 1")


async def _samsat_effect(client: httpx.AsyncClient, world: World) -> int:
    nik = world.personas["several_vehicles_overdue"].nik
    response = await client.get("/samsat/api/kendaraan", params={"nik": nik})
    moved = {v["alamatPemilik"].startswith("JL. BARU") for v in response.json()["dataKendaraan"]}
    return int(moved == {True})


async def _oss_effect(client: httpx.AsyncClient, world: World) -> int:
    nik = world.personas["nothing"].nik
    response = await client.get("/oss/v2/pelaku-usaha", params={"nik_pemilik": nik})
    total: int = response.json()["data"]["total"]
    return total


@dataclass(frozen=True)
class Agency:
    """One simulator under test, a write it accepts and how many times that write took effect."""

    client: httpx.AsyncClient
    world: World
    write_with: Write
    effect_of: Callable[[httpx.AsyncClient, World], Awaitable[int]]

    async def write(self, ref: str) -> httpx.Response:
        return await self.write_with(self.client, self.world, ref)

    async def effect(self) -> int:
        await self.client.delete("/_control/faults")
        return await self.effect_of(self.client, self.world)

    async def log(self) -> list[tuple[str, bool]]:
        entries = (await self.client.get("/_control/requests")).json()
        return [(e["ref"], e["replayed"]) for e in entries]


AGENCIES = [
    pytest.param(("civil_app", _civil, _civil_effect), id="civil_registry"),
    pytest.param(("vehicle_app", _samsat, _samsat_effect), id="vehicle_tax"),
    pytest.param(("oss_app", _oss, _oss_effect), id="investment_licensing"),
]


@pytest.fixture(params=AGENCIES)
async def agency(request: pytest.FixtureRequest, world: World) -> AsyncIterator[Agency]:
    fixture_name, write, effect = request.param
    app: FastAPI = request.getfixturevalue(fixture_name)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://agency.test") as client:
        yield Agency(client, world, write, effect)


async def test_same_reference_has_one_effect_and_is_logged_as_replayed(agency: Agency) -> None:
    first = await agency.write("ref-1")
    again = await agency.write("ref-1")
    assert first.status_code in (200, 201)
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert await agency.effect() == 1
    assert await agency.log() == [("ref-1", False), ("ref-1", True)]


async def test_clearing_the_log_keeps_the_answers(agency: Agency) -> None:
    await agency.write("ref-1")
    cleared = await agency.client.delete("/_control/requests")
    assert cleared.json() == []
    await agency.write("ref-1")
    assert await agency.log() == [("ref-1", True)]
    assert await agency.effect() == 1


async def test_down_refuses_writes_before_they_reach_the_agency(agency: Agency) -> None:
    await agency.client.put("/_control/faults", json={"down": True})
    response = await agency.write("ref-1")
    assert response.status_code == 503
    assert (await agency.client.get("/_control/requests")).status_code == 200
    assert await agency.log() == []
    assert await agency.effect() == 0


@pytest.mark.parametrize(
    ("fault", "mark", "applied"),
    [("connection_reset", "reset", 0), ("reset_after_write", "reset-mid-reply", 1)],
)
async def test_reset_faults_mark_the_reply_for_the_proxy_before_or_after_the_write(
    agency: Agency, fault: str, mark: str, applied: int
) -> None:
    await agency.client.put("/_control/faults", json={fault: True})
    response = await agency.write("ref-1")
    assert response.headers["x-simulator-fault"] == mark
    assert await agency.log() == [("ref-1", False)] * applied
    assert await agency.effect() == applied


async def test_error_rate_applies_to_writes(agency: Agency) -> None:
    await agency.client.put("/_control/faults", json={"error_rate": 1.0})
    assert (await agency.write("ref-1")).status_code == 500
    assert await agency.effect() == 0


async def test_a_lost_reply_is_recovered_by_sending_again(agency: Agency) -> None:
    """``malformed`` stands for a reply lost on the way back: the write itself happened."""
    await agency.client.put("/_control/faults", json={"malformed": True})
    broken = await agency.write("ref-1")
    await agency.client.delete("/_control/faults")
    whole = await agency.write("ref-1")
    assert broken.content == whole.content[: len(whole.content) // 2]
    assert await agency.effect() == 1
    assert await agency.log() == [("ref-1", False), ("ref-1", True)]


async def test_wrong_schema_hides_the_outcome_of_writes(agency: Agency) -> None:
    healthy = await agency.write("ref-1")
    await agency.client.put("/_control/faults", json={"wrong_schema": True})
    stripped = await agency.write("ref-1")
    assert stripped.status_code == healthy.status_code
    assert len(stripped.content) < len(healthy.content)


def test_reference_must_be_a_short_non_blank_string() -> None:
    assert reference(" abc ") == "abc"
    assert reference("x" * 128) == "x" * 128
    assert reference("x" * 129) is None
    assert reference("  ") is None
    assert reference(None) is None
    assert reference(12) is None
