"""An adapter shipped as its own package joins the gateway through its entry point alone, and
fetches a data product its declaration names it for.

The example package is installed outside the shared `.venv` (a `--target` directory, or a
throwaway virtualenv layered on top of `.venv`), so no other test ever sees it, and nothing in
`app/` is touched: discovery, the gateway process and the guide's own commands all find it the
way an operator's installation would. Its backend is the gateway's own BPJS Kesehatan simulator
on a real port; the same product declared with no code (`declarations/health_insurance.json`)
must give the same records from it, which is what lets an operator choose either.
"""

import datetime as dt
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from app.adapters.base import (
    AdapterContext,
    AgencyAdapter,
    AgencyNotFound,
    ProductSource,
)
from app.agencies.conformance import check_agency
from app.bus.calls import call_agency
from app.bus.registry import AdapterRegistry, InstanceSpec
from app.config import AgencyEndpoint
from app.products.catalog import DataProduct
from app.products.conformance import builder, check_declaration
from app.products.declaration import ProductDeclaration
from app.products.declared_adapter import declared_kind
from app.products.secrets import SecretResolver
from app.schemas.sources import SourceStatus
from simulators.bpjs_kesehatan.members import FIXED, NOT_MEMBERS
from simulators.stack import (
    HOST,
    PRODUCT_HOSTS,
    Process,
    Stack,
    declaration_for,
    free_port,
    plan,
    running,
)
from tests.conftest import RUN_SECRETS_ENV

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = Path("examples") / "satupintu-bpjs-adapter"
EXAMPLE_DECLARATION = REPO / EXAMPLE / "health_insurance.json"
DECLARATION = REPO / "declarations" / "health_insurance.json"
GUIDE = REPO / "docs" / "adapters.md"
GUIDE_PORT = 8110
CODE = "bpjs_kesehatan"
PRODUCT = "health_insurance"
CAPABILITY = f"product:{PRODUCT}"
SECRET_ENV = "SATUPINTU_AGENCY_SECRET_BPJS_CONS_KEY"
MEMBER = "3374091203840001"
NOT_A_MEMBER = "3471073006980001"
KEY = secrets.token_urlsafe(24)


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
def backend() -> Iterator[Process]:
    """The gateway repository's BPJS Kesehatan simulator, as `make run` starts it."""
    simulator = PRODUCT_HOSTS[CODE]
    process = Process(
        "bpjs kesehatan",
        simulator.target,
        free_port(),
        simulator.health_path,
        {**simulator.env, "SIM_API_KEY": KEY},
    )
    try:
        process.start()
        process.wait_ready()
        yield process
    finally:
        process.stop()


def _base_url(backend: Process) -> str:
    return f"{backend.url}/vclaim-rest"


def _declaration(path: Path, backend: Process) -> DataProduct:
    """A declaration file with its source moved to the test's simulator, path kept."""
    document = json.loads(path.read_text(encoding="utf-8"))
    [source] = document["sources"]
    source["base_url"] = _base_url(backend)
    declaration = ProductDeclaration.model_validate(document)
    return DataProduct(declaration, 1, dt.datetime.now(dt.UTC), "test")


@pytest.fixture
async def registry(on_path: Path, backend: Process) -> AsyncIterator[AdapterRegistry]:
    """The entry points as the gateway discovers them, the example's among them; its kind
    has no instance of its own: a declaration makes one."""
    async with httpx.AsyncClient() as http:
        yield AdapterRegistry.discover([], http)


def _product_adapters(
    registry: AdapterRegistry, backend: Process, http: httpx.AsyncClient
) -> dict[str, Any]:
    """The product's one source built three ways: the installed adapter itself, the example's
    declaration (which names it), and the declarative declaration (no code)."""
    resolver = SecretResolver({SECRET_ENV: KEY})
    endpoint = AgencyEndpoint(base_url=_base_url(backend), password=SecretStr(KEY))
    kind = registry.kind(CODE)
    assert kind is not None
    built = {"installed adapter": kind.factory(AdapterContext(CODE, endpoint, http))}
    for label, path in (("example declaration", EXAMPLE_DECLARATION), ("declared", DECLARATION)):
        product = _declaration(path, backend)
        [source] = product.declaration.sources
        built[label] = builder(declared_kind(product, registry.kind, resolver), http)(source)
    return built


async def test_registry_discovers_the_installed_package(
    registry: AdapterRegistry, on_path: Path, backend: Process, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Configured as an instance of its own with no password, it takes the consumer key from
    the gateway's environment, where the declaration's `secret_ref` also points."""
    monkeypatch.setenv(SECRET_ENV, KEY)
    kind = registry.kind(CODE)
    assert kind is not None
    assert kind.version == "0.1.0"
    registry.configure(
        InstanceSpec(code=CODE, kind=CODE, endpoint=AgencyEndpoint(base_url=_base_url(backend)))
    )
    provider = registry.provider(CAPABILITY, ProductSource)
    agency = registry.agency(CODE)

    assert agency is not None
    assert type(agency.adapter).__module__ == "satupintu_bpjs.adapter"
    assert str(on_path) in (sys.modules["satupintu_bpjs.adapter"].__file__ or "")
    assert isinstance(agency.adapter, AgencyAdapter)
    assert provider is not None
    assert provider.agency.code == CODE
    await agency.adapter.health()
    record = await provider.impl.fetch_product(PRODUCT, MEMBER)
    with pytest.raises(AgencyNotFound):
        await provider.impl.fetch_product(PRODUCT, NOT_A_MEMBER)
    assert record["card_number"] == FIXED[MEMBER].card
    assert record["status"] == "active"
    assert record["participant_type"] == "pbi_apbn"


async def test_the_adapter_check_passes_against_the_simulator(
    registry: AdapterRegistry, backend: Process
) -> None:
    endpoint = AgencyEndpoint(base_url=_base_url(backend), password=SecretStr(KEY))
    results = await check_agency(registry, InstanceSpec(code=CODE, kind=CODE, endpoint=endpoint))

    assert [r for r in results if not r.passed] == []
    assert {r.name for r in results} >= {
        "contract",
        "health",
        f"{CAPABILITY}: records of the known NIK",
        f"{CAPABILITY}: unknown NIK",
        "a timeout is reported as timeout",
    }


def test_the_example_declaration_is_the_declarative_one_but_its_fetch() -> None:
    """An operator chooses code or declaration for the same published contract."""
    example = json.loads(EXAMPLE_DECLARATION.read_text(encoding="utf-8"))
    declarative = json.loads(DECLARATION.read_text(encoding="utf-8"))

    assert example.pop("fetch") == {"adapter": CODE}
    assert "request" in declarative.pop("fetch")
    assert example == declarative


async def test_code_and_declaration_give_the_same_records(
    registry: AdapterRegistry, backend: Process, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every fixed member of the simulator (each status and segment it has) and the ones it
    does not hold, through the Python adapter, its declaration, and the declaration without
    code: the same record, or the same not found."""
    monkeypatch.setenv(SECRET_ENV, KEY)
    niks = [*FIXED, *sorted(NOT_MEMBERS)]
    async with httpx.AsyncClient() as http:
        adapters = _product_adapters(registry, backend, http)
        answers: dict[str, list[Any]] = {label: [] for label in adapters}
        for nik in niks:
            for label, adapter in adapters.items():
                try:
                    answers[label].append(await adapter.fetch_product(PRODUCT, nik))
                except AgencyNotFound:
                    answers[label].append("not found")

    statuses = {a["status"] for a in answers["declared"] if isinstance(a, dict)}
    assert statuses == {"active", "suspended", "deceased"}
    assert answers["declared"].count("not found") == len(NOT_MEMBERS)
    assert answers["installed adapter"] == answers["declared"]
    assert answers["example declaration"] == answers["declared"]


async def test_the_example_declaration_passes_the_product_conformance(
    registry: AdapterRegistry, backend: Process, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `satupintu products apply` runs before storing it: the installed adapter's records
    for the declaration's fixtures, checked against the declared schema."""
    monkeypatch.setenv(SECRET_ENV, KEY)
    product = _declaration(EXAMPLE_DECLARATION, backend)
    async with httpx.AsyncClient() as http:
        kind = declared_kind(product, registry.kind, SecretResolver(os.environ))
        results = await check_declaration(product, builder(kind, http))

    assert results
    assert [r for r in results if not r.passed] == []


def test_nothing_in_the_gateway_names_the_example() -> None:
    sources = [*(REPO / "app").rglob("*.py"), REPO / "pyproject.toml"]
    assert not [p for p in sources if "satupintu_bpjs" in p.read_text(encoding="utf-8")]


def _adapter_on(http: httpx.AsyncClient) -> Any:
    """The installed factory on a scripted backend: the faults a simulator is not asked for."""
    factory = next(k.factory for k in AdapterRegistry.discover([], http).kinds() if k.code == CODE)
    endpoint = AgencyEndpoint(base_url="http://bpjs.test/vclaim-rest", password=SecretStr(KEY))
    return factory(AdapterContext(CODE, endpoint, http))


def _vclaim(code: str, response: Any = None) -> httpx.Response:
    return httpx.Response(
        200, json={"metaData": {"code": code, "message": "x"}, "response": response}
    )


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        (httpx.Response(503, text="Service Unavailable"), SourceStatus.UNAVAILABLE),
        (httpx.Response(500), SourceStatus.ERROR),
        (httpx.Response(200, text="<html>maintenance</html>"), SourceStatus.ERROR),
        (_vclaim("401"), SourceStatus.UNAVAILABLE),
        (httpx.Response(401, text="Unauthorized"), SourceStatus.UNAVAILABLE),
        (_vclaim("500"), SourceStatus.ERROR),
        (_vclaim("201"), SourceStatus.NOT_FOUND),
        (_vclaim("200", {"peserta": {"nik": MEMBER}}), SourceStatus.ERROR),
    ],
)
async def test_backend_failures_reach_the_caller_as_source_statuses(
    on_path: Path, reply: httpx.Response, status: SourceStatus
) -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return reply

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        adapter = _adapter_on(http)
        result = await call_agency(
            CODE, PRODUCT, lambda: adapter.fetch_product(PRODUCT, MEMBER), 2.0
        )

    assert result.status is status
    assert result.detail
    assert not result.detail.startswith("adapter failed"), "left to the gateway's catch-all"
    assert [r.url.path for r in sent] == [f"/vclaim-rest/peserta/nik/{MEMBER}"]
    assert sent[0].headers["X-Cons-Key"] == KEY


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory, _fresh_external_database: None, installed: Path
) -> Iterator[Stack]:
    """A gateway process with the package on its path, and the BPJS Kesehatan simulator the
    stack starts with a key of its own, which only the gateway's environment holds."""
    database_url = os.environ.get("DATABASE_URL") or (
        f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('gateway')}/gateway.db"
    )
    planned = plan(
        database_url,
        gateway_port=free_port(),
        agency_ports={},
        gateway_env={"PYTHONPATH": _pythonpath(installed)},
        secrets=RUN_SECRETS_ENV,
    )
    with running(planned) as started:
        yield started


def test_the_gateway_serves_the_product_by_code_then_by_declaration(gateway: Stack) -> None:
    """The operator's choice, made twice on a running gateway: the example's declaration
    (the installed adapter fetches), then the declarative one as the next version; clients
    read the same records either way."""
    url = gateway.gateway.url
    headers = gateway.officer_headers()
    by_code = declaration_for(PRODUCT, gateway)
    by_code["fetch"] = json.loads(EXAMPLE_DECLARATION.read_text(encoding="utf-8"))["fetch"]
    records_url = f"{url}/v1/data-products/{PRODUCT}/records/{MEMBER}"

    registered = httpx.put(
        f"{url}/v1/data-products/{PRODUCT}", json=by_code, headers=headers, timeout=30
    )
    agencies = httpx.get(f"{url}/v1/agencies", headers=headers, timeout=10)
    first = httpx.get(records_url, headers=headers, timeout=10)
    declared = httpx.put(
        f"{url}/v1/data-products/{PRODUCT}",
        json=declaration_for(PRODUCT, gateway),
        headers=headers,
        timeout=30,
    )
    second = httpx.get(records_url, headers=headers, timeout=10)

    assert registered.status_code == 201, registered.text
    assert agencies.status_code == 200, agencies.text
    bpjs = {item["code"]: item for item in agencies.json()["items"]}[CODE]
    assert set(bpjs["capabilities"]) == {CAPABILITY, "complaint.intake"}
    assert first.status_code == 200, first.text
    assert first.json()["records"]["card_number"] == FIXED[MEMBER].card
    assert declared.status_code == 200, declared.text
    assert second.status_code == 200, second.text
    assert second.json()["records"] == first.json()["records"]


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
    """The guide starts its simulator in the background; whatever became of the script, no
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
    assert any(
        f"satupintu products apply {EXAMPLE.as_posix()}/{PRODUCT}.json" in c for c in commands
    )
    if not _port_free(GUIDE_PORT):
        pytest.fail(f"the guide's simulator port {GUIDE_PORT} is taken; free it and run again")
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
    assert FIXED[MEMBER].card in transcript, transcript
    assert re.search(rf"^{PRODUCT}: .*version 1\b", transcript, re.M), transcript
    assert (site / "satupintu_bpjs").is_dir()
