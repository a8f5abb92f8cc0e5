"""The OpenAPI document refuses what the server refuses: every identifier's pattern checked
against the server's own validator (sampled and generated values, through the document's JSON
Schema and a live request), `include` as an array of the profile parts, and the service
requests discriminated by `service` with each service's own input and product."""

import datetime as dt
import string
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from lokal.provinces import PROVINCES
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import select

from app.adapters.base import PermitDecision, Registration, RegistrationStatus
from app.db.models import ServiceRequestRecord
from app.schemas.business import PermitType, RiskLevel
from app.schemas.identifiers import (
    NIK_PATTERN,
    PLATE_PATTERN,
    TNKB_REGION_CODES,
    PlateNumber,
    check_nik,
)
from app.workflows import steps
from app.workflows.definitions import SERVICES
from simulators.world import default_world
from tests.service_request_helpers import submit, wait_for

WORLD = default_world()
plate = TypeAdapter(PlateNumber)


def _server_takes_nik(value: str) -> bool:
    try:
        check_nik(value)
    except ValueError:
        return False
    return True


def _server_takes_plate(value: str) -> bool:
    try:
        plate.validate_python(value)
    except ValidationError:
        return False
    return True


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A JSON Schema validator for a schema of the document, its `$ref`s resolved in it."""
    return Draft202012Validator({**schema, "components": document["components"]})


def _parameter(document: dict[str, Any], path: str, name: str, method: str = "get") -> Any:
    parameters = document["paths"][path][method]["parameters"]
    return next(p["schema"] for p in parameters if p["name"] == name)


def _component(document: dict[str, Any], name: str) -> Draft202012Validator:
    return _validator(document, {"$ref": f"#/components/schemas/{name}"})


def _problem_fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    return [error["field"] for error in response.json()["errors"]]


# --- NIK ---------------------------------------------------------------------------------

_two_digits = st.integers(0, 99).map(lambda n: f"{n:02d}")
_nik_like = st.builds(
    lambda *parts: "".join(parts),
    st.one_of(st.sampled_from(sorted(PROVINCES)), _two_digits),
    _two_digits,
    _two_digits,
    st.integers(0, 79).map(lambda n: f"{n:02d}"),
    st.integers(0, 13).map(lambda n: f"{n:02d}"),
    _two_digits,
    st.one_of(st.just("0000"), st.integers(0, 9999).map(lambda n: f"{n:04d}")),
)


@settings(max_examples=600, deadline=None)
@given(_nik_like)
def test_the_nik_pattern_never_refuses_a_nik_the_server_accepts(value):
    pattern = Draft202012Validator({"type": "string", "pattern": NIK_PATTERN})
    if _server_takes_nik(value):
        assert pattern.is_valid(value)


def test_every_demo_citizens_nik_matches_the_pattern():
    pattern = Draft202012Validator({"type": "string", "pattern": NIK_PATTERN})
    assert [nik for nik in WORLD.citizens if not pattern.is_valid(nik)] == []


@pytest.mark.parametrize(
    "value",
    [
        "9971074508900001",  # no province 99
        "3100074508900001",  # regency 00
        "3171004508900001",  # district 00
        "3171074008900001",  # day 40: neither a man's day nor a woman's (41-71)
        "3171070013900001",  # month 13
        "3171074508900000",  # serial 0000
        "317107450890001",  # 15 digits
        "317107450890000\u0661",  # an Arabic-Indic digit one
    ],
)
async def test_a_nik_the_pattern_refuses_the_server_refuses_naming_it(
    gateway, gateway_app, agencies, value
):
    document = gateway_app.openapi()
    for path in ("/v1/citizens/{nik}", "/v1/service-requests", "/v1/complaints"):
        assert not _validator(document, _parameter(document, path, "nik")).is_valid(value)
    assert not _server_takes_nik(value)

    by_path = await gateway.get(f"/v1/citizens/{value}")
    listed = await gateway.get("/v1/service-requests", params={"nik": value})
    complaints = await gateway.get("/v1/complaints", params={"nik": value})

    assert _problem_fields(by_path) == ["nik"]
    assert _problem_fields(listed) == ["nik"]
    assert _problem_fields(complaints) == ["nik"]
    assert agencies.total_calls() == 0


async def test_a_nik_the_pattern_accepts_is_looked_up(gateway, gateway_app, personas):
    document = gateway_app.openapi()
    nik = personas["family"].nik
    for path in ("/v1/citizens/{nik}", "/v1/citizens/{nik}/vehicles"):
        assert _validator(document, _parameter(document, path, "nik")).is_valid(nik)

    assert (await gateway.get(f"/v1/citizens/{nik}")).status_code == 200
    assert (await gateway.get("/v1/service-requests", params={"nik": nik})).status_code == 200
    # A NIK issued before the 2022 Papua split: the server takes it, so the pattern does.
    assert _validator(document, _parameter(document, "/v1/citizens/{nik}", "nik")).is_valid(
        "9471030101900001"
    )
    assert _server_takes_nik("9471030101900001")


# --- Plate numbers -----------------------------------------------------------------------

_plate_like = st.text(alphabet="ABDKPQZabkpx0123459 \t.", max_size=14)


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(
        _plate_like,
        st.builds(
            lambda region, spaces, number, suffix: f"{region}{spaces}{number}{spaces}{suffix}",
            st.sampled_from(sorted(TNKB_REGION_CODES)).map(
                lambda code: code.lower() if len(code) == 1 else code.capitalize()
            ),
            st.sampled_from(["", " ", "   "]),
            st.integers(0, 99999).map(str),
            st.text(alphabet=string.ascii_letters, max_size=4),
        ),
    )
)
def test_the_plate_pattern_is_exactly_what_the_server_accepts(value):
    pattern = Draft202012Validator({"type": "string", "pattern": PLATE_PATTERN, "maxLength": 24})
    assert pattern.is_valid(value) == _server_takes_plate(value), value


def test_every_demo_vehicles_plate_matches_the_pattern():
    pattern = Draft202012Validator({"type": "string", "pattern": PLATE_PATTERN})
    assert [p for p in WORLD.vehicles if not pattern.is_valid(p)] == []


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("b1234xyz", True),
        ("  B  1234  XYZ ", True),
        ("B 1234 XYZ" + " " * 20, False),  # past the 24 characters either side states
        ("B\t1234", False),  # spaces only, as the pattern says
        ("\u017f 1234", False),  # long s: upper-cases to S, but is not an ASCII letter
        ("QQ 1234", False),
        ("B 0123", False),
    ],
)
async def test_a_plate_is_refused_by_the_document_exactly_when_the_server_refuses_it(
    gateway, gateway_app, value, valid
):
    document = gateway_app.openapi()
    schema = _parameter(document, "/v1/vehicles/{plate_number}", "plate_number")
    body = _component(document, "RenewalInput")

    response = await gateway.get(f"/v1/vehicles/{quote(value, safe='')}")

    assert _validator(document, schema).is_valid(value) is valid
    assert body.is_valid({"plate_number": value}) is valid
    if valid:
        assert response.status_code != 422, response.text
    else:
        assert _problem_fields(response) == ["plate_number"]


# --- Codes in service request bodies -----------------------------------------------------


def _registration(kbli: str, village_code: str) -> dict[str, Any]:
    return {
        "service": "business-registration",
        "nik": "3171074508900001",
        "data": {
            "business_name": "Warung Kopi",
            "kbli": [kbli],
            "address": {"street": "Jl. Malioboro No. 5", "village_code": village_code},
        },
    }


@pytest.mark.parametrize(
    ("kbli", "village_code", "field"),
    [
        # Arabic-Indic digits: the server's regex engine calls them digits, JSON Schema not.
        ("\u0665\u0666\u0661\u0660\u0662", "34.71.07.1001", "data.kbli.0"),
        ("5610", "34.71.07.1001", "data.kbli.0"),
        ("56102", "34.71.07.1001x", "data.address.village_code"),
        ("56102", "\u0663\u0664.71.07.1001", "data.address.village_code"),
    ],
)
async def test_a_code_the_document_refuses_the_server_refuses(
    gateway, gateway_app, agencies, kbli, village_code, field
):
    body = _registration(kbli, village_code)

    response = await gateway.post("/v1/service-requests", json=body)

    assert not _component(gateway_app.openapi(), "ServiceRequestCreate").is_valid(body)
    assert field in _problem_fields(response)
    assert agencies.total_calls() == 0


def test_every_demo_business_code_matches_the_document(gateway_app):
    submission = _component(gateway_app.openapi(), "ServiceRequestCreate")
    for business in list(WORLD.businesses.values())[:200]:
        code = business.address.village.village_code
        dotted = f"{code[0:2]}.{code[2:4]}.{code[4:6]}.{code[6:]}"
        body = _registration(business.activities[0].kbli.code, dotted)
        assert submission.is_valid(body), body


async def test_a_payment_past_the_documented_maximum_is_refused(gateway, gateway_app):
    document = gateway_app.openapi()
    amount = document["components"]["schemas"]["PaymentConfirmation"]["properties"]["amount"]
    body = {"payment_code": "1" * 16, "amount": amount["maximum"] + 1}

    response = await gateway.post(
        "/v1/service-requests/00000000-0000-0000-0000-000000000000/payment", json=body
    )

    assert _problem_fields(response) == ["amount"]


# --- include -----------------------------------------------------------------------------


def test_include_is_documented_as_an_array_of_the_profile_parts(gateway_app):
    document = gateway_app.openapi()
    include = _parameter(document, "/v1/citizens/{nik}", "include")
    array = next(s for s in include["anyOf"] if s.get("type") == "array")

    assert array["items"]["enum"] == ["family", "vehicles", "businesses"]
    assert not _validator(document, include).is_valid(["vehicles", "pets"])
    assert not _validator(document, include).is_valid(["family"] * (array["maxItems"] + 1))


@pytest.mark.parametrize(
    "query",
    ["include=vehicles&include=family", "include=vehicles,family", "include=vehicles, family"],
)
async def test_include_is_taken_repeated_or_comma_separated(gateway, personas, query):
    response = await gateway.get(f"/v1/citizens/{personas['family'].nik}?{query}")

    body = response.json()
    assert response.status_code == 200, response.text
    assert body["vehicles"] is not None
    assert body["family"] is not None
    assert body["businesses"] is None


@pytest.mark.parametrize(
    "query",
    ["include=vehicles&include=pets", "include=family&" * 3 + "include=family"],
)
async def test_a_bad_include_is_a_problem_naming_include(gateway, agencies, personas, query):
    response = await gateway.get(f"/v1/citizens/{personas['family'].nik}?{query}")

    assert _problem_fields(response) == ["include"]
    assert agencies.total_calls() == 0


# --- Service requests discriminated by service -------------------------------------------


def test_each_service_definition_has_its_typed_variant_in_the_document(gateway_app):
    schemas = gateway_app.openapi()["components"]["schemas"]
    for name in ("ServiceRequestCreate", "ServiceRequest"):
        assert schemas[name]["discriminator"]["propertyName"] == "service"
        mapping = schemas[name]["discriminator"]["mapping"]
        assert set(mapping) == {code.value for code in SERVICES}
        for code, definition in SERVICES.items():
            variant = schemas[mapping[code.value].rsplit("/", 1)[1]]
            assert variant["properties"]["service"]["const"] == code.value
            data_ref = variant["properties"]["data"]["$ref"]
            assert data_ref.endswith(f"/{definition.input_model.__name__}")
            if name == "ServiceRequest":
                product = variant["properties"]["product"]["anyOf"][0]["$ref"]
                assert product.endswith(f"/{definition.product_model.__name__}")
    assert schemas["RenewalInput"]["required"] == ["plate_number"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"nik": "3174101704820001", "data": {"plate_number": "B 1 A"}}, "service"),
        ({"service": 7, "nik": "3174101704820001", "data": {}}, "service"),
        (
            {"service": "vehicle-tax-renewal", "nik": "3174101704820001", "data": {"plate": "B"}},
            "data.plate_number",
        ),
        (
            {"service": "address-change", "nik": "3174101704820001", "data": {"plate_number": 1}},
            "data.street",
        ),
        (
            {"service": "vehicle-tax-renewal", "nik": "3174101704820001", "data": "B 1 A"},
            "data",
        ),
    ],
)
async def test_a_submission_error_names_the_field_the_caller_wrote(
    gateway, gateway_app, agencies, body, field
):
    response = await gateway.post("/v1/service-requests", json=body)

    fields = _problem_fields(response)
    assert field in fields
    assert not any(f.startswith(tuple(c.value for c in SERVICES)) for f in fields)
    assert not _component(gateway_app.openapi(), "ServiceRequestCreate").is_valid(body)
    assert agencies.total_calls() == 0


def _same_keys(model: BaseModel, raw: dict[str, Any]) -> None:
    """The stored product has exactly the model's fields, at every level."""
    shown = model.model_dump(mode="json")

    def compare(a: Any, b: Any, where: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            assert set(a) == set(b), where
            for key in a:
                compare(a[key], b[key], f"{where}.{key}")

    compare(shown, raw, "product")


async def test_each_product_is_exactly_its_model(gateway, gateway_app, personas):
    """What the product functions return, read back from the database, against the
    service's product model and the document's schema of the reply."""
    nik = personas["family"].nik
    registration = await submit(
        gateway,
        "business-registration",
        personas["nothing"].nik,
        business_name="Warung Kopi Senja",
        kbli=["56102"],
        address={"street": "Jl. Malioboro No. 5", "village_code": "34.71.07.1001"},
    )
    move = await submit(
        gateway,
        "address-change",
        nik,
        street="Jl. Pandanaran No. 10",
        rt="002",
        rw="004",
        village_code="33.74.09.1001",
    )
    reply_schema = _component(gateway_app.openapi(), "ServiceRequest")
    for created in (registration, move):
        done = await wait_for(gateway, created["id"], {"completed"})
        reply_schema.validate(done)
        async with gateway_app.state.requests.sessions() as session:
            stored = await session.scalar(
                select(ServiceRequestRecord.product).where(ServiceRequestRecord.id == done["id"])
            )
        model = SERVICES[next(c for c in SERVICES if c.value == done["service"])].product_model
        _same_keys(model.model_validate(stored), stored)


@pytest.mark.parametrize(
    "decision",
    [
        PermitDecision.NOT_REQUIRED,
        PermitDecision.ISSUED,
        PermitDecision.PENDING,
        PermitDecision.REFUSED,
        PermitDecision.DEEMED_APPROVED,
    ],
)
def test_a_registration_product_is_its_model_whatever_the_permit(decision):
    registration = Registration(
        application_id="OSS-1",
        status=RegistrationStatus.ISSUED,
        risk_level=RiskLevel.HIGH,
        nib="9120001234567",
        rejection_reason="berkas tidak lengkap" if decision is PermitDecision.REFUSED else None,
        permit_kind=PermitType.LICENCE,
        permit_status=decision,
        permit_number="91200012345670001",
        permit_decided_at=dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC),
        permit_deadline=dt.date(2026, 12, 4),
    )
    definition = next(d for d in SERVICES.values() if d.code.value == "business-registration")
    product = definition.product({"await_decision": steps._registered(registration)})

    _same_keys(definition.product_model.model_validate(product), product)


async def test_a_relocated_error_keeps_the_validators_own_message(gateway):
    data = {"plate_number": "{plate} 1"}
    body = {"service": "vehicle-tax-renewal", "nik": "3174101704820001", "data": data}

    response = await gateway.post("/v1/service-requests", json=body)

    [error] = response.json()["errors"]
    assert error["field"] == "data.plate_number"
    assert error["message"] == (
        "plate number '{plate} 1' must be letters, digits and spaces only, e.g. B 1234 XYZ"
    )


async def test_businesses_read_back_match_the_documented_nib_and_kbli(gateway, gateway_app):
    document = gateway_app.openapi()
    operation = document["paths"]["/v1/citizens/{nik}/businesses"]["get"]
    reply = _validator(
        document, operation["responses"]["200"]["content"]["application/json"]["schema"]
    )
    owner = next(b.owner_nik for b in WORLD.businesses.values() if b.activities)

    response = await gateway.get(f"/v1/citizens/{owner}/businesses")

    assert response.json()["items"]
    reply.validate(response.json())
