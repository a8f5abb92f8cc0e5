"""Nothing a client can send makes the gateway answer 5xx: each malformed input is a 422
problem naming what was wrong, before any agency or the database sees it."""

import json
import re
from typing import Any

import pytest

from tests.conftest import client_of, credentials

ANY_ID = "00000000-0000-4000-8000-000000000000"
PATH_VALUES = {"code": "vehicle_tax", "nik": "3171074508900001"}


def _named(response, field: str, location: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["type"].endswith("/validation-error")
    assert {"field": field, "location": location} in [
        {"field": e["field"], "location": e["location"]} for e in problem["errors"]
    ], problem
    return problem


def _json_writes(app) -> list[tuple[str, str]]:
    """Every documented operation that takes a JSON body, with its path filled in."""
    found = []
    for template, operations in app.openapi()["paths"].items():
        path = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), ANY_ID), template)
        for method, operation in operations.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                found.append((method.upper(), path))
    return sorted(found)


async def test_a_body_that_is_not_utf8_is_named_on_every_json_write(gateway_app):
    writes = _json_writes(gateway_app)
    assert len(writes) >= 6  # complaints, service requests, payment, survey, PUT/PATCH agency

    async with client_of(gateway_app, headers={}) as anonymous:
        for method, path in writes:
            response = await anonymous.request(
                method,
                path,
                content=b'{"subject": "caf\xe9"}',
                headers={"Content-Type": "application/json"},
            )
            problem = _named(response, "body", "body")
            assert "UTF-8" in problem["detail"], (method, path)


async def test_json_nested_too_deeply_is_named_not_a_500(gateway_app):
    writes = _json_writes(gateway_app)
    async with client_of(gateway_app, headers={}) as anonymous:
        for method, path in writes:
            response = await anonymous.request(
                method,
                path,
                content=b"[" * 50_000,
                headers={"Content-Type": "application/json"},
            )
            problem = _named(response, "body", "body")
            assert "nested" in problem["detail"]


async def test_deep_json_inside_free_form_data_is_refused(gateway, personas):
    deep: Any = "B 1234 XYZ"
    for _ in range(400):
        deep = {"x": deep}
    response = await gateway.post(
        "/v1/service-requests",
        json={
            "service": "vehicle-tax-renewal",
            "nik": personas["several_vehicles_overdue"].nik,
            "data": {"plate_number": deep},
        },
    )

    assert response.status_code == 422, response.text


async def test_multipart_without_a_boundary_at_the_token_endpoint_names_the_header(gateway):
    response = await gateway.post(
        "/v1/oauth/token",
        content=b"grant_type=client_credentials",
        headers={"Content-Type": "multipart/form-data"},
    )

    _named(response, "Content-Type", "header")


@pytest.mark.parametrize("field", ["base_url", "timeout_ms", "enabled"])
async def test_an_explicit_null_in_an_agency_patch_is_named(gateway, agencies, field):
    response = await gateway.patch("/v1/agencies/vehicle_tax", json={field: None})

    _named(response, field, "body")
    assert agencies.total_calls() == 0


def _complaint(nik: str, **changes: Any) -> dict[str, Any]:
    return {
        "nik": nik,
        "subject": "Kode bayar tidak terbit",
        "description": "Perpanjangan pajak tahunan saya tidak bisa diproses.",
        **changes,
    }


COMPLAINT_FIELDS = ["subject", "description", "addressed_to", "service", "category"]


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x85", "\ud800"])
@pytest.mark.parametrize("field", COMPLAINT_FIELDS)
async def test_control_characters_in_a_complaint_are_named(
    gateway, agencies, personas, field, char
):
    nik = personas["several_vehicles_overdue"].nik
    body = _complaint(nik, **{field: f"Jalan Merdeka{char} nomor 5"})
    response = await gateway.post(
        "/v1/complaints",
        content=json.dumps(body),  # escapes the lone surrogate as JSON does
        headers={"Content-Type": "application/json"},
    )

    problem = _named(response, field, "body")
    assert "control character" in problem["detail"]
    assert agencies.total_calls() == 0


async def test_a_complaint_keeps_its_line_breaks_and_tabs(gateway, personas):
    nik = personas["several_vehicles_overdue"].nik
    text = "Sejak kemarin:\n\t- kode bayar tidak terbit\n\t- loket tutup"
    response = await gateway.post("/v1/complaints", json=_complaint(nik, description=text))

    assert response.status_code == 201, response.text
    assert response.json()["description"] == text


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {
                "street": "Jl. Mawar\x00 1",
                "rt": "001",
                "rw": "002",
                "village_code": "33.74.09.1001",
            },
            "street",
        ),
        (
            {
                "business_name": "Warung\x0b Kopi",
                "kbli": ["56102"],
                "address": {"street": "Jl. Malioboro No. 5", "village_code": "34.71.07.1001"},
            },
            "business_name",
        ),
        (
            {
                "business_name": "Warung Kopi",
                "kbli": ["56102"],
                "address": {"street": "Jl.\x00 Malioboro", "village_code": "34.71.07.1001"},
            },
            "address.street",
        ),
    ],
)
async def test_control_characters_in_service_request_data_are_named(
    gateway, agencies, personas, data, field
):
    service = "address-change" if "rt" in data else "business-registration"
    response = await gateway.post(
        "/v1/service-requests",
        json={"service": service, "nik": personas["family"].nik, "data": data},
    )

    problem = _named(response, f"data.{field}", "body")
    assert "control character" in problem["detail"]
    assert agencies.total_calls() == 0


@pytest.mark.parametrize("field", ["base_url", "username", "password"])
async def test_control_characters_in_an_agency_endpoint_are_named(gateway, agencies, field):
    body = {"base_url": "https://vehicle-tax.test", field: "https://vehicle-tax.test/\x00"}
    response = await gateway.put("/v1/agencies/vehicle_tax", json=body)

    _named(response, field, "body")
    assert agencies.total_calls() == 0


@pytest.mark.parametrize(
    ("method", "path", "field", "location"),
    [
        ("GET", f"/v1/complaints/{ANY_ID}%00", "complaint_id", "path"),
        ("GET", f"/v1/service-requests/{ANY_ID}%00", "request_id", "path"),
        ("POST", f"/v1/service-requests/{ANY_ID}%00/cancel", "request_id", "path"),
        ("GET", "/v1/complaints?agency=vehicle%00tax", "agency", "query"),
        ("GET", "/v1/complaints?cursor=abc%00", "cursor", "query"),
        ("GET", "/v1/service-requests?cursor=abc%00", "cursor", "query"),
        ("GET", "/v1/reports/satisfaction?service=a%00b", "service", "query"),
        ("GET", "/v1/reports/performance?agency=vehicle%00tax", "agency", "query"),
        ("GET", "/v1/agencies/vehicle%00tax", "code", "path"),
        ("GET", "/v1/services?category=a%01b", "category", "query"),
    ],
)
async def test_control_characters_in_parameters_are_named(gateway, method, path, field, location):
    _named(await gateway.request(method, path), field, location)


async def test_a_control_character_in_an_idempotency_key_is_named(gateway, personas):
    response = await gateway.post(
        "/v1/complaints",
        json=_complaint(personas["several_vehicles_overdue"].nik),
        headers={"Idempotency-Key": "retry\x01one"},
    )

    _named(response, "idempotency-key", "header")


@pytest.mark.parametrize("field", ["client_id", "client_secret", "scope", "subject"])
async def test_control_characters_at_the_token_endpoint_are_named(gateway_app, field):
    form = {"grant_type": "client_credentials", "client_id": "c", "client_secret": "s"}
    form[field] = "a\x00b"
    async with client_of(gateway_app, headers={}) as anonymous:
        response = await anonymous.post("/v1/oauth/token", data=form)

    _named(response, field, "body")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=0001-01-01&to=9999-12-31", "from"),
        ("from=0001-01-01&to=0001-01-05", "from"),
        ("to=9999-12-31", "to"),
        ("from=2024-01-01&to=2026-01-01", "from"),
    ],
)
@pytest.mark.parametrize("report", ["performance", "satisfaction"])
async def test_a_report_range_out_of_bounds_is_named(gateway, report, query, field):
    response = await gateway.get(f"/v1/reports/{report}?{query}")

    _named(response, field, "query")


async def test_a_year_long_report_is_still_given(gateway):
    response = await gateway.get("/v1/reports/performance?from=2024-01-01&to=2024-12-31")

    assert response.status_code == 200, response.text


async def test_no_token_and_a_malformed_purpose_is_401_not_422(gateway_app):
    async with client_of(gateway_app, headers={"X-Purpose": "x\x01"}) as anonymous:
        response = await anonymous.get("/v1/citizens/3171074508900001")

    assert response.status_code == 401, response.text
    assert response.json()["type"].endswith("/unauthenticated")


async def test_a_malformed_purpose_is_checked_after_the_scopes(gateway_app):
    headers = await credentials(gateway_app, scopes=[], purpose="ab")
    async with client_of(gateway_app, headers=headers) as narrow:
        response = await narrow.get("/v1/citizens/3171074508900001")

    assert response.status_code == 403, response.text


@pytest.mark.parametrize("purpose", ["ab", "x" * 201, "queue\x000412", "queue\x850412"])
async def test_a_malformed_purpose_of_an_authenticated_officer_is_named(gateway_app, purpose):
    headers = await credentials(gateway_app, purpose=None)
    async with client_of(gateway_app, headers=headers) as officer:
        response = await officer.get(
            "/v1/citizens/3171074508900001",
            headers={"X-Purpose": purpose.encode("latin-1")},
        )

    _named(response, "X-Purpose", "header")


def test_the_purpose_header_stays_documented(gateway_app):
    operation = gateway_app.openapi()["paths"]["/v1/citizens/{nik}"]["get"]
    purpose = next(p for p in operation["parameters"] if p["name"] == "x-purpose")

    assert purpose["in"] == "header"
    assert purpose["schema"]["anyOf"][0]["minLength"] == 3
    assert purpose["description"].startswith("Why an officer")


async def test_a_wrong_method_says_which_are_allowed(gateway):
    response = await gateway.delete("/v1/complaints")

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert {"GET", "POST"} <= set(response.headers["allow"].replace(" ", "").split(","))
    assert "DELETE" not in response.headers["allow"]


async def test_an_access_log_page_past_the_bound_is_named(gateway):
    response = await gateway.get(
        "/v1/citizens/3171074508900001/access-log?page=6848175248248823349248"
    )

    _named(response, "page", "query")


@pytest.mark.parametrize("value", ["Basic !!!", "Basic bm9jb2xvbg==", "Basic \u00ff"])
async def test_a_malformed_basic_header_at_the_token_endpoint_is_invalid_client(gateway_app, value):
    async with client_of(gateway_app, headers={}) as anonymous:
        response = await anonymous.post(
            "/v1/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": value.encode("latin-1")},
        )

    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"
