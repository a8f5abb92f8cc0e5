"""The single-agency reads: a vehicle by plate, a citizen's vehicles, a citizen's businesses."""

import pytest

PROBLEM = "application/problem+json"


@pytest.mark.parametrize("typed", ["{plate}", "{compact_lower}"])
async def test_vehicle_by_plate_in_any_spelling(gateway, personas, typed):
    plate = personas["family"].plates[0]
    spelled = typed.format(plate=plate, compact_lower=plate.replace(" ", "").lower())
    response = await gateway.get(f"/v1/vehicles/{spelled}")

    assert response.status_code == 200
    body = response.json()
    assert body["vehicle"]["plate_number"] == plate
    assert body["vehicle"]["owner_nik"] == personas["family"].nik
    assert body["source"]["status"] == "ok"
    assert body["vehicle"]["tax"]["total"] > 0


async def test_unknown_plate_is_404_vehicle_not_found(gateway):
    response = await gateway.get("/v1/vehicles/B 1 QQQ")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("/vehicle-not-found")


async def test_malformed_plate_is_422_naming_the_field_and_calls_nobody(gateway, agencies):
    response = await gateway.get("/v1/vehicles/XX 99999")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "plate_number"
    assert agencies.total_calls() == 0


async def test_vehicle_tax_timeout_on_single_read_is_504(database_url, agencies, personas):

    from app.main import create_app
    from tests.conftest import client_of, gateway_settings

    await agencies.set_faults("vehicle_tax", latency_ms=1000)
    app = create_app(gateway_settings(database_url, timeout_ms=200), http_client=agencies.http)
    async with (
        app.router.lifespan_context(app),
        client_of(app) as gateway,
    ):
        response = await gateway.get(f"/v1/vehicles/{personas['family'].plates[0]}")

    assert response.status_code == 504
    assert response.json()["type"].endswith("/agency-timeout")


async def test_citizen_vehicles_lists_every_vehicle_with_its_tax(gateway, personas):
    persona = personas["several_vehicles_overdue"]
    response = await gateway.get(f"/v1/citizens/{persona.nik}/vehicles")

    assert response.status_code == 200
    body = response.json()
    assert sorted(v["plate_number"] for v in body["items"]) == sorted(persona.plates)
    assert body["sources"]["vehicle_tax"]["status"] == "ok"
    assert body["complete"] is True


async def test_citizen_vehicles_with_agency_down_is_503(gateway, agencies, personas):
    await agencies.set_faults("vehicle_tax", down=True)
    response = await gateway.get(f"/v1/citizens/{personas['family'].nik}/vehicles")

    assert response.status_code == 503
    assert response.json()["type"].endswith("/agency-unavailable")
    assert response.json()["sources"]["vehicle_tax"]["status"] == "unavailable"


async def test_businesses_are_paginated_through_the_agency(gateway, personas):
    persona = personas["every_risk_business"]
    first = (await gateway.get(f"/v1/citizens/{persona.nik}/businesses?page_size=1")).json()
    second = (await gateway.get(f"/v1/citizens/{persona.nik}/businesses?page_size=1&page=2")).json()

    assert first["total"] == second["total"] == len(persona.nibs)
    assert first["total_pages"] == len(persona.nibs)
    assert (first["page"], second["page"]) == (1, 2)
    assert [first["items"][0]["nib"], second["items"][0]["nib"]] == list(persona.nibs)


@pytest.mark.parametrize(("query", "field"), [("page=0", "page"), ("page_size=51", "page_size")])
async def test_bad_paging_is_422_naming_the_field(gateway, agencies, personas, query, field):
    response = await gateway.get(f"/v1/citizens/{personas['nothing'].nik}/businesses?{query}")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert agencies.total_calls() == 0
