"""Durability with real processes: a worker killed between steps, and two workers side by side.

The gateway serves HTTP with its own worker switched off; separate `satupintu worker` processes
advance the requests, as they would beside the gateway in production.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from simulators.stack import AGENCY_PORTS, DEMO_INSTANCES, Stack, free_port, plan, running
from tests.conftest import RUN_SECRETS_ENV

pytestmark = pytest.mark.e2e

ADDRESS = {"street": "Jl. Pemuda No. 7", "rt": "003", "rw": "002", "village_code": "33.74.09.1001"}


@pytest.fixture
def stack(tmp_path, _fresh_external_database) -> Iterator[Stack]:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{tmp_path}/gw.db"
    planned = plan(
        database_url,
        gateway_port=free_port(),
        agency_ports={code: free_port() for code in AGENCY_PORTS},
        gateway_env={"SATUPINTU_WORKER_ENABLED": "false"},
        secrets=RUN_SECRETS_ENV,
    )
    with running(planned) as started:
        for agency in started.agencies.values():
            httpx.delete(f"{agency.url}/_control/requests").raise_for_status()
        yield started


def start_worker(stack: Stack, **env: str) -> subprocess.Popen[bytes]:
    settings = {
        **os.environ,
        **stack.gateway.env,
        "SATUPINTU_WORKER_LEASE_S": "3",
        "SATUPINTU_WORKER_POLL_INTERVAL_MS": "100",
        **env,
    }
    return subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], env=settings)


def stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=15)


def request(stack: Stack, request_id: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(
        f"{stack.gateway.url}/v1/service-requests/{request_id}", headers=stack.officer_headers()
    ).json()
    return body


def wait_until(predicate: Any, timeout_s: float = 30.0) -> None:
    ends_at = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < ends_at, "timed out"
        time.sleep(0.05)


def writes(stack: Stack) -> dict[str, list[dict[str, Any]]]:
    return {
        code: httpx.get(f"{agency.url}/_control/requests").json()
        for code, agency in stack.agencies.items()
    }


def submit(stack: Stack, nik: str) -> str:
    response = httpx.post(
        f"{stack.gateway.url}/v1/service-requests",
        json={"service": "address-change", "nik": nik, "data": ADDRESS},
        headers=stack.officer_headers(),
    )
    assert response.status_code == 202, response.text
    request_id: str = response.json()["id"]
    return request_id


def test_a_killed_worker_leaves_nothing_lost_or_done_twice(stack, personas):
    first = start_worker(stack, SATUPINTU_WORKER_STEP_PAUSE_MS="1500")
    try:
        request_id = submit(stack, personas["family"].nik)

        def address_recorded() -> bool:
            states = {s["name"]: s["state"] for s in request(stack, request_id)["steps"]}
            return bool(states["record_address"] == "done")

        wait_until(address_recorded)
        first.kill()
        first.wait()
    finally:
        stop(first)
    stalled = request(stack, request_id)
    assert stalled["status"] == "in_progress"
    assert {s["name"]: s["state"] for s in stalled["steps"]}["tell_vehicle_tax"] == "pending"

    second = start_worker(stack)
    try:
        wait_until(lambda: request(stack, request_id)["status"] == "completed")
    finally:
        stop(second)

    log = writes(stack)
    assert [w["path"] for w in log["civil_registry"]] == ["/api/v1/UPDATE_ALAMAT"]
    assert [w["path"] for w in log["bapenda_33"]] == ["/samsat/api/alamat-pemilik"]
    assert not log["bapenda_31"]  # it holds none of the family's vehicles: it is not told
    assert [w["path"] for w in log["investment_licensing"]] == ["/oss/v2/pelaku-usaha/alamat"]
    assert not any(w["replayed"] for entries in log.values() for w in entries)
    assert all(s["attempts"] == 1 for s in request(stack, request_id)["steps"])


def test_two_workers_side_by_side_never_do_a_step_twice(stack):
    from simulators.world import default_world

    niks = [c.nik for c in default_world().citizens.values() if c.death_date is None][:20]
    workers = [start_worker(stack), start_worker(stack)]
    try:
        request_ids = [submit(stack, nik) for nik in niks]
        wait_until(
            lambda: all(request(stack, rid)["status"] == "completed" for rid in request_ids),
            timeout_s=60,
        )
    finally:
        for worker in workers:
            stop(worker)

    world = default_world()
    holding: dict[str, int] = {}
    for nik in niks:
        provinces = {v.province_code for v in world.vehicles.values() if v.owner_nik == nik}
        for code, office in DEMO_INSTANCES.items():
            if set(office.jurisdiction) & provinces:
                holding[code] = holding.get(code, 0) + 1
    log = writes(stack)
    for code, entries in log.items():
        refs = [w["ref"] for w in entries]
        told = holding.get(code, 0) if code.startswith("bapenda_") else len(niks)
        assert len(refs) == told, code
        assert len(set(refs)) == len(refs), f"{code} was asked twice for one step"
        assert not any(w["replayed"] for w in entries)
    assert sum(holding.values()) > 0
