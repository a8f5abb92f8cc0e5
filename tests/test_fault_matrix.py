"""The fault matrix: each agency x each fault x (profile read, single read, service request).

Every cell asserts the documented answer, the time bound (an agency's timeout plus 100 ms),
and, for service requests, that the request survives the fault and that no agency applied a
step twice.

An ASGI app cannot reset a connection, so the reset columns run over real sockets: the
simulators on their own ports behind `simulators.fault_proxy`, and the gateway with its own
HTTP client instead of the in-process transport.
"""

import asyncio
import time
from collections import Counter
from typing import Any

import httpx
import pytest

from app.main import create_app
from simulators.world import default_world
from tests.conftest import AGENCY_HOSTS, Agencies, client_of, gateway_settings
from tests.service_request_helpers import wait_for
from tests.socket_agencies import SocketAgencies

pytestmark = pytest.mark.usefixtures("settled_heap")

TIMEOUT_MS = 300
# Far below the slow agency's 3,000 ms, with room for a loaded CI machine.
BOUND_S = (TIMEOUT_MS + 500) / 1000
FAULTS: dict[str, dict[str, Any]] = {
    "down": {"down": True},
    "slower than the deadline": {"latency_ms": 3000},
    "500s": {"error_rate": 1.0},
    "50% errors": {"error_rate": 0.5},
    "malformed body": {"malformed": True},
    "wrong schema": {"wrong_schema": True},
    "connection reset": {"connection_reset": True},
    "reset after a write": {"reset_after_write": True},
}
# Faults only a socket can show: their cells use the simulators behind the fault proxy.
SOCKET_FAULTS = {"connection reset", "reset after a write"}
# Reads do not see it: only service requests have this column.
READ_FAULTS = [fault for fault in FAULTS if fault != "reset after a write"]
# The write happens and its reply is lost: the retry must be a replay of the same reference.
LOST_REPLY_FAULTS = {"reset after a write"}
# What a source reports for each fault; None: either ok or error (a coin toss per call).
SOURCE_STATUS = {
    "down": "unavailable",
    "slower than the deadline": "timeout",
    "500s": "error",
    "50% errors": None,
    "malformed body": "error",
    "wrong schema": "error",
    "connection reset": "unavailable",
}
PROBLEM_STATUS = {"unavailable": 503, "timeout": 504, "error": 502}


@pytest.fixture
def backends(request: pytest.FixtureRequest, fault: str) -> Agencies | SocketAgencies:
    """The in-process simulators, or the ones on real sockets for the faults that need them."""
    name = "socket_agencies" if fault in SOCKET_FAULTS else "agencies"
    backends: Agencies | SocketAgencies = request.getfixturevalue(name)
    return backends


@pytest.fixture
async def matrix_gateway(database_url, backends) -> Any:
    settings = gateway_settings(
        database_url, timeout_ms=TIMEOUT_MS, deadline_ms=1000, retry_ratio=0.0
    )
    if isinstance(backends, SocketAgencies):
        app = create_app(backends.route(settings))
    else:
        app = create_app(settings, http_client=backends.http)
    async with (
        app.router.lifespan_context(app),
        client_of(app) as client,
    ):
        yield client
    if isinstance(backends, SocketAgencies):  # shared by the module's tests
        for code in AGENCY_HOSTS:
            await backends.clear_faults(code)


async def _timed(call: Any) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await call
    return response, time.perf_counter() - started


def _expect_source(fault: str, status: str) -> None:
    expected = SOURCE_STATUS[fault]
    if expected is None:
        assert status in ("ok", "error")
    else:
        assert status == expected


@pytest.mark.parametrize("fault", READ_FAULTS)
@pytest.mark.parametrize("agency", list(AGENCY_HOSTS))
async def test_profile_read(matrix_gateway, backends, personas, agency, fault):
    await backends.set_faults(agency, **FAULTS[fault])
    response, elapsed = await _timed(matrix_gateway.get(f"/v1/citizens/{personas['family'].nik}"))

    assert elapsed < BOUND_S
    assert "Traceback" not in response.text
    if agency == "civil_registry":
        if response.status_code == 200:
            body = response.json()
            assert fault == "50% errors"
            _expect_source(fault, body["sources"]["civil_registry"]["status"])
        else:
            expected = SOURCE_STATUS[fault] or "error"
            assert response.status_code == PROBLEM_STATUS[expected]
            assert response.headers["content-type"] == "application/problem+json"
        return
    assert response.status_code == 200
    body = response.json()
    _expect_source(fault, body["sources"][agency]["status"])
    assert body["identity"]["nik"] == personas["family"].nik
    assert body["complete"] is (body["sources"][agency]["status"] == "ok")


def _single_read(personas: Any, agency: str) -> str:
    persona = personas["family"]
    return {
        "civil_registry": f"/v1/citizens/{persona.nik}?include=family",
        "vehicle_tax": f"/v1/vehicles/{persona.plates[0]}",
        "investment_licensing": f"/v1/citizens/{persona.nik}/businesses",
    }[agency]


@pytest.mark.parametrize("fault", READ_FAULTS)
@pytest.mark.parametrize("agency", list(AGENCY_HOSTS))
async def test_single_read(matrix_gateway, backends, personas, agency, fault):
    await backends.set_faults(agency, **FAULTS[fault])
    response, elapsed = await _timed(matrix_gateway.get(_single_read(personas, agency)))

    assert elapsed < BOUND_S
    if response.status_code == 200:
        assert fault == "50% errors"
        return
    expected = SOURCE_STATUS[fault] or "error"
    assert response.status_code == PROBLEM_STATUS[expected]
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["sources"][agency]["status"] == expected


def _application(personas: Any, agency: str) -> tuple[dict[str, Any], str]:
    """A service whose first write goes to `agency`: (body, the status it reaches)."""
    if agency == "civil_registry":
        body = {
            "service": "address-change",
            "nik": personas["family"].nik,
            "data": {
                "street": "Jl. Pemuda 7",
                "rt": "001",
                "rw": "002",
                "village_code": "33.74.09.1001",
            },
        }
        return body, "completed"
    if agency == "vehicle_tax":
        persona = personas["several_vehicles_overdue"]
        world = default_world()
        overdue = next(
            p for p in persona.plates if world.vehicles[p].pkb_due < world.reference_date
        )
        body = {
            "service": "vehicle-tax-renewal",
            "nik": persona.nik,
            "data": {"plate_number": overdue},
        }
        return body, "awaiting_payment"
    body = {
        "service": "business-registration",
        "nik": personas["nothing"].nik,
        "data": {
            "business_name": "Warung Tahan Banting",
            "kbli": ["56102"],
            "address": {"street": "Jl. Mawar 9", "village_code": "34.71.07.1001"},
        },
    }
    return body, "completed"


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("agency", list(AGENCY_HOSTS))
async def test_service_request_survives_and_nothing_is_done_twice(
    matrix_gateway, backends, personas, agency, fault
):
    body, reached = _application(personas, agency)
    await backends.set_faults(agency, **FAULTS[fault])
    response = await matrix_gateway.post("/v1/service-requests", json=body)
    assert response.status_code == 202
    request_id = response.json()["id"]

    for _ in range(150):
        current = (await matrix_gateway.get(f"/v1/service-requests/{request_id}")).json()
        if current["status"] == reached or any(s["detail"] for s in current["steps"]):
            break
        await asyncio.sleep(0.02)
    assert current["status"] in ("submitted", "in_progress", reached), current
    await backends.clear_faults(agency)
    done = await wait_for(matrix_gateway, request_id, {reached}, timeout_s=20)

    assert done["status"] == reached
    log = [e for e in await backends.journal(agency) if e["ref"].startswith(request_id)]
    applied = Counter(entry["ref"] for entry in log if not entry["replayed"])
    assert applied, log
    assert max(applied.values()) == 1, log
    if fault in LOST_REPLY_FAULTS:
        assert any(entry["replayed"] for entry in log), log
