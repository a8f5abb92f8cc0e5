"""A source that joined by declaration is protected like a hand-written adapter's: a backend
that keeps failing is left alone behind an open circuit, a slow one is cut at its
`timeout_ms`, a busy one is not queued behind, and every call is counted in the metrics under
the agency and the product. Without that, one declared agency's bad day would cost every
profile read its time and the agency its recovery.

The product is the declarative kind (request template and JMESPath mapping, no code), fetched
by the gateway's own declared adapter from a real backend on a real socket; it is put on the
bus the way a registration puts it there after its conformance run, so that a source whose
host refuses connections can be declared too.
"""

import asyncio
import datetime as dt
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from app.auth.scopes import Scope
from app.main import create_app
from app.products import wiring
from app.products.catalog import DataProduct
from app.products.declaration import ProductDeclaration
from simulators.fault_proxy import HOST
from tests.conftest import Agencies, client_of, credentials, gateway_settings
from tests.declared_products import Backend
from tests.product_backends import FOUND, MISSING, declaration
from tests.socket_agencies import SocketAgencies

#: A code no other test's agency has, so this module's metric series are its own.
CODE = "bpjs_resilience"
PRODUCT = "health_insurance"
MEMBER = {"noKartu": "0001234567890", "kelas": 2}
RECORD = {"card_number": "0001234567890", "class": 2}
BACKEND = Backend()
EVERY_SCOPE = frozenset(Scope) | {f"{PRODUCT}:read"}
PROFILE = f"/v1/citizens/{FOUND}?include={PRODUCT}"
RECORDS = f"/v1/data-products/{PRODUCT}/records/{FOUND}"


@pytest.fixture(scope="module")
def backends() -> Iterator[SocketAgencies]:
    with SocketAgencies({"bpjs": BACKEND.app}) as started:
        yield started


@pytest.fixture(autouse=True)
def member() -> None:
    BACKEND.reset({FOUND: MEMBER})


def _declared(base_url: str, timeout_ms: int) -> DataProduct:
    """The BPJS-like membership, fetched from `base_url` by declaration alone."""
    body = declaration(
        fetch={
            "request": {"path": "/records/{key}"},
            "response": {
                "not_found": {"status": [404]},
                "records": "{card_number: noKartu, class: kelas}",
            },
            "health": {"path": "/health"},
        },
        sources=[
            {
                "agency": {"code": CODE, "name": "BPJS Kesehatan", "level": "central"},
                "base_url": base_url,
                "timeout_ms": timeout_ms,
                "auth": {"type": "none"},
                "fixtures": {"found": FOUND, "missing": MISSING},
            }
        ],
    )
    return DataProduct(ProductDeclaration.model_validate(body), 1, dt.datetime.now(dt.UTC), "test")


@asynccontextmanager
async def _gateway(
    database_url: str, agencies: Agencies, base_url: str, *, timeout_ms: int = 1000, **knobs: Any
) -> AsyncIterator[FastAPI]:
    """A test gateway with its resilience knobs set for the test, and the product on its bus."""
    app = create_app(gateway_settings(database_url, **knobs), http_client=agencies.http)
    async with app.router.lifespan_context(app):
        store = app.state.product_store
        wiring.apply(_declared(base_url, timeout_ms), store.registry, store.catalog, store.secrets)
        yield app


@asynccontextmanager
async def _officer(
    app: FastAPI, name: str = "puskesmas officer"
) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(app, await credentials(app, EVERY_SCOPE, name=name)) as client:
        yield client


async def _profile(client: httpx.AsyncClient) -> tuple[dict[str, Any], float]:
    """A profile read asking for the product: a failing source must cost only its part, so
    every read is a whole 200 answer, timed."""
    started = time.perf_counter()
    response = await client.get(PROFILE)
    elapsed = time.perf_counter() - started
    body = response.json()
    assert response.status_code == 200, body
    return body, elapsed


@pytest.mark.usefixtures("settled_heap")
async def test_a_failing_backend_opens_the_circuit_and_is_asked_again_after_recovery(
    database_url, agencies, backends
):
    """The backend fails slowly, as a struggling one does, so that an answer at once is the
    breaker's and not the backend's."""
    knobs: dict[str, Any] = {
        "breaker_failure_threshold": 3,
        "breaker_recovery_s": 1.0,
        "retry_ratio": 0,
    }
    async with (
        _gateway(database_url, agencies, backends.urls["bpjs"], **knobs) as app,
        _officer(app) as client,
    ):
        BACKEND.down, BACKEND.delay_s = True, 0.4
        for _ in range(3):
            failed, elapsed = await _profile(client)
            assert failed["sources"][CODE]["status"] == "unavailable"
            assert elapsed >= 0.4
        assert len(BACKEND.asked) == 3

        opened, elapsed = await _profile(client)
        assert elapsed < 0.3
        assert opened["sources"][CODE]["status"] == "unavailable"
        assert opened["sources"][CODE]["detail"].startswith("circuit open")
        assert opened[PRODUCT] is None
        assert opened["identity"]["nik"] == FOUND
        assert opened["complete"] is False
        assert len(BACKEND.asked) == 3
        readiness = (await client.get("/readyz")).json()
        assert readiness["agencies"][CODE]["circuit"] == "open"

        BACKEND.down, BACKEND.delay_s = False, 0.0
        await asyncio.sleep(1.05)
        healed, _ = await _profile(client)
        again, _ = await _profile(client)

    assert healed[PRODUCT] == again[PRODUCT] == RECORD
    assert healed["sources"][CODE]["status"] == "ok"
    assert healed["complete"] is True
    assert len(BACKEND.asked) == 5


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A port bound and never listened on: every connection to it is refused, and no other
    process can take it while the test runs."""
    with socket.socket() as bound:
        bound.bind((HOST, 0))
        yield bound.getsockname()[1]


@pytest.mark.usefixtures("settled_heap")
async def test_a_backend_refusing_connections_opens_the_circuit(
    database_url, agencies, refusing_port
):
    knobs: dict[str, Any] = {
        "breaker_failure_threshold": 2,
        "breaker_recovery_s": 30,
        "retry_ratio": 0,
    }
    url = f"http://{HOST}:{refusing_port}"
    async with _gateway(database_url, agencies, url, **knobs) as app, _officer(app) as client:
        refused = [(await _profile(client))[0]["sources"][CODE] for _ in range(2)]
        opened, _ = await _profile(client)

    assert [s["status"] for s in refused] == ["unavailable", "unavailable"]
    assert all(s["detail"] == "cannot reach agency: ConnectError" for s in refused)
    assert opened["sources"][CODE]["status"] == "unavailable"
    assert opened["sources"][CODE]["detail"].startswith("circuit open after 2 failures")
    assert opened["identity"]["nik"] == FOUND


@pytest.mark.usefixtures("settled_heap")
async def test_a_slow_backend_is_cut_at_its_timeout_and_only_its_part_fails(
    database_url, agencies, backends
):
    BACKEND.delay_s = 1.5
    async with (
        _gateway(database_url, agencies, backends.urls["bpjs"], timeout_ms=300) as app,
        _officer(app) as client,
    ):
        started = time.perf_counter()
        response = await client.get(
            f"/v1/citizens/{FOUND}",
            params=[("include", p) for p in (PRODUCT, "family", "vehicles")],
        )
        elapsed = time.perf_counter() - started

    body = response.json()
    assert response.status_code == 200, body
    assert elapsed < 1.0
    assert body["sources"][CODE]["status"] == "timeout"
    assert body["sources"][CODE]["detail"] == "no reply within 300 ms"
    assert body[PRODUCT] is None
    assert body["identity"]["nik"] == FOUND
    assert body["family"] is not None
    assert body["vehicles"] is not None
    assert body["sources"]["civil_registry"]["status"] == "ok"
    assert body["complete"] is False
    assert BACKEND.asked == [FOUND]


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_the_declared_sources_calls_under_its_agency_and_product(
    database_url, agencies, backends
):
    """The series are the process's, shared with every gateway a test started: the test
    reads what its own calls added."""
    timed = ("satupintu_agency_call_duration_seconds_count", {("agency", CODE), ("part", PRODUCT)})
    answered = ("satupintu_agency_calls_total", {("agency", CODE), ("status", "ok")})
    failed = ("satupintu_agency_calls_total", {("agency", CODE), ("status", "unavailable")})
    series = [(name, frozenset(labels)) for name, labels in (timed, answered, failed)]
    async with (
        _gateway(database_url, agencies, backends.urls["bpjs"], retry_ratio=0) as app,
        _officer(app) as client,
    ):
        before = _samples((await client.get("/metrics")).text)
        for _ in range(2):
            await _profile(client)
        BACKEND.down = True
        await _profile(client)
        after = _samples((await client.get("/metrics")).text)

    added = [after.get(key, 0.0) - before.get(key, 0.0) for key in series]
    assert added == [3, 2, 1]
    assert after[("satupintu_agency_breaker_open", frozenset({("agency", CODE)}))] == 0


@pytest.mark.usefixtures("settled_heap")
async def test_a_full_bulkhead_answers_at_once_without_calling_the_backend(
    database_url, agencies, backends
):
    """Two clients, since one client alone cannot fill a bulkhead (its fair share stops it)."""
    BACKEND.delay_s = 1.0
    async with (
        _gateway(
            database_url, agencies, backends.urls["bpjs"], timeout_ms=2000, agency_max_concurrency=1
        ) as app,
        _officer(app, "first officer") as first,
        _officer(app, "second officer") as second,
    ):
        answers = await asyncio.gather(first.get(RECORDS), second.get(RECORDS))

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 503], [answer.text for answer in answers]
    served = next(answer for answer in answers if answer.status_code == 200)
    crowded = next(answer for answer in answers if answer.status_code == 503)
    assert served.json()["records"] == RECORD
    assert crowded.json()["sources"][CODE]["detail"] == "too many calls in flight"
    assert crowded.elapsed.total_seconds() < 0.6
    assert BACKEND.asked == [FOUND]
