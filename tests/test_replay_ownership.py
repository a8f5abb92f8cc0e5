"""Every write that takes an `Idempotency-Key` x every way to reuse someone's key: nobody but
the first caller gets the first answer, each gets what the API documents for them, and the
first caller's own retry still gets its answer.

The writes come from the app's routes: a new one with an `Idempotency-Key` fails
`test_every_replayable_write_is_in_the_matrix` until it has a case here."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.auth.clients import Client
from app.auth.scopes import ClientKind, Scope
from app.auth.tokens import TokenClaims
from app.db.models import IdempotencyRecord
from simulators.world import default_world
from tests.conftest import client_of
from tests.service_request_helpers import wait_for

WRITE_METHODS = {"post", "put", "patch", "delete"}
KEY = "retry-7f3a"
NOT_REPLAYABLE = {
    ("POST", "/v1/oauth/token"): "issues a new token each time; nothing to repeat",
    ("POST", "/v1/service-requests/{request_id}/survey"): "once per request; a second is 409",
    ("PUT", "/v1/agencies/{code}"): "idempotent by its method",
    ("PATCH", "/v1/agencies/{code}"): "sets fields to values: idempotent by itself",
    ("POST", "/v1/agencies"): "the code names the instance: a second registration is 409",
    ("DELETE", "/v1/agencies/{code}"): "idempotent by its method (then 404)",
    ("PUT", "/v1/data-products/{name}"): "idempotent by its method: the same declaration "
    "again stores no version",
    ("POST", "/v1/data-products/{name}/rollback"): "restores the same declaration again: one "
    "more version equal to the last, the same state",
    ("DELETE", "/v1/data-products/{name}"): "idempotent by its method (then 404)",
    ("POST", "/v1/mandates"): "the same grant while in force answers the mandate given",
    ("DELETE", "/v1/mandates/{mandate_id}"): "withdrawing twice changes nothing the second time",
}
"""Writes without a key, each with the reason it needs none: a new write must be put here or
in the matrix, so nobody adds one without deciding."""


@dataclass(frozen=True)
class Call:
    path: str
    body: Any = None


@dataclass
class Scene:
    """One portal client signed in for two citizens, a second portal for the first citizen,
    and an officer who prepares what the citizens act on."""

    officer: httpx.AsyncClient
    a: httpx.AsyncClient
    b: httpx.AsyncClient
    other_portal_a: httpx.AsyncClient
    nik_a: str
    nik_b: str
    plates_a: list[str]
    plate_b: str
    portal_client_id: str


Prepare = Callable[[Scene, str], Awaitable[Call]]
"""The call a citizen (by NIK) makes first; each call prepares a fresh target."""


def _address(nik: str, street: str = "Jl. Sudirman 1") -> dict[str, Any]:
    return {
        "service": "address-change",
        "nik": nik,
        "data": {"street": street, "rt": "001", "rw": "001", "village_code": "14.71.10.1002"},
    }


def _complaint(nik: str, description: str = "The renewal has been pending for two weeks.") -> Any:
    return {
        "nik": nik,
        "service": "vehicle-tax-renewal",
        "subject": "Renewal still not finished",
        "description": description,
    }


def _unpaid_plates(world: Any, nik: str) -> list[str]:
    return [
        v.plate
        for v in world.vehicles.values()
        if v.owner_nik == nik and v.pkb_due < world.reference_date and not v.blocked
    ]


def _another_owner_with_tax_due(world: Any, nik: str) -> tuple[str, str]:
    return next(
        (v.owner_nik, v.plate)
        for v in world.vehicles.values()
        if v.owner_nik != nik
        and v.pkb_due < world.reference_date
        and not v.blocked
        and world.citizens[v.owner_nik].alive
    )


async def _renewal(scene: Scene, nik: str) -> dict[str, Any]:
    """A renewal the worker takes to a payment code; each call uses another of A's plates."""
    plate = scene.plate_b if nik == scene.nik_b else scene.plates_a.pop()
    created = await scene.officer.post(
        "/v1/service-requests",
        json={"service": "vehicle-tax-renewal", "nik": nik, "data": {"plate_number": plate}},
    )
    assert created.status_code == 202, created.text
    body: dict[str, Any] = created.json()
    return body


async def _submission(_: Scene, nik: str) -> Call:
    return Call("/v1/service-requests", _address(nik))


async def _filing(_: Scene, nik: str) -> Call:
    return Call("/v1/complaints", _complaint(nik))


async def _cancellation(scene: Scene, nik: str) -> Call:
    request = await _renewal(scene, nik)
    return Call(f"/v1/service-requests/{request['id']}/cancel")


async def _payment(scene: Scene, nik: str) -> Call:
    request = await _renewal(scene, nik)
    awaiting = await wait_for(scene.officer, request["id"], {"awaiting_payment"})
    due = awaiting["payment"]
    return Call(
        f"/v1/service-requests/{request['id']}/payment",
        {"payment_code": due["payment_code"], "amount": due["amount"]},
    )


async def _another_address(_: Scene, first: Call) -> Call:
    return Call(first.path, {**first.body, "data": {**first.body["data"], "street": "Jl. Lain 9"}})


async def _another_complaint(_: Scene, first: Call) -> Call:
    return Call(first.path, {**first.body, "description": "Another complaint entirely."})


async def _another_request(scene: Scene, _: Call) -> Call:
    return await _cancellation(scene, scene.nik_a)


async def _another_amount(_: Scene, first: Call) -> Call:
    return Call(first.path, {**first.body, "amount": first.body["amount"] + 1})


@dataclass(frozen=True)
class Write:
    method: str
    template: str
    prepare: Prepare
    variant: Callable[[Scene, Call], Awaitable[Call]]
    """The same caller, the same key, another body or another target."""
    other_citizen: str
    """The problem for a citizen acting on another's target (it is as absent as a stranger's)."""
    fresh: tuple[int, str | None]
    """What another client with the right to act on the same target gets: the operation done
    anew for it (status, None) or the problem that doing it anew gives (status, slug)."""


WRITES = [
    Write(
        "POST",
        "/v1/service-requests",
        _submission,
        _another_address,
        "citizen-not-found",
        (202, None),
    ),
    Write(
        "POST",
        "/v1/complaints",
        _filing,
        _another_complaint,
        "citizen-not-found",
        (201, None),
    ),
    Write(
        "POST",
        "/v1/service-requests/{request_id}/cancel",
        _cancellation,
        _another_request,
        "service-request-not-found",
        (409, "invalid-state"),
    ),
    Write(
        "POST",
        "/v1/service-requests/{request_id}/payment",
        _payment,
        _another_amount,
        "service-request-not-found",
        (409, "invalid-state"),
    ),
]
CASES = [
    "other citizen, same target",
    "other citizen, own target",
    "other client, same citizen",
    "same caller, another body or target",
    "stored answer for a target the caller may not touch",
]


def _replayable_writes(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        if method in WRITE_METHODS
        and any(
            p["in"] == "header" and p["name"].lower() == "idempotency-key"
            for p in operation.get("parameters", [])
        )
    }


def test_every_replayable_write_is_in_the_matrix(gateway_app):
    assert _replayable_writes(gateway_app) == {(w.method, w.template) for w in WRITES}


def test_every_write_without_a_key_is_decided(gateway_app):
    writes = {
        (method.upper(), path)
        for path, operations in gateway_app.openapi()["paths"].items()
        for method in operations
        if method in WRITE_METHODS
    }
    assert writes - _replayable_writes(gateway_app) == set(NOT_REPLAYABLE)


def _token(app: FastAPI, client: Client, nik: str) -> dict[str, str]:
    """The portal's token for a signed-in citizen, as the token exchange issues it (which
    `tests/test_token_exchange.py` tests)."""
    claims = TokenClaims(client.client_id, client.kind, client.scopes, nik)
    return {"Authorization": f"Bearer {app.state.token_issuer.issue(claims)}"}


@pytest.fixture
async def scene(gateway_app, gateway, personas):
    store = gateway_app.state.clients
    portal = await store.create("citizen portal", ClientKind.PORTAL, set(Scope))
    second = await store.create("another portal", ClientKind.PORTAL, set(Scope))
    world = default_world()
    nik_a = personas["several_vehicles_overdue"].nik
    nik_b, plate_b = _another_owner_with_tax_due(world, nik_a)
    async with (
        client_of(gateway_app, _token(gateway_app, portal.client, nik_a)) as as_a,
        client_of(gateway_app, _token(gateway_app, portal.client, nik_b)) as as_b,
        client_of(gateway_app, _token(gateway_app, second.client, nik_a)) as other_portal_a,
    ):
        yield Scene(
            officer=gateway,
            a=as_a,
            b=as_b,
            other_portal_a=other_portal_a,
            nik_a=nik_a,
            nik_b=nik_b,
            plates_a=_unpaid_plates(world, nik_a),
            plate_b=plate_b,
            portal_client_id=portal.client.client_id,
        )


async def _post(client: httpx.AsyncClient, call: Call) -> httpx.Response:
    return await client.post(call.path, json=call.body, headers={"Idempotency-Key": KEY})


async def _plant_in_b_namespace(app: FastAPI, scene: Scene) -> None:
    """Copies A's stored answer under B's own key: whatever a namespace holds, it must not
    be a way around the check of who may act on what."""
    async with app.state.requests.sessions.begin() as session:
        stored = await session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.client_id == scene.portal_client_id,
                IdempotencyRecord.subject == scene.nik_a,
                IdempotencyRecord.key == KEY,
            )
        )
        assert stored is not None
        session.add(
            IdempotencyRecord(
                client_id=stored.client_id,
                subject=scene.nik_b,
                key=KEY,
                operation=stored.operation,
                body_hash=stored.body_hash,
                status_code=stored.status_code,
                response=stored.response,
                created_at=stored.created_at,
            )
        )


def _problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith(f"/{slug}")


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("write", WRITES, ids=lambda w: f"{w.method} {w.template}")
async def test_nobody_but_the_first_caller_gets_the_first_answer(gateway_app, scene, write, case):
    call = await write.prepare(scene, scene.nik_a)
    first = await _post(scene.a, call)
    assert first.status_code in (201, 202), first.text

    if case == "other citizen, same target":
        response = await _post(scene.b, call)
        _problem(response, 404, write.other_citizen)
    elif case == "other citizen, own target":
        response = await _post(scene.b, await write.prepare(scene, scene.nik_b))
        assert response.status_code == first.status_code, response.text
        assert response.json()["nik"] == scene.nik_b
    elif case == "other client, same citizen":
        response = await _post(scene.other_portal_a, call)
        status, slug = write.fresh
        if slug:
            _problem(response, status, slug)
        else:
            assert response.status_code == status, response.text
            assert response.json()["id"] != first.json()["id"]
    elif case == "same caller, another body or target":
        response = await _post(scene.a, await write.variant(scene, call))
        _problem(response, 422, "idempotency-key-reused")
    else:
        await _plant_in_b_namespace(gateway_app, scene)
        response = await _post(scene.b, call)
        _problem(response, 404, write.other_citizen)

    assert response.json() != first.json()
    if response.status_code >= 400:
        assert scene.nik_a not in response.text.replace(response.json()["instance"], "")
    retried = await _post(scene.a, call)
    assert (retried.status_code, retried.json()) == (first.status_code, first.json())
