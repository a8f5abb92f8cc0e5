"""The TypeScript client's example, run by Node against the gateway as `make run` starts it.

`tsc` proves the client's types match the spec; this proves the same code works on the wire:
the form-encoded token request, `include` sent as repeated parameters, the renewal's JSON body
and its `Location`, and a problem body the example switches on by `type`.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from simulators.stack import Stack
from simulators.world import Persona
from tests.conftest import started_stack

CLIENT = Path(__file__).resolve().parent.parent / "clients" / "typescript"
NPM = shutil.which("npm")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(NPM is None or shutil.which("node") is None, reason="needs Node.js"),
]


@pytest.fixture(scope="module")
def tsx() -> Path:
    """The pinned tsx, installed from the lock when missing: on a fresh clone `make test` runs
    before `make openapi-check` has installed the client."""
    binary = CLIENT / "node_modules" / ".bin" / "tsx"
    if not binary.exists():
        assert NPM is not None
        subprocess.run(
            [NPM, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=CLIENT,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return binary


@pytest.fixture(scope="module")
def stack(tmp_path_factory, _fresh_external_database) -> Iterator[Stack]:
    with started_stack(tmp_path_factory.mktemp("ts-client")) as started:
        yield started


def run_example(tsx: Path, stack: Stack, nik: str) -> subprocess.CompletedProcess[str]:
    officer = stack.credentials["demo-officer"]
    return subprocess.run(
        [str(tsx), "examples/citizen.ts"],
        cwd=CLIENT,
        env={
            **os.environ,
            "SATUPINTU_URL": stack.gateway.url,
            "SATUPINTU_CLIENT_ID": officer["client_id"],
            "SATUPINTU_CLIENT_SECRET": officer["client_secret"],
            "SATUPINTU_NIK": nik,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_example_reads_a_profile_and_submits_a_renewal(
    tsx: Path, stack: Stack, personas: dict[str, Persona]
) -> None:
    citizen = personas["several_vehicles_overdue"]

    result = run_example(tsx, stack, citizen.nik)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "civil_registry: ok" in lines
    printed_plates = [line.split(": tax ")[0] for line in lines if ": tax " in line]
    assert sorted(printed_plates) == sorted(citizen.plates)
    renewal = next(line for line in lines if line.startswith("renewal "))
    request_id = renewal.removeprefix("renewal ").split(":")[0]
    assert renewal.endswith(f"/v1/service-requests/{request_id}")
    stored = httpx.get(
        f"{stack.gateway.url}/v1/service-requests/{request_id}",
        headers=stack.officer_headers(),
        timeout=10,
    )
    assert stored.status_code == 200
    assert stored.json()["service"] == "vehicle-tax-renewal"
    assert stored.json()["nik"] == citizen.nik
    assert stored.json()["data"] == {"plate_number": printed_plates[0]}


@pytest.mark.parametrize(
    ("nik", "status", "message"),
    [
        ("3174101704820099", 404, "No citizen 3174101704820099 in the civil registry."),
        ("3171073102900001", 422, "nik: "),  # born on 31 February
    ],
)
def test_example_explains_a_problem_by_its_type(
    tsx: Path, stack: Stack, nik: str, status: int, message: str
) -> None:
    direct = httpx.get(
        f"{stack.gateway.url}/v1/citizens/{nik}", headers=stack.officer_headers(), timeout=10
    )
    assert direct.status_code == status

    result = run_example(tsx, stack, nik)

    assert result.returncode == 1
    assert any(line.startswith(message) for line in result.stderr.splitlines()), result.stderr
    assert "renewal" not in result.stdout
