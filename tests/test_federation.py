"""The federated bus as `make run` starts it: four provincial tax offices as separate processes
(East Java's in another dialect), a host of every other province's office, and two gateway
processes on one database, over real sockets."""

import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.config import Settings
from simulators.stack import (
    AGENCY_PORTS,
    Process,
    Stack,
    bali_registration,
    free_port,
    plan,
    running,
)
from simulators.world import default_world
from tests.conftest import EXTERNAL_DATABASE, RUN_SECRETS_ENV, _empty_tables

pytestmark = pytest.mark.e2e

REFRESH_MS = 500


@pytest.fixture(scope="module")
def stack(tmp_path_factory, _fresh_external_database) -> Iterator[Stack]:
    if EXTERNAL_DATABASE:  # a shared server: nothing an earlier test registered or stored
        _empty_tables(Settings(database_url=EXTERNAL_DATABASE).database_url)
    database_url = os.environ.get("DATABASE_URL") or (
        f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('federation')}/gateway.db"
    )
    planned = plan(
        database_url,
        gateway_port=free_port(),
        agency_ports={code: free_port() for code in AGENCY_PORTS},
        provinces_port=free_port(),
        gateway_env={
            "SATUPINTU_AGENCY_REFRESH_INTERVAL_MS": str(REFRESH_MS),
            "SATUPINTU_WORKER_POLL_INTERVAL_MS": "100",
        },
        secrets=RUN_SECRETS_ENV,
    )
    with running(planned) as started:
        yield started


@pytest.fixture(scope="module")
def second_gateway(stack: Stack) -> Iterator[Process]:
    """Another gateway process on the same database, as a second replica would be."""
    gateway = stack.gateway
    process = Process("gateway-2", gateway.target, free_port(), "/healthz", gateway.env, True)
    process.start()
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


def _get(stack: Stack, path: str, base: str | None = None) -> httpx.Response:
    return httpx.get(
        f"{base or stack.gateway.url}{path}", headers=stack.officer_headers(), timeout=10
    )


def _post(stack: Stack, path: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(
        f"{stack.gateway.url}{path}",
        json=body,
        headers={**stack.officer_headers(), **headers},
        timeout=30,
    )


def _faults(process: Process, **faults: Any) -> None:
    url = f"{process.url}/_control/faults"
    if faults:
        httpx.put(url, json=faults, timeout=5).raise_for_status()
    else:
        httpx.delete(url, timeout=5).raise_for_status()


def _wait(stack: Stack, request_id: str, status: str, timeout_s: float = 20) -> dict[str, Any]:
    ends_at = time.monotonic() + timeout_s
    while time.monotonic() < ends_at:
        current: dict[str, Any] = _get(stack, f"/v1/service-requests/{request_id}").json()
        if current["status"] == status:
            return current
        time.sleep(0.1)
    raise AssertionError(f"request {request_id} is {current['status']}, not {status}: {current}")


def _renewal(stack: Stack, persona: Any, key: str) -> dict[str, Any]:
    submitted = _post(
        stack,
        "/v1/service-requests",
        {
            "service": "vehicle-tax-renewal",
            "nik": persona.nik,
            "data": {"plate_number": persona.plates[0]},
        },
        **{"Idempotency-Key": key},
    )
    assert submitted.status_code == 202, submitted.text
    return _wait(stack, submitted.json()["id"], "awaiting_payment")


def test_a_citizen_with_vehicles_in_two_provinces_sees_both_offices(stack, personas):
    persona = personas["two_provinces"]
    body = _get(stack, f"/v1/citizens/{persona.nik}?include=vehicles").json()

    assert sorted(v["plate_number"] for v in body["vehicles"]) == sorted(persona.plates)
    assert body["sources"]["bapenda_31"]["status"] == "ok"
    assert body["sources"]["bapenda_35"]["status"] == "ok"
    assert set(body["sources"]) == {"civil_registry", *(c for c in AGENCY_PORTS if "bapenda" in c)}
    assert body["complete"] is True


def test_an_office_down_costs_only_its_own_part(stack, personas):
    persona = personas["two_provinces"]
    _faults(stack.agencies["bapenda_32"], down=True)
    try:
        response = _get(stack, f"/v1/citizens/{persona.nik}?include=vehicles")
        listed = _get(stack, f"/v1/citizens/{persona.nik}/vehicles")
    finally:
        _faults(stack.agencies["bapenda_32"])

    body = response.json()
    assert response.status_code == 200
    assert sorted(v["plate_number"] for v in body["vehicles"]) == sorted(persona.plates)
    assert body["sources"]["bapenda_32"]["status"] == "unavailable"
    assert body["sources"]["bapenda_31"]["status"] == "ok"
    assert body["complete"] is False
    assert listed.status_code == 200
    assert listed.json()["complete"] is False
    assert listed.json()["sources"]["bapenda_32"]["status"] == "unavailable"


def test_a_bekasi_b_plate_is_assessed_and_paid_at_west_java(stack, personas):
    # Avanza, NJKB Rp 172,500,000, the owner's first car in West Java (Perda Jabar 9/2023):
    # PKB 1.12 % = 1,932,000; opsen 66 % = 1,275,120; due 70 days ago, so 3 started months
    # at 1 % (UU 1/2022): 1 % x 3 x 3,207,120 = 96,213.6 -> 96,214; SWDKLLJ 143,000 and its
    # late fee 100,000. Total 3,546,334.
    persona = personas["bekasi_plate"]
    vehicle = _get(stack, f"/v1/vehicles/{persona.plates[0]}")
    assert vehicle.json()["source"]["status"] == "ok"
    assert vehicle.json()["vehicle"]["tax"]["total"] == 3_546_334

    awaiting = _renewal(stack, persona, "bekasi-1")
    steps = {s["name"]: s["agency"] for s in awaiting["steps"]}
    assert steps["issue_payment_code"] == "bapenda_32"
    assert steps["pay_tax"] == "bapenda_32"
    payment = awaiting["payment"]
    assert payment["amount"] == 3_546_334

    paid = _post(
        stack,
        f"/v1/service-requests/{awaiting['id']}/payment",
        {"payment_code": payment["payment_code"], "amount": payment["amount"]},
    )
    assert paid.status_code == 202, paid.text
    done = _wait(stack, awaiting["id"], "completed")
    assert done["product"]["receipt"]["amount"] == 3_546_334
    report = _get(stack, "/v1/reports/performance").json()
    renewals = {
        a["agency"]: s["by_outcome"].get("completed", 0)
        for a in report["agencies"]
        for s in a["services"]
        if s["service"] == "vehicle-tax-renewal"
    }
    assert renewals["bapenda_32"] == 1  # the office that did it, not the first office
    assert renewals["bapenda_31"] == 0


def test_two_years_of_arrears_are_assessed_year_by_year(stack, personas):
    # Sigra, NJKB Rp 130,000,000, first car in West Java: PKB 1,456,000 and opsen 960,960 a
    # year. The older year is 17 started months late: 1 % x 17 x 2,416,960 = 410,883; the
    # newer 5: 120,848. Each year adds SWDKLLJ 143,000 and its late fee 100,000.
    # 3,070,843 + 2,780,808 = 5,851,651.
    persona = personas["multi_year_arrears"]
    tax = _get(stack, f"/v1/vehicles/{persona.plates[0]}").json()["vehicle"]["tax"]

    assert [year["total"] for year in tax["years"]] == [3_070_843, 2_780_808]
    assert _renewal(stack, persona, "arrears-1")["payment"]["amount"] == 5_851_651


def test_a_plate_of_a_province_no_office_serves_gets_a_clear_answer(stack, personas):
    persona = personas["tangerang_plate"]
    vehicle = _get(stack, f"/v1/vehicles/{persona.plates[0]}")
    renewal = _post(
        stack,
        "/v1/service-requests",
        {
            "service": "vehicle-tax-renewal",
            "nik": persona.nik,
            "data": {"plate_number": persona.plates[0]},
        },
    )

    for response in (vehicle, renewal):
        assert response.status_code == 503
        problem = response.json()
        assert problem["type"].endswith("/jurisdiction-not-served")
        assert problem["regions"] == ["3671"]
        assert "Kota Tangerang" in problem["detail"]


def test_an_address_change_is_told_to_each_office_holding_the_citizens_vehicles(stack, personas):
    persona = personas["two_provinces"]
    submitted = _post(
        stack,
        "/v1/service-requests",
        {
            "service": "address-change",
            "nik": persona.nik,
            "data": {
                "street": "Jl. Kebon Sirih 12",
                "rt": "003",
                "rw": "004",
                "village_code": "31.71.03.1001",
            },
        },
    )
    assert submitted.status_code == 202, submitted.text
    done = _wait(stack, submitted.json()["id"], "completed")

    told = set(done["product"]["acknowledged_by"])
    assert told == {"bapenda_31", "bapenda_35", "investment_licensing"}


def _bali_owner() -> tuple[str, str]:
    world = default_world()
    plate = min(p for p, v in world.vehicles.items() if v.regency_code.startswith("51"))
    return world.vehicles[plate].owner_nik, plate


def test_a_fifth_office_joins_at_run_time_in_every_process(stack, second_gateway):
    nik, plate = _bali_owner()
    before = _get(stack, f"/v1/citizens/{nik}?include=vehicles").json()
    assert plate not in [v["plate_number"] for v in before["vehicles"]]
    assert _get(stack, f"/v1/vehicles/{plate}").status_code == 503

    registered = _post(stack, "/v1/agencies", bali_registration(stack))
    assert registered.status_code == 201, registered.text
    assert registered.headers["location"] == "/v1/agencies/bapenda_51"
    assert registered.json()["registered_at_run_time"] is True
    joined_at = time.monotonic()

    after = _get(stack, f"/v1/citizens/{nik}?include=vehicles").json()
    assert plate in [v["plate_number"] for v in after["vehicles"]]
    assert after["sources"]["bapenda_51"]["status"] == "ok"
    renewal = _get(stack, "/v1/services/vehicle-tax-renewal").json()
    assert "bapenda_51" in renewal["agencies"]

    while _get(stack, f"/v1/vehicles/{plate}", base=second_gateway.url).status_code != 200:
        assert time.monotonic() - joined_at < REFRESH_MS / 1000 + 3, "not seen by the replica"
        time.sleep(0.05)

    removed = httpx.delete(
        f"{stack.gateway.url}/v1/agencies/bapenda_51", headers=stack.officer_headers()
    )
    assert removed.status_code == 204
    assert _get(stack, f"/v1/vehicles/{plate}").status_code == 503
    left_at = time.monotonic()
    while _get(stack, f"/v1/vehicles/{plate}", base=second_gateway.url).status_code != 503:
        assert time.monotonic() - left_at < REFRESH_MS / 1000 + 3, "still routed by the replica"
        time.sleep(0.05)


def test_an_office_failing_conformance_is_refused(stack):
    wrong = {**bali_registration(stack), "code": "bapenda_52", "jurisdiction": ["52"]}
    wrong["base_url"] = stack.province_url("52")  # NTB's office knows no Bali plate

    response = _post(stack, "/v1/agencies", wrong)

    assert response.status_code == 422
    assert response.json()["type"].endswith("/conformance-failed")
    assert any("known plate" in f["check"] for f in response.json()["failures"])
    assert _get(stack, "/v1/agencies/bapenda_52").status_code == 404


@pytest.mark.parametrize(
    ("persona", "text", "office"),
    [
        (
            "bekasi_plate",
            "Pajak kendaraan B 1526 KDX saya sudah dibayar tapi belum tercatat",
            "bapenda_32",
        ),
        ("two_provinces", "Notice pajak kendaraan L 9881 ZK tidak terkirim", "bapenda_35"),
        ("family", "Kode bayar pajak kendaraan saya tidak bisa dipakai di bank", "bapenda_33"),
    ],
)
def test_a_vehicle_tax_complaint_goes_to_the_office_that_taxes_it(
    stack, personas, persona, text, office
):
    """By the plate it names, else by the citizen's province; never the first office."""
    response = _post(
        stack,
        "/v1/complaints",
        {"nik": personas[persona].nik, "subject": "Pajak kendaraan", "description": text},
    )

    assert response.status_code == 201, response.text
    assert response.json()["agency"] == office
    assert response.json()["routing"]["agency"] == office
