"""Schemathesis against the committed OpenAPI document: for every operation, generated
valid and malformed bodies, headers and parameters never get a 5xx or a status the document
does not list for that operation.

The gateway runs in process behind the in-process simulators, as in the other tests, on a
database of its own; requests go through Schemathesis' ASGI transport (its lifespan is
started per operation). Examples are bounded and derandomized so the run is the same every
time and takes a few minutes at most."""

import asyncio
import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, cast

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import status_code_conformance

from app.auth.scopes import ClientKind, Scope
from app.main import create_app
from tests.conftest import AGENCY_HOSTS, SPARE_VEHICLE_TAX, Agencies, gateway_settings

SPEC = Path(__file__).parents[1] / "openapi" / "openapi.json"
EXAMPLES_PER_OPERATION = 20
PORTAL_SCOPES = frozenset(Scope) - {Scope.AGENCIES_ADMIN, Scope.REPORTS_READ, Scope.AUDIT_READ}

schema = schemathesis.openapi.from_path(SPEC)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES_PER_OPERATION,
    deterministic=True,
    database="none",
)


class NoNetwork(httpx.AsyncBaseTransport):
    """Every host but the simulators': a generated endpoint or callback URL stays here."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"{request.url.host} is not reachable here", request=request)


def _no_dns(host: object, *args: object, **kwargs: object) -> NoReturn:
    raise socket.gaierror(socket.EAI_NONAME, f"{host!r} is not resolved in this test")


@dataclass
class Target:
    app: FastAPI
    secrets: dict[str, tuple[str, str]]
    portal_nik: str
    answered: Counter[str] = field(default_factory=Counter)
    """Successful answers per operation: proof the run got past authentication."""


def _simulators_only(agencies: Agencies) -> httpx.AsyncClient:
    hosts = {**AGENCY_HOSTS, "spare_vehicle_tax": SPARE_VEHICLE_TAX}
    mounts: dict[str, httpx.AsyncBaseTransport] = {
        host: httpx.ASGITransport(app=agencies.apps[code]) for code, host in hosts.items()
    }
    return httpx.AsyncClient(mounts={**mounts, "all://": NoNetwork()})


# Operations whose documented examples an officer with every scope gets answered, so a run in
# which none was is a run that never got past authentication or validation.
OFFICER_ANSWERED = (
    "GET /v1/agencies",
    "GET /v1/citizens/{nik}",
    "GET /v1/complaints",
    "POST /v1/complaints",
    "GET /v1/reports/performance",
    "GET /v1/service-requests",
    "POST /v1/service-requests",
)


@pytest.fixture
def target(request, database_url, personas, monkeypatch) -> Iterator[Target]:
    """A gateway of its own for each operation: one operation's generated writes (an agency
    disabled, say) must not change what the next one sees."""
    monkeypatch.setattr(socket, "getaddrinfo", _no_dns)
    settings = gateway_settings(
        database_url, rate_limit="1000000/minute", token_rate_limit="1000000/minute"
    )
    http = _simulators_only(Agencies())
    app = create_app(settings, http_client=http)

    async def register() -> dict[str, tuple[str, str]]:
        async with app.router.lifespan_context(app):
            clients = app.state.clients
            officer = await clients.create("fuzz officer", ClientKind.OFFICER, frozenset(Scope))
            portal = await clients.create("fuzz portal", ClientKind.PORTAL, PORTAL_SCOPES)
        return {
            "officer": (officer.client.client_id, officer.secret),
            "portal": (portal.client.client_id, portal.secret),
        }

    found = Target(app, asyncio.run(register()), personas["several_vehicles_overdue"].nik)
    yield found
    params = getattr(request.node, "callspec", None)
    label = request.node.name.partition("[")[2].partition("]")[0]
    if params and params.params.get("who") == "officer" and label in OFFICER_ANSWERED:
        assert found.answered[label], f"{label}: no generated request was answered"


def _token(target: Target, who: str) -> str:
    """From the token endpoint, so it is signed however the running gateway signs; through
    Schemathesis' own ASGI client, whose event loop runs the gateway's lifespan."""
    client_id, secret = target.secrets[who]
    form = {"grant_type": "client_credentials"}
    if who == "portal":
        form["subject"] = target.portal_nik
    with asgi.get_client(cast(Any, target.app)) as client:
        response = client.post(
            "http://testserver/v1/oauth/token", data=form, auth=(client_id, secret)
        )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.mark.parametrize("who", ["officer", "portal"])
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    # `target` is made once per operation on purpose, not once per example.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_gets_a_5xx_or_an_undocumented_status(case, target, who):
    """Generated credentials headers (negative mode sends malformed ones) are kept; where the
    case has none, the identity's are added."""
    sent = {name.lower() for name in case.headers or {}}
    headers = {"Authorization": f"Bearer {_token(target, who)}", "X-Purpose": "property test"}
    headers = {name: value for name, value in headers.items() if name.lower() not in sent}
    response = case.call(app=target.app, headers=headers)
    target.answered[case.operation.label] += response.status_code < 300
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance])


def test_stateful_workflows_get_no_5xx_or_undocumented_status(target):
    """Chains of calls along the links Schemathesis infers from the document (an id from a
    201/202 body into the operations on it), so cancel, payment and survey see real ids."""
    token = _token(target, "officer")

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case):
            sent = {name.lower() for name in case.headers or {}}
            headers = {"Authorization": f"Bearer {token}", "X-Purpose": "property test"}
            headers = {n: v for n, v in headers.items() if n.lower() not in sent}
            return {"app": target.app, "headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            target.answered[case.operation.label] += response.status_code < 300
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance])

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=25,
            stateful_step_count=8,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    started = ("POST /v1/service-requests", "POST /v1/complaints", "POST /v1/agencies")
    assert any(target.answered[op] for op in started), "no workflow got past its first step"
