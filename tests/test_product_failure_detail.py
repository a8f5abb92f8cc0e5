"""A declared mapping that fails on one citizen's reply tells the client and the logs which of
the declaration's fields failed and how, and never a value of the reply: that text reaches
whoever asked, who may not be allowed to see the record (a portal reading a product not keyed
by NIK), and the access log never records it as released.

Each product below fails differently on the same reply, through the real declared adapter and
the gateway's own routes; the reply holds a marker where the citizen's name would be."""

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from app.auth.scopes import Scope
from app.products import wiring
from app.products.catalog import DataProduct
from app.products.declaration import ProductDeclaration
from app.products.secrets import SecretResolver
from tests.conftest import client_of, credentials
from tests.socket_agencies import SocketAgencies

MARKER = "RAHASIA-MARKER"
CITIZEN = "3374091203840001"
CARD = "0001234567890"
#: What the agency holds for this citizen: a name where a list of names was expected, and a
#: label keyed by a value, as some agencies key their lists.
REPLY = {"nomor": CARD, "nik": CITIZEN, "nama": MARKER, "label": {MARKER: 1}}
FIELDS = {"number": {"type": "string"}, "name": {"type": "string"}}
#: Each product's fetch.response (or its other changes), and what its source's detail says.
FAILURES: dict[str, tuple[dict[str, Any], str]] = {
    "records_fail": (
        {"response": {"records": "{number: nomor, name: join(' ', nama)}"}},
        "`fetch.response.records` failed on the reply: "
        "invalid type for function join: expected array-string, got string",
    ),
    "error_rule_fails": (
        {
            "response": {
                "errors": [{"when": "abs(nama) > `0`", "outcome": "error"}],
                "records": "{number: nomor, name: nama}",
            }
        },
        "`fetch.response.errors[0].when` failed on the reply: "
        "invalid type for function abs: expected number, got string",
    ),
    "error_message_fails": (
        {
            "response": {
                "errors": [{"when": "nomor != null", "outcome": "error", "message": "sum(nama)"}],
                "records": "{number: nomor, name: nama}",
            }
        },
        "agency signalled `error`",
    ),
    "not_found_fails": (
        {
            "response": {
                "not_found": {"when": "starts_with(label, 'X')"},
                "records": "{number: nomor, name: nama}",
            }
        },
        "`fetch.response.not_found.when` failed on the reply: "
        "invalid type for function starts_with: expected string, got object",
    ),
    "ordering_fails": (
        {"response": {"records": "{number: nomor, name: nama, old: nama > `3`}"}},
        "`fetch.response.records` failed on the reply: cannot order string and number",
    ),
    "records_cut_off": (
        {"response": {"records": "nama" + " | {a:@,b:@}" * 40}},
        "`fetch.response.records`: mapping gave over 10000 values",
    ),
    "label_not_a_string": (
        {
            "response": {"records": "{number: nomor, labels: label}"},
            "schema": {
                "type": "object",
                "properties": {
                    "number": {"type": "string"},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            },
        },
        "the record does not fit the product's schema: labels.*: is not of type string",
    ),
    "undeclared_property": (
        {
            "response": {"records": "merge(label, {number: nomor})"},
            "schema": {
                "type": "object",
                "properties": {"number": {"type": "string"}},
                "additionalProperties": False,
            },
        },
        "the record does not fit the product's schema: "
        "(the record): has a property the schema does not allow",
    ),
}
#: A card read by its own number, whose record names its holder by a failing `subject`.
BY_CARD = "cards_subject_fails"
BY_CARD_DETAIL = (
    "record 0: `subject` failed on the reply: "
    "invalid type for function abs: expected number, got string"
)


def backend() -> FastAPI:
    app = FastAPI()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "up"}

    @app.get("/peserta/{key}")
    async def member(key: str) -> JSONResponse:
        if key in (CITIZEN, CARD):
            return JSONResponse(REPLY)
        return JSONResponse({"error": "tidak ada"}, status_code=404)

    return app


@pytest.fixture(scope="module")
def agency() -> Iterator[SocketAgencies]:
    with SocketAgencies({"bpjs": backend}) as started:
        yield started


def _product(name: str, url: str, changes: dict[str, Any]) -> DataProduct:
    response = {"not_found": {"status": [404]}, **changes.get("response", {})}
    declaration = {
        "name": name,
        "title": name.replace("_", " ").capitalize(),
        "key": changes.get("key", {"kind": "nik"}),
        "cardinality": "one",
        "schema": changes.get("schema", {"type": "object", "properties": FIELDS}),
        "subject": changes.get("subject"),
        "scope": f"{name}:read",
        "classification": "general",
        "processing_basis": "public_task",
        "legal_basis": ["UU 24/2011"],
        "fetch": {
            "request": {"path": "/peserta/{key}"},
            "response": response,
            "health": {"path": "/health"},
        },
        "sources": [
            {
                "agency": {"code": f"agency_{name}", "name": f"Agency {name}", "level": "central"},
                "base_url": url,
                "fixtures": {"found": CITIZEN, "missing": "3471073006980001"},
            }
        ],
    }
    return DataProduct(
        ProductDeclaration.model_validate(declaration), 1, dt.datetime.now(dt.UTC), "test"
    )


@pytest.fixture
def app(gateway_app: FastAPI, agency: SocketAgencies) -> FastAPI:
    services = gateway_app.state.services
    put = [_product(name, agency.urls["bpjs"], changes) for name, (changes, _) in FAILURES.items()]
    put.append(
        _product(
            BY_CARD,
            agency.urls["bpjs"],
            {
                "key": {"kind": "own", "name": "card_number", "pattern": "^[0-9]{13}$"},
                "subject": "abs(name)",
                "response": {"records": "{number: nomor, name: nama}"},
            },
        )
    )
    for product in put:
        wiring.apply(product, services.bus.registry, services.products, SecretResolver({}))
    return gateway_app


def _leaks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The captured log lines, tracebacks and extra fields that hold the marker."""
    leaks = [line for line in caplog.text.splitlines() if MARKER in line]
    leaks += [repr(vars(record)) for record in caplog.records if MARKER in repr(vars(record))]
    return leaks


async def test_the_profile_names_each_failing_field_and_quotes_no_value(app, caplog):
    caplog.set_level(logging.DEBUG)
    scopes = frozenset(Scope) | {f"{name}:read" for name in FAILURES}
    async with client_of(app, await credentials(app, scopes)) as client:
        response = await client.get(
            f"/v1/citizens/{CITIZEN}", params=[("include", name) for name in FAILURES]
        )

    assert response.status_code == 200, response.text
    sources = response.json()["sources"]
    assert {
        name: (sources[f"agency_{name}"]["status"], sources[f"agency_{name}"]["detail"])
        for name in FAILURES
    } == {name: ("error", detail) for name, (_, detail) in FAILURES.items()}
    assert MARKER not in response.text
    assert _leaks(caplog) == []


@pytest.mark.parametrize("name", [*FAILURES, BY_CARD])
async def test_a_records_read_names_the_failing_field_and_quotes_no_value(app, caplog, name):
    caplog.set_level(logging.DEBUG)
    key = CARD if name == BY_CARD else CITIZEN
    async with client_of(app, await credentials(app, [f"{name}:read"])) as client:
        response = await client.get(f"/v1/data-products/{name}/records/{key}")

    assert response.status_code == 502, response.text
    detail = BY_CARD_DETAIL if name == BY_CARD else FAILURES[name][1]
    assert response.json()["sources"][f"agency_{name}"]["detail"] == detail
    assert MARKER not in response.text
    assert _leaks(caplog) == []
