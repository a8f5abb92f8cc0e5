"""Every endpoint x (no token, expired token, wrong scope, another citizen's NIK): the right
status, a problem body, and none of the citizen's data in it."""

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from app.auth.scopes import ClientKind, Scope
from app.auth.tokens import TokenClaims, TokenIssuer
from app.db.models import AccessRecord
from app.schemas.surveys import SurveyAnswers
from tests.conftest import client_of, credentials
from tests.service_request_helpers import submit

PROBLEM = "application/problem+json"
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/v1/services"),
    ("GET", "/v1/services/{code}"),
    ("GET", "/v1/reference/kbli"),
    ("GET", "/v1/reference/working-calendar/{year}"),
    ("POST", "/v1/oauth/token"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/.well-known/oauth-authorization-server"),
}
ANY_CREDENTIAL = {("GET", "/v1/me"), ("GET", "/v1/data-products")}
"""Open to every authenticated client: about itself only (`tests/test_me.py`), or the data
products' public contracts (`tests/test_data_products_api.py`)."""
MANDATES = {
    ("POST", "/v1/mandates"),
    ("GET", "/v1/mandates"),
    ("GET", "/v1/mandates/{mandate_id}"),
    ("DELETE", "/v1/mandates/{mandate_id}"),
}
"""The citizen's own, signed in themself, or an oversight body's with `audit:read`:
`tests/test_mandates.py` runs these cases."""
PRODUCT_SCOPED = {("GET", "/v1/data-products/{name}/records/{key}")}
"""Opened by the scope of the product named in the path, which exists only at run time:
`tests/test_product_records.py` runs these cases against a registered product."""


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str
    scope: Scope | None
    """None: no scope opens it; the citizen themself, or `audit:read`, may."""
    other_citizen: int | None = 404
    """What a client acting for another citizen gets; None where no citizen is involved."""
    body: str | None = None


ENDPOINTS = [
    Endpoint("GET", "/v1/citizens/{nik}", Scope.IDENTITY_READ),
    Endpoint("GET", "/v1/citizens/{nik}/vehicles", Scope.VEHICLES_READ),
    Endpoint("GET", "/v1/citizens/{nik}/businesses", Scope.BUSINESSES_READ),
    Endpoint("GET", "/v1/citizens/{nik}/access-log", None),
    Endpoint("GET", "/v1/vehicles/{plate_number}", Scope.VEHICLES_READ),
    Endpoint("GET", "/v1/service-requests", Scope.REQUESTS_READ),
    Endpoint("POST", "/v1/service-requests", Scope.REQUESTS_WRITE, body="submit"),
    Endpoint("GET", "/v1/service-requests/{request_id}", Scope.REQUESTS_READ),
    Endpoint("POST", "/v1/service-requests/{request_id}/cancel", Scope.REQUESTS_WRITE),
    Endpoint("POST", "/v1/service-requests/{request_id}/payment", Scope.REQUESTS_WRITE, body="pay"),
    Endpoint(
        "POST", "/v1/service-requests/{request_id}/survey", Scope.REQUESTS_WRITE, body="survey"
    ),
    Endpoint("POST", "/v1/complaints", Scope.COMPLAINTS_WRITE, body="complaint"),
    Endpoint("GET", "/v1/complaints", Scope.COMPLAINTS_READ),
    Endpoint("GET", "/v1/complaints/{complaint_id}", Scope.COMPLAINTS_READ),
    Endpoint("GET", "/v1/reports/performance", Scope.REPORTS_READ, None),
    Endpoint("GET", "/v1/reports/satisfaction", Scope.REPORTS_READ, None),
    Endpoint("GET", "/v1/agencies", Scope.AGENCIES_ADMIN, None),
    Endpoint("POST", "/v1/agencies", Scope.AGENCIES_ADMIN, None, body="registration"),
    Endpoint("GET", "/v1/agencies/{code}", Scope.AGENCIES_ADMIN, None),
    Endpoint("DELETE", "/v1/agencies/{code}", Scope.AGENCIES_ADMIN, None),
    Endpoint("PUT", "/v1/agencies/{code}", Scope.AGENCIES_ADMIN, None, body="endpoint"),
    Endpoint("PATCH", "/v1/agencies/{code}", Scope.AGENCIES_ADMIN, None, body="patch"),
    Endpoint("PUT", "/v1/data-products/{name}", Scope.AGENCIES_ADMIN, None, body="declaration"),
    Endpoint("GET", "/v1/data-products/{name}", Scope.AGENCIES_ADMIN, None),
    Endpoint("DELETE", "/v1/data-products/{name}", Scope.AGENCIES_ADMIN, None),
    Endpoint("GET", "/v1/data-products/{name}/versions", Scope.AGENCIES_ADMIN, None),
    Endpoint(
        "POST", "/v1/data-products/{name}/rollback", Scope.AGENCIES_ADMIN, None, body="rollback"
    ),
]
CASES = ["no token", "expired token", "wrong scope", "other citizen"]


def test_every_endpoint_is_in_the_matrix_or_public(gateway_app):
    served = {
        (method.upper(), path)
        for path, operations in gateway_app.openapi()["paths"].items()
        for method in operations
    }
    matrix = {(e.method, e.template) for e in ENDPOINTS}
    assert served == PUBLIC | ANY_CREDENTIAL | PRODUCT_SCOPED | MANDATES | matrix


@pytest.fixture
async def target(gateway, personas) -> dict[str, Any]:
    """The citizen whose data the refused callers must not see, with a request of theirs."""
    victim = personas["family"]
    created = await submit(
        gateway, "vehicle-tax-renewal", victim.nik, plate_number=victim.plates[0]
    )
    complaint = await gateway.post("/v1/complaints", json=_complaint(victim.nik))
    assert complaint.status_code == 201, complaint.text
    return {
        "complaint_id": complaint.json()["id"],
        "nik": victim.nik,
        "name": victim.name,
        "plate_number": victim.plates[0],
        "request_id": created["id"],
        "code": "vehicle_tax",
        "product": "health_insurance",
    }


def _complaint(nik: str) -> dict[str, Any]:
    return {
        "nik": nik,
        "service": "vehicle-tax-renewal",
        "subject": "Renewal still not finished",
        "description": "I paid my vehicle tax last week and the renewal is still pending.",
    }


def _request(endpoint: Endpoint, target: dict[str, Any]) -> dict[str, Any]:
    path = endpoint.template.format(**{**target, "name": target["product"]})
    bodies: dict[str, Any] = {
        "submit": {
            "service": "vehicle-tax-renewal",
            "nik": target["nik"],
            "data": {"plate_number": target["plate_number"]},
        },
        "pay": {"payment_code": "0000000000000000", "amount": 1},
        "endpoint": {"base_url": "http://vehicle-tax.test"},
        "patch": {"timeout_ms": 900},
        "registration": {
            "code": "bapenda_51",
            "kind": "vehicle_tax",
            "name": "Bapenda Provinsi Bali (SAMSAT)",
            "jurisdiction": ["51"],
            "base_url": "http://vehicle-tax.test",
        },
        "survey": dict.fromkeys(SurveyAnswers.model_fields, 4),
        "complaint": _complaint(target["nik"]),
        "declaration": {"name": "health_insurance"},
        "rollback": {"version": 1},
    }
    listed = endpoint.template in ("/v1/service-requests", "/v1/complaints")
    params = {"nik": target["nik"]} if listed else None
    json = bodies[endpoint.body] if endpoint.body else None
    return {"method": endpoint.method, "url": path, "params": params, "json": json}


async def _headers(app: Any, endpoint: Endpoint, case: str, personas: Any) -> dict[str, str]:
    if case == "no token":
        return {}
    if case == "expired token":
        issuer = app.state.token_issuer
        expired = TokenIssuer(issuer.keys, issuer.issuer, -60)
        claims = TokenClaims("someone", ClientKind.OFFICER, frozenset(Scope), None)
        return {"Authorization": f"Bearer {expired.issue(claims)}", "X-Purpose": "test"}
    if case == "wrong scope":
        lacking = {Scope.AUDIT_READ} if endpoint.scope is None else {endpoint.scope}
        return await credentials(app, frozenset(Scope) - lacking)
    return await credentials(app, frozenset(Scope), subject_nik=personas["woman"].nik)


EXPECTED = {
    "no token": ("unauthenticated", 401),
    "expired token": ("unauthenticated", 401),
    "wrong scope": ("insufficient-scope", 403),
}


async def _recorded(app: Any, response: Any) -> list[tuple[str | None, str, int]]:
    """The access records of one answer: subject, outcome and the status that was sent."""
    query = select(AccessRecord.subject_nik, AccessRecord.outcome, AccessRecord.http_status)
    async with app.state.engine.connect() as conn:
        rows = await conn.execute(
            query.where(AccessRecord.request_id == response.headers["x-request-id"])
        )
        return [tuple(row) for row in rows]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.template}")
async def test_refused_callers_get_a_problem_and_no_data(
    gateway_app, agencies, personas, target, endpoint, case
):
    if case == "other citizen" and endpoint.other_citizen is None:
        pytest.skip("no citizen is involved")
    headers = await _headers(gateway_app, endpoint, case, personas)
    async with client_of(gateway_app, headers) as client:
        response = await client.request(**_request(endpoint, target))

    slug, status = EXPECTED.get(case, ("", endpoint.other_citizen))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith(slug)
    assert target["name"] not in response.text
    assert target["nik"] not in response.text.replace(response.json()["instance"], "")
    if case in EXPECTED:
        request_id = response.headers["x-request-id"]
        made = [r for r in agencies.requests if r.headers.get("x-request-id") == request_id]
        assert made == [], "a refused caller made the gateway call an agency"
    if case == "other citizen":
        assert await _recorded(gateway_app, response) == [(target["nik"], "refused", status)], (
            "the attempt is missing from the citizen's access log"
        )
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
    if case == "expired token":
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
        assert "expired" in response.json()["detail"]


async def test_a_citizen_portal_reaches_its_own_data(gateway_app, personas, target):
    own = await credentials(gateway_app, frozenset(Scope), subject_nik=target["nik"])
    async with client_of(gateway_app, own) as portal:
        for endpoint in ENDPOINTS:
            if endpoint.other_citizen is None or endpoint.method != "GET":
                continue
            response = await portal.request(**_request(endpoint, target))
            assert response.status_code == 200, (endpoint.template, response.text)


async def test_an_officer_must_state_a_purpose(gateway_app, personas):
    headers = await credentials(gateway_app, purpose=None)
    async with client_of(gateway_app, headers) as officer:
        response = await officer.get(f"/v1/citizens/{personas['family'].nik}")

    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/purpose-required")
    assert problem["errors"][0]["field"] == "X-Purpose"
    assert problem["errors"][0]["location"] == "header"


async def test_a_vehicle_tax_officer_gets_name_and_address_but_not_religion_or_family(
    gateway_app, agencies, personas
):
    scopes = {Scope.IDENTITY_READ, Scope.VEHICLES_READ}
    headers = await credentials(gateway_app, scopes, name="samsat counter")
    async with client_of(gateway_app, headers) as officer:
        response = await officer.get(f"/v1/citizens/{personas['family'].nik}")
        asked_for_family = await officer.get(
            f"/v1/citizens/{personas['family'].nik}", params={"include": "family"}
        )

    assert response.status_code == 200
    body = response.json()
    assert body["identity"]["full_name"] == personas["family"].name
    assert body["identity"]["address"]["street"]
    assert body["identity"]["religion"] is None
    assert body["identity"]["date_of_birth"] is None
    assert body["family"] is None
    assert body["businesses"] is None
    assert body["vehicles"]
    assert {"family", "businesses", "identity.religion"} <= set(body["withheld"])
    assert set(body["sources"]) == {"civil_registry", "vehicle_tax"}
    assert agencies.called("investment_licensing") == 0
    assert asked_for_family.status_code == 403
    assert asked_for_family.json()["required_scopes"] == ["identity:read", "family:read"]


async def test_a_full_scope_officer_gets_everything_and_nothing_is_withheld(gateway, personas):
    body = (await gateway.get(f"/v1/citizens/{personas['family'].nik}")).json()

    assert body["withheld"] == []
    assert body["identity"]["religion"]
    assert body["family"]["members"]


async def test_security_headers_and_cors_for_a_browser_frontend(gateway):
    response = await gateway.get("/v1/services")
    preflight = await gateway.options(
        "/v1/citizens/3174101704820001",
        headers={
            "Origin": "https://portal.example.go.id",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization,x-purpose",
        },
    )

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert preflight.status_code == 200
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed
    assert "x-purpose" in allowed


async def test_a_body_over_the_limit_is_refused_with_413(database_url, agencies):
    from app.main import create_app
    from tests.conftest import gateway_settings

    app = create_app(gateway_settings(database_url, max_body_bytes=1024), agencies.http)
    async with app.router.lifespan_context(app), client_of(app) as client:
        declared = await client.post(
            "/v1/service-requests",
            content=b'{"service": "' + b"x" * 2000 + b'"}',
            headers={"Content-Type": "application/json"},
        )

        async def chunks() -> Any:
            for _ in range(4):
                yield b" " * 400

        streamed = await client.post(
            "/v1/service-requests",
            content=chunks(),
            headers={"Content-Type": "application/json"},
        )

    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["type"].endswith("/payload-too-large")


async def test_unknown_fields_on_a_write_are_refused_by_name(gateway, personas):
    response = await gateway.post(
        "/v1/service-requests",
        json={
            "service": "vehicle-tax-renewal",
            "nik": personas["family"].nik,
            "data": {"plate_number": personas["family"].plates[0]},
            "priority": "high",
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "priority"
