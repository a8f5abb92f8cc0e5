"""GET /v1/citizens/{nik}: the whole picture from three agencies, and how it degrades."""

import time

import pytest
from sqlalchemy import select

from app.db.models import AccessRecord, Base
from app.main import create_app
from tests.conftest import client_of, credentials, gateway_settings

PROBLEM = "application/problem+json"


async def test_family_head_gets_every_part_from_every_agency(gateway, personas):
    persona = personas["family"]
    response = await gateway.get(f"/v1/citizens/{persona.nik}")

    assert response.status_code == 200
    body = response.json()
    assert body["complete"] is True
    assert {code: s["status"] for code, s in body["sources"].items()} == {
        "civil_registry": "ok",
        "vehicle_tax": "ok",
        "investment_licensing": "ok",
    }
    assert body["sources"]["civil_registry"]["parts"] == ["identity", "family"]
    identity = body["identity"]
    assert identity["nik"] == persona.nik
    assert identity["full_name"] == persona.name
    assert identity["family_relationship"] == "head"
    assert identity["family_card_number"] == persona.no_kk
    assert identity["address"]["regency"]["code"] == f"{persona.nik[:2]}.{persona.nik[2:4]}"
    family_niks = {m["nik"] for m in body["family"]["members"]}
    assert family_niks == {persona.nik, *persona.related_niks}
    assert len(family_niks) == 4
    assert [v["plate_number"] for v in body["vehicles"]] == list(persona.plates)
    assert [b["nib"] for b in body["businesses"]] == list(persona.nibs)


async def test_woman_has_forty_added_to_her_birth_day(gateway, personas):
    persona = personas["woman"]
    identity = (await gateway.get(f"/v1/citizens/{persona.nik}")).json()["identity"]

    assert identity["sex"] == "female"
    assert int(persona.nik[6:8]) - 40 == int(identity["date_of_birth"][8:10])


async def test_owner_of_several_vehicles_sees_progressive_rates_and_arrears(gateway, personas):
    persona = personas["several_vehicles_overdue"]
    vehicles = (await gateway.get(f"/v1/citizens/{persona.nik}")).json()["vehicles"]

    assert len(vehicles) == 4
    cars = [v for v in vehicles if v["vehicle_class"] == "private_car"]
    assert sorted(v["tax"]["ownership_order"] for v in cars) == [1, 2, 3]
    rates = {v["tax"]["ownership_order"]: v["tax"]["rate_percent"] for v in cars}
    assert rates[1] < rates[2] < rates[3]
    overdue = [v for v in vehicles if v["tax"]["status"] == "overdue"]
    assert len(overdue) == 2
    for vehicle in overdue:
        tax = vehicle["tax"]
        assert tax["months_overdue"] >= 1
        assert tax["pkb_penalty"] > 0
        assert tax["total"] == sum(
            tax[k]
            for k in (
                "pkb_principal",
                "pkb_opsen",
                "pkb_penalty",
                "swdkllj_principal",
                "swdkllj_penalty",
            )
        )


async def test_business_owner_sees_every_risk_level_with_its_permits(gateway, personas):
    persona = personas["every_risk_business"]
    businesses = (await gateway.get(f"/v1/citizens/{persona.nik}")).json()["businesses"]

    activities = [a for b in businesses for a in b["activities"]]
    assert {a["risk_level"] for a in activities} == {"low", "medium_low", "medium_high", "high"}
    for activity in activities:
        types = {p["type"] for p in activity["permits"]}
        if activity["risk_level"] == "high":
            assert "licence" in types
        if activity["risk_level"] in ("medium_low", "medium_high"):
            assert "standard_certificate" in types


async def test_citizen_with_nothing_is_complete_with_empty_lists(gateway, personas):
    body = (await gateway.get(f"/v1/citizens/{personas['nothing'].nik}")).json()

    assert body["complete"] is True
    assert body["vehicles"] == []
    assert body["businesses"] == []


async def test_deceased_citizen_is_flagged_with_date_of_death(gateway, personas):
    identity = (await gateway.get(f"/v1/citizens/{personas['deceased'].nik}")).json()["identity"]

    assert identity["deceased"] is True
    assert identity["date_of_death"] is not None


async def test_include_limits_the_agencies_asked(gateway, agencies, personas):
    nik = personas["family"].nik
    response = await gateway.get(f"/v1/citizens/{nik}", params={"include": "vehicles"})

    body = response.json()
    assert body["complete"] is True
    assert body["family"] is None
    assert body["businesses"] is None
    assert body["vehicles"] is not None
    assert set(body["sources"]) == {"civil_registry", "vehicle_tax"}
    assert agencies.called("investment_licensing") == 0
    assert agencies.called("civil_registry") == 1


async def test_unknown_include_part_is_a_problem_naming_the_field(gateway, agencies, personas):
    response = await gateway.get(
        f"/v1/citizens/{personas['family'].nik}", params={"include": "vehicles,pets"}
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "include"
    assert "pets" in response.json()["errors"][0]["message"]
    assert agencies.total_calls() == 0


@pytest.mark.parametrize(
    ("nik", "reason"),
    [
        ("12345", "16 digits"),
        ("9971074508900001", "province code 99"),
        ("3171073102900001", "not a real date"),
    ],
)
async def test_malformed_nik_is_a_422_problem_and_no_agency_is_called(
    gateway, agencies, nik, reason
):
    response = await gateway.get(f"/v1/citizens/{nik}")

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"].endswith("/validation-error")
    [error] = problem["errors"]
    assert (error["field"], error["location"]) == ("nik", "path")
    assert reason in error["message"]
    assert "nik" in problem["detail"]
    assert agencies.total_calls() == 0


async def test_unknown_nik_is_404_and_the_other_agencies_are_not_waited_for(gateway, agencies):
    response = await gateway.get("/v1/citizens/3171074508900999")

    assert response.status_code == 404
    problem = response.json()
    assert problem["type"].endswith("/citizen-not-found")
    assert problem["sources"]["civil_registry"]["status"] == "not_found"
    assert response.headers["content-type"] == PROBLEM


async def test_vehicle_tax_down_gives_a_partial_answer(gateway, agencies, personas):
    await agencies.set_faults("vehicle_tax", down=True)
    response = await gateway.get(f"/v1/citizens/{personas['family'].nik}")

    assert response.status_code == 200
    body = response.json()
    assert body["complete"] is False
    assert body["sources"]["vehicle_tax"]["status"] == "unavailable"
    assert body["vehicles"] is None
    assert body["identity"]["nik"] == personas["family"].nik
    assert body["businesses"] is not None
    assert body["sources"]["investment_licensing"]["status"] == "ok"


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        ({"malformed": True}, "error"),
        ({"wrong_schema": True}, "error"),
        ({"error_rate": 1.0}, "error"),
        ({"down": True}, "unavailable"),
    ],
)
async def test_broken_business_agency_costs_only_its_part(
    gateway, agencies, personas, fault, status
):
    await agencies.set_faults("investment_licensing", **fault)
    response = await gateway.get(f"/v1/citizens/{personas['every_risk_business'].nik}")

    assert response.status_code == 200
    body = response.json()
    assert body["sources"]["investment_licensing"]["status"] == status
    assert body["sources"]["investment_licensing"]["detail"]
    assert body["businesses"] is None
    assert body["vehicles"] is not None
    assert body["complete"] is False


@pytest.mark.usefixtures("settled_heap")
async def test_slow_agency_is_cut_at_its_deadline(database_url, agencies, personas):
    settings = gateway_settings(database_url, timeout_ms=300, deadline_ms=2000)
    await agencies.set_faults("vehicle_tax", latency_ms=3000)
    app = create_app(settings, http_client=agencies.http)
    async with (
        app.router.lifespan_context(app),
        client_of(app) as gateway,
    ):
        started = time.perf_counter()
        response = await gateway.get(f"/v1/citizens/{personas['family'].nik}")
        elapsed_ms = (time.perf_counter() - started) * 1000

    assert response.status_code == 200
    assert response.json()["sources"]["vehicle_tax"]["status"] == "timeout"
    assert response.json()["complete"] is False
    # cut at 300 ms; the margin is for a loaded machine, far below the agency's 3,000 ms
    assert elapsed_ms < 300 + 700


@pytest.mark.usefixtures("settled_heap")
async def test_combined_read_takes_the_slowest_agency_not_the_sum(gateway, agencies, personas):
    for code in ("civil_registry", "vehicle_tax", "investment_licensing"):
        await agencies.set_faults(code, latency_ms=400)
    started = time.perf_counter()
    response = await gateway.get(f"/v1/citizens/{personas['family'].nik}")
    elapsed_ms = (time.perf_counter() - started) * 1000

    assert response.json()["complete"] is True
    # four agency calls of 400 ms each: the sum would be 1,600 ms
    assert 400 <= elapsed_ms < 1000


@pytest.mark.parametrize(
    ("fault", "status", "problem_type"),
    [
        ({"down": True}, 503, "agency-unavailable"),
        ({"latency_ms": 1500}, 504, "agency-timeout"),
        ({"malformed": True}, 502, "agency-bad-reply"),
    ],
)
async def test_civil_registry_failure_fails_the_whole_call(
    gateway, agencies, personas, fault, status, problem_type
):
    await agencies.set_faults("civil_registry", **fault)
    response = await gateway.get(f"/v1/citizens/{personas['family'].nik}")

    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"].endswith(problem_type)
    assert problem["sources"]["civil_registry"]["status"] in ("unavailable", "timeout", "error")
    assert "Traceback" not in response.text


async def test_every_read_is_recorded_with_who_asked_and_how_it_went(
    gateway, gateway_app, agencies, personas
):
    nik = personas["family"].nik
    await agencies.set_faults("vehicle_tax", down=True)
    counter = await credentials(gateway_app, name="samsat counter", purpose="renewal, queue 12")
    response = await gateway.get(f"/v1/citizens/{nik}", headers=counter)
    missing = await gateway.get(
        "/v1/citizens/3171074508900999", headers=await credentials(gateway_app, name="cs")
    )

    async with gateway_app.state.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(AccessRecord).where(
                    AccessRecord.request_id.in_(
                        [response.headers["x-request-id"], missing.headers["x-request-id"]]
                    )
                )
            )
        ).all()
    by_request = {row.request_id: row for row in rows}
    partial = by_request[response.headers["x-request-id"]]
    assert partial.client_id.startswith("samsat-counter-")
    assert partial.purpose == "renewal, queue 12"
    assert partial.released == ["businesses", "family", "identity", "identity.full"]
    assert partial.subject_nik == nik
    assert partial.operation == "citizen.profile"
    assert partial.outcome == "partial"
    assert partial.http_status == 200
    assert partial.agencies == {
        "civil_registry": {"identity": "ok", "family": "ok"},
        "vehicle_tax": {"vehicles": "unavailable"},
        "investment_licensing": {"businesses": "ok"},
    }
    not_found = by_request[missing.headers["x-request-id"]]
    assert not_found.client_id.startswith("cs-")
    assert not_found.outcome == "not_found"
    assert not_found.http_status == 404
    assert not_found.released == []


async def test_no_data_leaves_when_its_read_cannot_be_recorded(gateway, gateway_app, personas):
    table = Base.metadata.tables[AccessRecord.__tablename__]
    async with gateway_app.state.engine.begin() as conn:
        await conn.run_sync(table.drop)
    try:
        response = await gateway.get(f"/v1/citizens/{personas['family'].nik}")
    finally:
        async with gateway_app.state.engine.begin() as conn:
            await conn.run_sync(table.create)

    assert response.status_code == 503
    assert response.json()["type"].endswith("/access-log-unavailable")
    assert personas["family"].name not in response.text
