"""An adapter shipped as its own package joins the gateway through its entry point alone.

The example package is installed outside the shared `.venv` (a `--target` directory, or a
throwaway virtualenv layered on top of `.venv`), so no other test ever sees it, and nothing in
`app/` is touched: discovery, the gateway process and the guide's own commands all find it the
way an operator's installation would.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.adapters.base import (
    AdapterContext,
    AgencyAdapter,
    Capability,
    MembershipProvider,
)
from app.bus.calls import call_agency
from app.bus.registry import AdapterRegistry, InstanceSpec
from app.config import AgencyEndpoint
from app.schemas.sources import SourceStatus
from simulators.stack import HOST, Process, Stack, free_port, plan, running
from tests.conftest import RUN_SECRETS_ENV

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = Path("examples") / "satupintu-bpjs-adapter"
GUIDE = REPO / "docs" / "adapters.md"
GUIDE_PORT = 8109
CODE = "bpjs_kesehatan"
SERVICE = "health-insurance-membership-check"
MEMBER = "3374091203840001"
NOT_A_MEMBER = "3171074508900999"


def _copy_example(root: Path) -> Path:
    """Build artefacts (`build/`, `*.egg-info`) land next to the sources, so pip works on a
    copy and the repository's `examples/` stays as committed."""
    shutil.copytree(
        REPO / EXAMPLE,
        root / EXAMPLE,
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"),
    )
    return root


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _copy_example(tmp_path_factory.mktemp("example"))
    target = tmp_path_factory.mktemp("site")
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run(
        [*pip, "--target", str(target), f"./{EXAMPLE.as_posix()}"],
        cwd=root,
        check=True,
        timeout=120,
    )
    return target


@pytest.fixture(scope="module")
def on_path(installed: Path) -> Iterator[Path]:
    sys.path.insert(0, str(installed))
    try:
        yield installed
    finally:
        sys.path.remove(str(installed))
        for module in [m for m in sys.modules if m.split(".")[0] == "satupintu_bpjs"]:
            del sys.modules[module]


def _pythonpath(first: Path) -> str:
    return os.pathsep.join(filter(None, [str(first), os.environ.get("PYTHONPATH")]))


@pytest.fixture(scope="module")
def backend(installed: Path) -> Iterator[Process]:
    process = Process(
        "bpjs sandbox",
        "satupintu_bpjs.backend:app",
        free_port(),
        "/vclaim-rest/status",
        {"PYTHONPATH": _pythonpath(installed)},
    )
    try:
        process.start()
        process.wait_ready()
        yield process
    finally:
        process.stop()


async def test_registry_discovers_the_installed_package(on_path: Path, backend: Process) -> None:
    async with httpx.AsyncClient() as http:
        registry = AdapterRegistry.discover(
            [InstanceSpec(code=CODE, kind=CODE, endpoint=AgencyEndpoint(base_url=backend.url))],
            http,
        )
        agency = registry.agency(CODE)
        provider = registry.provider(Capability.SOCIAL_SECURITY_MEMBERSHIPS, MembershipProvider)

        assert agency is not None
        assert agency.version == "0.1.0"
        assert type(agency.adapter).__module__ == "satupintu_bpjs.adapter"
        assert str(on_path) in (sys.modules["satupintu_bpjs.adapter"].__file__ or "")
        assert isinstance(agency.adapter, AgencyAdapter)
        assert provider is not None
        assert provider.agency.code == CODE
        await agency.adapter.health()
        [membership] = await provider.impl.list_memberships(MEMBER)
        assert await provider.impl.list_memberships(NOT_A_MEMBER) == []

    assert membership.model_dump(mode="json") == {
        "nik": MEMBER,
        "program": "health",
        "membership_number": "0001234567890",
        "status": "active",
        "member_class": "3",
        "valid_until": "2027-12-31",
    }


def test_nothing_in_the_gateway_names_the_example() -> None:
    sources = [*(REPO / "app").rglob("*.py"), REPO / "pyproject.toml"]
    assert not [p for p in sources if "satupintu_bpjs" in p.read_text(encoding="utf-8")]


def _adapter_on(http: httpx.AsyncClient) -> Any:
    """The installed factory on a scripted backend: the faults a sandbox cannot be asked for."""
    factory = next(k.factory for k in AdapterRegistry.discover([], http).kinds() if k.code == CODE)
    return factory(AdapterContext(CODE, AgencyEndpoint(base_url="http://bpjs.test"), http))


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        (httpx.Response(503, text="Service Unavailable"), SourceStatus.UNAVAILABLE),
        (httpx.Response(500), SourceStatus.ERROR),
        (httpx.Response(200, text="<html>maintenance</html>"), SourceStatus.ERROR),
        (httpx.Response(200, json={"metaData": {"code": "500"}}), SourceStatus.ERROR),
        (
            httpx.Response(
                200, json={"metaData": {"code": "200"}, "response": {"peserta": {"nik": MEMBER}}}
            ),
            SourceStatus.ERROR,
        ),
    ],
)
async def test_backend_failures_reach_the_caller_as_source_statuses(
    on_path: Path, reply: httpx.Response, status: SourceStatus
) -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda _: reply)) as http:
        adapter = _adapter_on(http)
        result = await call_agency(
            CODE, "memberships", lambda: adapter.list_memberships(MEMBER), 2.0
        )

    assert result.status is status
    assert result.detail
    assert not result.detail.startswith("adapter failed"), "left to the gateway's catch-all"


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory,
    _fresh_external_database: None,
    installed: Path,
    backend: Process,
) -> Iterator[Stack]:
    database_url = os.environ.get("DATABASE_URL") or (
        f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('gateway')}/gateway.db"
    )
    planned = plan(
        database_url,
        gateway_port=free_port(),
        agency_ports={},
        gateway_env={
            "PYTHONPATH": _pythonpath(installed),
            f"SATUPINTU_AGENCIES__{CODE.upper()}__BASE_URL": backend.url,
        },
        secrets=RUN_SECRETS_ENV,
    )
    with running(planned) as started:
        yield started


def test_gateway_lists_the_agency_and_its_service(gateway: Stack, backend: Process) -> None:
    agencies = httpx.get(
        f"{gateway.gateway.url}/v1/agencies", headers=gateway.officer_headers(), timeout=10
    )
    services = httpx.get(f"{gateway.gateway.url}/v1/services", timeout=10)

    assert agencies.status_code == 200, agencies.text
    bpjs = {item["code"]: item for item in agencies.json()["items"]}[CODE]
    assert bpjs["level"] == "central"
    assert bpjs["adapter_version"] == "0.1.0"
    assert bpjs["capabilities"] == [Capability.SOCIAL_SECURITY_MEMBERSHIPS.value]
    assert bpjs["services"] == [SERVICE]
    assert bpjs["endpoint"]["base_url"].rstrip("/") == backend.url
    assert bpjs["enabled"] is True
    assert bpjs["health"]["status"] == "up", bpjs["health"]
    assert services.status_code == 200, services.text
    service = {item["code"]: item for item in services.json()["items"]}[SERVICE]
    assert CODE in service["agencies"]
    assert service["category"] == "health"
    assert service["fee"] == "Gratis"
    assert any("40/2004" in basis for basis in service["legal_basis"])


def guide_commands() -> list[str]:
    return re.findall(r"^```sh guide\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), re.M | re.S)


def _layered_venv(venv: Path) -> Path:
    """A fresh virtualenv that sees everything in the project's `.venv` but installs into its
    own site-packages: the guide's `.venv/bin/pip install` then changes only this one.

    `--system-site-packages` would expose the base interpreter's packages, not `.venv`'s, so a
    `.pth` line adds `.venv`'s site-packages (processing its own `.pth` files, among them the
    gateway's editable install), and `.venv`'s console scripts are copied with their
    interpreter line pointing here."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    shared_site = sysconfig.get_path("purelib")
    (site / "_satupintu_dev.pth").write_text(
        f"import site; site.addsitedir({shared_site!r})\n", encoding="utf-8"
    )
    shared_bin = Path(sys.prefix) / "bin"
    for script in shared_bin.iterdir():
        copy = venv / "bin" / script.name
        if copy.exists() or not script.is_file():
            continue
        with script.open("rb") as stream:
            first = stream.readline()
        if not first.startswith(f"#!{shared_bin}/python".encode()):
            continue
        rest = script.read_bytes()[len(first) :]
        copy.write_bytes(f"#!{venv}/bin/python\n".encode() + rest)
        copy.chmod(0o755)
    return site


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def _stop_group(pgid: int) -> None:
    """The guide starts its sandbox in the background; whatever became of the script, no
    process of its group may outlive the test."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        ends_at = time.monotonic() + 5
        while time.monotonic() < ends_at:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def test_guide_walkthrough_runs_word_by_word(tmp_path: Path) -> None:
    commands = guide_commands()
    assert any("pip install ./examples/satupintu-bpjs-adapter" in c for c in commands)
    assert any(f"satupintu adapters check {CODE}" in c for c in commands)
    if not _port_free(GUIDE_PORT):
        pytest.fail(f"the guide's sandbox port {GUIDE_PORT} is taken; free it and run again")
    workdir = _copy_example(tmp_path / "checkout")
    site = _layered_venv(workdir / ".venv")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "DATABASE_URL"}
        and not key.startswith("SATUPINTU_")
    }
    script = "set -euxo pipefail\n" + "\n".join(commands)
    log = tmp_path / "guide.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["bash", "-c", script],
            cwd=workdir,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            returncode = process.wait(timeout=180)
        finally:
            process.kill()
            _stop_group(process.pid)
    transcript = log.read_text(encoding="utf-8", errors="replace")

    assert returncode == 0, transcript
    assert "0001234567890" in transcript, transcript
    assert (site / "satupintu_bpjs").is_dir()
