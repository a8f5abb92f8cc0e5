"""The whole system as separate processes over real sockets, as `make run` starts it."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from app.config import Settings
from simulators.stack import AGENCY_PORTS, Stack, free_port, plan, running
from tests.conftest import EXTERNAL_DATABASE, RUN_SECRETS_ENV, _empty_tables

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory, _fresh_external_database) -> Iterator[Stack]:
    if EXTERNAL_DATABASE:  # a shared server: nothing an earlier test registered or stored
        _empty_tables(Settings(database_url=EXTERNAL_DATABASE).database_url)
    database_url = os.environ.get("DATABASE_URL") or (
        f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('e2e')}/gateway.db"
    )
    ports = {code: free_port() for code in AGENCY_PORTS}
    planned = plan(
        database_url,
        gateway_port=free_port(),
        agency_ports=ports,
        provinces_port=free_port(),
        gateway_env={
            "SATUPINTU_AGENCIES__BAPENDA_33__TIMEOUT_MS": "1000",
            "SATUPINTU_AGENCIES__INVESTMENT_LICENSING__TIMEOUT_MS": "1000",
        },
        secrets=RUN_SECRETS_ENV,
    )
    with running(planned) as started:
        yield started


def _get(url: str, **kwargs) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = httpx.get(url, timeout=10, **kwargs)
    return response, time.perf_counter() - started


def test_profile_over_real_sockets_is_complete(stack, personas):
    url = f"{stack.gateway.url}/v1/citizens/{personas['family'].nik}"
    headers = stack.officer_headers()
    _get(url, headers=headers)  # the first call opens the pooled connections
    response, elapsed = _get(url, headers=headers)

    assert response.status_code == 200
    assert response.json()["complete"] is True
    assert set(response.json()["sources"]) == set(AGENCY_PORTS)
    assert elapsed < 2.0


def test_slow_agency_over_real_sockets_is_cut_at_its_deadline(stack, personas):
    faults = f"{stack.agencies['investment_licensing'].url}/_control/faults"
    httpx.put(faults, json={"latency_ms": 5000}).raise_for_status()
    try:
        response, elapsed = _get(
            f"{stack.gateway.url}/v1/citizens/{personas['family'].nik}",
            headers=stack.officer_headers(),
        )
    finally:
        httpx.delete(faults).raise_for_status()

    assert response.json()["sources"]["investment_licensing"]["status"] == "timeout"
    assert elapsed < 1.0 + 1.0  # cut at its 1,000 ms, never the agency's 5,000


@pytest.mark.parametrize(
    ("agency", "backend", "exit_code"),
    [("bapenda_33", "bapenda_33", 0), ("bapenda_33", "civil_registry", 1)],
)
def test_adapters_check_reports_and_exits_by_the_result(stack, agency, backend, exit_code):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "adapters",
            "check",
            agency,
            "--base-url",
            stack.agencies[backend].url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )

    assert result.returncode == exit_code, result.stdout + result.stderr
    assert "vehicle.lookup: known plate" in result.stdout
    assert ("6 of 6 checks passed" in result.stdout) == (exit_code == 0)


def test_stopped_vehicle_tax_process_gives_a_partial_answer(stack, personas):
    stack.agencies["bapenda_33"].stop()
    response, elapsed = _get(
        f"{stack.gateway.url}/v1/citizens/{personas['family'].nik}",
        headers=stack.officer_headers(),
    )

    assert response.status_code == 200
    body = response.json()
    assert body["complete"] is False
    assert body["sources"]["bapenda_33"]["status"] == "unavailable"
    assert body["sources"]["bapenda_31"]["status"] == "ok"
    assert body["identity"]["nik"] == personas["family"].nik
    assert body["businesses"] is not None
    assert elapsed < 1.0 + 1.0  # refused at once; never a wait for a dead process
    readiness = httpx.get(f"{stack.gateway.url}/readyz").json()
    assert readiness["status"] == "degraded"
    assert readiness["agencies"]["bapenda_33"]["status"] == "down"
