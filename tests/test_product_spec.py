"""The OpenAPI document a gateway serves follows its data products without a restart: a
registered product is typed in it (record component, profile part, `include` value, scope,
a records path of its own), and a removed one leaves no trace. The committed document, built
with no product, names none."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from jsonschema import Draft202012Validator

from app.auth.scopes import Scope
from app.cli import render_openapi
from app.openapi_document import references
from tests.conftest import client_of, credentials
from tests.declared_products import Backend, declaration, register, withdraw
from tests.socket_agencies import SocketAgencies

FAMILY_NIK = "3374091203840001"
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["card_number", "facility"],
    "properties": {
        "card_number": {"type": "string", "pattern": "^[0-9]{13}$"},
        "facility": {"$ref": "#/$defs/facility"},
        "previous": {"type": "array", "items": {"$ref": "#"}},
    },
    "$defs": {
        "facility": {
            "type": "object",
            "required": ["code"],
            "properties": {"code": {"type": "string"}},
        }
    },
}
MEMBERSHIP = {"card_number": "0001234567890", "facility": {"code": "0112U001"}, "previous": []}
BACKEND = Backend()
EVERY_SCOPE = frozenset(Scope) | {"health_insurance:read"}


@pytest.fixture(scope="module")
def backend() -> Iterator[SocketAgencies]:
    with SocketAgencies({"bpjs": BACKEND.app}) as started:
        yield started


@pytest.fixture
def product(gateway_app: FastAPI, backend: SocketAgencies) -> FastAPI:
    BACKEND.reset({FAMILY_NIK: MEMBERSHIP})
    services = gateway_app.state.services
    register(
        services.bus.registry,
        services.products,
        declaration(
            "health_insurance",
            {"bpjs_kesehatan": backend.urls["bpjs"]},
            schema=SCHEMA,
            key={"kind": "nik", "example": FAMILY_NIK},
        ),
    )
    register(
        services.bus.registry,
        services.products,
        declaration(
            "land_certificates",
            {"bpn_33": backend.urls["bpjs"]},
            cardinality="many",
            key={"kind": "own", "name": "certificate_number", "pattern": "^[0-9.]{10,30}$"},
            subject="nik",
        ),
    )
    return gateway_app


def _resolves(document: dict[str, Any], reference: str) -> bool:
    node: Any = document
    for step in reference.removeprefix("#/").split("/"):
        if not isinstance(node, dict) or step not in node:
            return False
        node = node[step]
    return True


async def _served(app: FastAPI) -> dict[str, Any]:
    async with client_of(app, {}) as client:
        response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


async def test_a_registered_product_is_typed_in_the_served_document(product):
    document = await _served(product)

    schemas = document["components"]["schemas"]
    assert schemas["HealthInsuranceRecord"]["properties"]["facility"] == {
        "$ref": "#/components/schemas/HealthInsuranceRecordFacility"
    }
    assert schemas["HealthInsuranceRecord"]["properties"]["previous"]["items"] == {
        "$ref": "#/components/schemas/HealthInsuranceRecord"
    }
    unresolved = [ref for ref in references(document) if not _resolves(document, ref)]
    assert unresolved == []
    part = schemas["CitizenProfile"]["properties"]["health_insurance"]
    assert part["anyOf"] == [
        {"$ref": "#/components/schemas/HealthInsuranceRecord"},
        {"type": "null"},
    ]
    assert "land_certificates" not in schemas["CitizenProfile"]["properties"]
    include = next(
        p
        for p in document["paths"]["/v1/citizens/{nik}"]["get"]["parameters"]
        if p["name"] == "include"
    )
    array = next(s for s in include["schema"]["anyOf"] if s.get("type") == "array")
    assert array["items"]["enum"] == ["family", "vehicles", "businesses", "health_insurance"]
    assert array["maxItems"] == 4
    scopes = document["components"]["securitySchemes"]["OAuth2"]["flows"]
    assert "health_insurance:read" in scopes["clientCredentials"]["scopes"]
    assert "land_certificates:read" in scopes["clientCredentials"]["scopes"]


async def test_each_product_has_a_typed_records_path(product):
    document = await _served(product)

    operation = document["paths"]["/v1/data-products/land_certificates/records/{key}"]["get"]
    assert {"OAuth2": ["land_certificates:read"]} in operation["security"]
    key = next(p for p in operation["parameters"] if p["name"] == "key")
    assert key["schema"]["pattern"] == "^[0-9.]{10,30}$"
    assert all(p["name"] != "name" for p in operation["parameters"])
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    records = document["components"]["schemas"][answer.rsplit("/", 1)[1]]["properties"]
    assert records["records"]["items"] == {"$ref": "#/components/schemas/LandCertificatesRecord"}
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


async def test_a_real_answer_fits_the_served_document(product):
    document = await _served(product)
    async with client_of(product, await credentials(product, EVERY_SCOPE)) as client:
        profile = await client.get(f"/v1/citizens/{FAMILY_NIK}?include=health_insurance")
        records = await client.get(f"/v1/data-products/health_insurance/records/{FAMILY_NIK}")

    assert profile.json()["health_insurance"] == MEMBERSHIP
    components = {"components": document["components"]}
    profile_schema = {"$ref": "#/components/schemas/CitizenProfile", **components}
    assert list(Draft202012Validator(profile_schema).iter_errors(profile.json())) == []
    operation = document["paths"]["/v1/data-products/health_insurance/records/{key}"]["get"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert records.status_code == 200, records.text
    assert list(Draft202012Validator({**answer, **components}).iter_errors(records.json())) == []
    wrong = {**profile.json(), "health_insurance": {"card_number": "x"}}
    assert list(Draft202012Validator(profile_schema).iter_errors(wrong)) != []


async def test_the_document_drops_a_removed_product_without_a_restart(product):
    with_products = await _served(product)
    services = product.state.services
    withdraw(services.bus.registry, services.products, "health_insurance")
    withdraw(services.bus.registry, services.products, "land_certificates")

    without = await _served(product)

    assert "HealthInsuranceRecord" in with_products["components"]["schemas"]
    assert without == product.openapi()
    _assert_no_product(without)


def test_the_committed_document_names_no_product():
    _assert_no_product(json.loads(render_openapi()))


def _assert_no_product(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert not [name for name in schemas if name.startswith(("HealthInsurance", "LandCert"))]
    assert "health_insurance" not in schemas["CitizenProfile"]["properties"]
    scopes = document["components"]["securitySchemes"]["OAuth2"]["flows"]["clientCredentials"]
    assert set(scopes["scopes"]) == set(Scope)
    assert not [path for path in document["paths"] if "/v1/data-products/health" in path]
    assert not [path for path in document["paths"] if "/v1/data-products/land" in path]
