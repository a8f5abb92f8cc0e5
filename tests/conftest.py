"""Shared fixtures: the real simulators behind the real gateway, in process for speed.

Agency calls go through the gateway's adapters and httpx exactly as in production; only the
socket is replaced by httpx's ASGI transport, mounted per agency host. A recording transport
counts what reached each agency, so tests can prove that bad input called nobody.
"""

import asyncio
import gc
import itertools
import logging
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from inspect import isasyncgenfunction, isgeneratorfunction
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import insert, inspect, make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from app.audit.chain import GENESIS
from app.auth.scopes import ClientKind, Scope
from app.auth.tokens import TokenClaims
from app.bus.registry import InstanceSpec
from app.config import AgencyEndpoint, Settings
from app.db.migrate import downgrade, upgrade
from app.db.models import AuditChainHead, Base
from app.main import create_app
from app.observability import log_handler
from app.secret_settings import fresh_secrets
from simulators.civil_registry.app import create_app as civil_registry_app
from simulators.investment_licensing.app import create_app as investment_licensing_app
from simulators.stack import AGENCY_PORTS, DECLARED_AT_START, Stack, free_port, plan, running
from simulators.vehicle_tax.app import create_app as vehicle_tax_app
from simulators.world import Persona
from simulators.world import personas as demo_personas
from tests.socket_agencies import SocketAgencies

AGENCY_HOSTS = {
    "civil_registry": "http://civil-registry.test",
    "vehicle_tax": "http://vehicle-tax.test",
    "investment_licensing": "http://investment-licensing.test",
}
SIMULATOR_FACTORIES = {
    "civil_registry": civil_registry_app,
    "vehicle_tax": vehicle_tax_app,
    "investment_licensing": investment_licensing_app,
}
# A second vehicle-tax backend, for moving an agency to a new endpoint.
SPARE_VEHICLE_TAX = "http://vehicle-tax-b.test"
RUN_DATABASE = os.environ.get("DATABASE_URL")
"""The database server the run was pointed at (CI's PostgreSQL), if any."""
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def _of_this_worker(url: str | None) -> str | None:
    """Under pytest-xdist every worker has a database of its own on the same server, named after
    the run's and the worker (`satupintu_ci_gw0`): each test empties the tables it starts from,
    which on one shared database would pull rows from under another worker's test."""
    if not url or not XDIST_WORKER:
        return url
    parsed = make_url(url)
    database = f"{parsed.database}_{XDIST_WORKER}"
    return parsed.set(database=database).render_as_string(hide_password=False)


EXTERNAL_DATABASE = _of_this_worker(RUN_DATABASE)
if EXTERNAL_DATABASE:
    # Tests, and the processes they start, that read the variable get this worker's database.
    os.environ["DATABASE_URL"] = EXTERNAL_DATABASE
GATEWAY_URL = "http://gateway.test"
RUN_SECRETS_ENV = fresh_secrets()
"""This run's secrets by variable name, for gateways started as processes: on a shared
database (CI's PostgreSQL) every gateway of the run must decrypt the signing keys the first
one stored."""
RUN_SECRETS = {
    name.removeprefix("SATUPINTU_").lower(): SecretStr(value)
    for name, value in RUN_SECRETS_ENV.items()
}
"""Made fresh for each run, so no secret a test uses is ever committed or shared."""


class RecordingTransport(httpx.AsyncBaseTransport):
    """Counts requests per agency host (control calls excluded) on their way through."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, calls: Counter[str], seen: list[httpx.Request]
    ) -> None:
        self._inner = inner
        self._calls = calls
        self._seen = seen

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.startswith("/_control"):
            self._calls[request.url.host] += 1
            self._seen.append(request)
        return await self._inner.handle_async_request(request)


class Agencies:
    """The in-process simulators, their fault controls and what reached them."""

    def __init__(self) -> None:
        self.apps = {code: factory() for code, factory in SIMULATOR_FACTORIES.items()}
        self.calls: Counter[str] = Counter()
        self.requests: list[httpx.Request] = []
        hosts = {**AGENCY_HOSTS, "spare_vehicle_tax": SPARE_VEHICLE_TAX}
        self.apps["spare_vehicle_tax"] = vehicle_tax_app()
        self.http = httpx.AsyncClient(
            mounts={
                host: RecordingTransport(
                    httpx.ASGITransport(app=self.apps[code]), self.calls, self.requests
                )
                for code, host in hosts.items()
            }
        )

    def called(self, code: str) -> int:
        host = SPARE_VEHICLE_TAX if code == "spare_vehicle_tax" else AGENCY_HOSTS[code]
        return self.calls[httpx.URL(host).host]

    def total_calls(self) -> int:
        return sum(self.calls.values())

    async def set_faults(self, code: str, **faults: Any) -> None:
        response = await self.http.put(f"{AGENCY_HOSTS[code]}/_control/faults", json=faults)
        response.raise_for_status()

    async def clear_faults(self, code: str) -> None:
        (await self.http.delete(f"{AGENCY_HOSTS[code]}/_control/faults")).raise_for_status()

    async def journal(self, code: str) -> list[dict[str, Any]]:
        """The writes that reached the agency, in arrival order (see simulators.journal)."""
        response = await self.http.get(f"{AGENCY_HOSTS[code]}/_control/requests")
        entries: list[dict[str, Any]] = response.raise_for_status().json()
        return entries


@pytest.fixture(scope="module")
def socket_agencies() -> Iterator[SocketAgencies]:
    """The simulators on real ports behind the fault proxy, for the faults only a socket can
    show (connection resets); shared by a module's tests, which clear the faults they set."""
    with SocketAgencies(SIMULATOR_FACTORIES) as started:
        yield started


def _in_a_thread(work: Callable[..., Any] | Coroutine[Any, Any, Any], *args: Any) -> None:
    """Run blocking work or a coroutine on a thread of its own, so that it has its own event
    loop whoever calls it: a sync fixture, a hook, or a fixture of an async test."""
    with ThreadPoolExecutor(1) as pool:
        if callable(work):
            pool.submit(work, *args).result()
        else:
            pool.submit(asyncio.run, work).result()


async def _recreate_database(url: str, *, create: bool) -> None:
    """Drop this worker's database (and make it again when `create`), connected through the
    run's own database, the one the server is known to have."""
    assert RUN_DATABASE is not None
    name = make_url(url).database
    server = make_url(RUN_DATABASE)
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()


def _worker_database() -> str | None:
    """This xdist worker's database on the run's server, when it has one of its own (a SQLite
    file, per worker too, needs no making)."""
    if EXTERNAL_DATABASE is None or EXTERNAL_DATABASE == RUN_DATABASE:
        return None
    return None if make_url(EXTERNAL_DATABASE).get_backend_name() == "sqlite" else EXTERNAL_DATABASE


def pytest_sessionstart(session: pytest.Session) -> None:
    """An xdist worker's database exists before any fixture (the browser tests' session stack
    among them) reaches for it; it is made empty, whatever an earlier run left."""
    if database := _worker_database():
        _in_a_thread(_recreate_database(database, create=True))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if database := _worker_database():
        _in_a_thread(_recreate_database(database, create=False))


def _xdist_group(item: pytest.Function) -> str | None:
    """Which tests must run on one xdist worker: those sharing a fixture that outlives a test
    and is costly to make (a stack of processes, a browser, an installed example), which every
    worker running one of them would otherwise make again. A module's shared fixtures group
    its tests; a session fixture groups the tests of its directory when it holds something
    to tear down (the browser tests' stack), not when it only computes a value (a simulated
    world, built in milliseconds). This file's shared fixtures are cheap, made per worker."""
    group = None
    for name in item.fixturenames:
        for definition in item._fixtureinfo.name2fixturedefs.get(name, ()):
            if not definition.baseid or definition.func.__module__ == __name__:
                continue  # a plugin's, or this file's
            if definition.scope in {"module", "class"}:
                group = f"module:{item.nodeid.partition('::')[0]}"
            elif definition.scope in {"session", "package"} and (
                isgeneratorfunction(definition.func) or isasyncgenfunction(definition.func)
            ):
                return f"session:{definition.baseid}"
    return group


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under `--dist loadgroup` (pyproject's addopts) the rest of the tests go one by one to
    whichever worker is free."""
    for item in items:
        if isinstance(item, pytest.Function) and (group := _xdist_group(item)):
            item.add_marker(pytest.mark.xdist_group(group))


LOG_CAPTURE = Path(tempfile.gettempdir()) / f"satupintu-test-logs-{os.getpid()}.jsonl"
UNMASKED_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")


@pytest.fixture(scope="session", autouse=True)
def captured_logs() -> Iterator[Path]:
    """Every log line of the run (of this worker, under xdist), through the gateway's own
    production handler, so a test can prove no NIK leaves unmasked
    (`tests/test_zz_log_privacy.py`). The same check runs on the whole capture when the
    session ends, so that lines logged after that test ran, or by another xdist worker's
    tests, are held to it too: a leak fails the run in this fixture's teardown."""
    with LOG_CAPTURE.open("w", encoding="utf-8") as stream:
        handler = log_handler(stream, "json")
        handler.name = "test-capture"
        logging.getLogger().addHandler(handler)
        yield LOG_CAPTURE
        logging.getLogger().removeHandler(handler)
    leaks = [
        line
        for line in LOG_CAPTURE.read_text(encoding="utf-8").splitlines()
        if UNMASKED_NIK.search(line)
    ]
    LOG_CAPTURE.unlink(missing_ok=True)
    assert leaks == [], f"an unmasked NIK was logged during the run: {leaks[:5]}"


FULL_COLLECTION_EVERY = 10
"""Tests between two full garbage collections of the test process (see `_young_heap`)."""


@pytest.fixture(scope="session")
def _test_numbers() -> Iterator[int]:
    return itertools.count(1)


@pytest.fixture(autouse=True)
def _young_heap(_test_numbers: Iterator[int]) -> None:
    """Every gateway start collects the whole heap before freezing it (`app.heap`). In the
    test process that heap holds the whole suite, every module and collected case, some
    600,000 objects: a third to half a second a start, the largest single cost of the run.
    Frozen here first, the start's collection walks only what this test has made; the
    gateway's stop unfreezes everything again. Frozen with it is the garbage of the tests just
    before, so every tenth test collects fully first: the run's memory stays bounded, and no
    test sees a heap other than one a running gateway has."""
    if next(_test_numbers) % FULL_COLLECTION_EVERY == 0:
        gc.collect()
    gc.freeze()


@pytest.fixture
def settled_heap() -> None:
    """For tests that bound a request's time: collect the garbage earlier tests left (every
    test builds fresh simulators with their own worlds), so a full collection does not land
    inside the measured request."""
    gc.collect()


@pytest.fixture(scope="session")
def _fresh_external_database() -> None:
    """On a shared server (CI's PostgreSQL), start the run from an empty schema."""
    if EXTERNAL_DATABASE:
        downgrade(Settings(database_url=EXTERNAL_DATABASE).database_url, "base")


def _empty_tables(database_url: str) -> None:
    """Every test on the shared server starts from empty tables, as each SQLite test starts
    from a new file: no leftover complaint for a courier to pick up, no tampered audit chain,
    no rows another test's counts would include."""

    async def empty() -> None:
        engine = create_async_engine(database_url)
        async with engine.begin() as conn:
            existing = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            tables = [t.name for t in Base.metadata.sorted_tables if t.name in existing]
            if tables:
                await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            if AuditChainHead.__tablename__ in existing:
                await conn.execute(insert(AuditChainHead).values(id=1, seq=0, hash=GENESIS))
        await engine.dispose()

    _in_a_thread(empty())


@contextmanager
def started_stack(directory: Path, *, agencies: bool = True) -> Iterator[Stack]:
    """The whole system as `make run` starts it, as real processes on free ports: for tests
    of what a reader outside the gateway does (the README's shell, a browser, a TypeScript
    client). The provinces host always runs; `agencies=False` leaves the others out."""
    if EXTERNAL_DATABASE:
        _empty_tables(Settings(database_url=EXTERNAL_DATABASE).database_url)
    planned = plan(
        EXTERNAL_DATABASE or f"sqlite+aiosqlite:///{directory}/gateway.db",
        gateway_port=free_port(),
        agency_ports={code: free_port() for code in AGENCY_PORTS} if agencies else {},
        provinces_port=free_port(),
        secrets=RUN_SECRETS_ENV,
    )
    with running(planned) as started:
        if agencies:
            started.declare(DECLARED_AT_START)
        yield started


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database at the newest revision, migrated once a run. Each test starts from a
    copy, which the gateway finds current, instead of running every migration again (a fifth
    of a second a test); tests/test_migrations.py still runs them down and up from nothing."""
    path = tmp_path_factory.mktemp("migrated") / "gateway.db"
    _in_a_thread(upgrade, f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def database_url(tmp_path, _fresh_external_database, _migrated_sqlite) -> str:
    if EXTERNAL_DATABASE:
        url = Settings(database_url=EXTERNAL_DATABASE).database_url
        _empty_tables(url)
        return url
    shutil.copyfile(_migrated_sqlite, tmp_path / "gateway.db")
    return f"sqlite+aiosqlite:///{tmp_path}/gateway.db"


@pytest.fixture
async def agencies() -> AsyncIterator[Agencies]:
    agencies = Agencies()
    yield agencies
    await agencies.http.aclose()


def instance_specs(endpoints: dict[str, AgencyEndpoint]) -> list[InstanceSpec]:
    """One national instance per endpoint, each speaking the kind of its code."""
    return [InstanceSpec(code=code, kind=code, endpoint=e) for code, e in endpoints.items()]


FRONTEND_ORIGINS = ["https://portal.example.id", "https://portal.example.go.id"]
"""The browser frontends the test gateway, a production one, allows (CORS)."""


def gateway_settings(
    database_url: str, timeout_ms: int = 1000, deadline_ms: int = 2000, **overrides: Any
) -> Settings:
    return Settings(
        database_url=database_url,
        request_deadline_ms=deadline_ms,
        worker_poll_interval_ms=50,
        agency_refresh_interval_ms=50,
        worker_retry_base_ms=100,
        **{
            "public_url": GATEWAY_URL,
            "cors_allow_origins": FRONTEND_ORIGINS,
            **RUN_SECRETS,
            **overrides,
        },
        default_agencies=False,
        agencies={
            code: AgencyEndpoint(
                base_url=host,
                timeout_ms=timeout_ms,
                username="satupintu" if code == "civil_registry" else None,
                password=SecretStr("satupintu-demo") if code == "civil_registry" else None,
            )
            for code, host in AGENCY_HOSTS.items()
        },
    )


@pytest.fixture
def settings(database_url) -> Settings:
    return gateway_settings(database_url)


@pytest.fixture
async def gateway_app(settings, agencies) -> AsyncIterator[FastAPI]:
    app = create_app(settings, http_client=agencies.http)
    async with app.router.lifespan_context(app):
        yield app


async def credentials(
    app: FastAPI,
    scopes: Iterable[str] = frozenset(Scope),
    kind: ClientKind | None = None,
    subject_nik: str | None = None,
    purpose: str | None = "automated test",
    name: str = "test officer",
) -> dict[str, str]:
    """Headers of a freshly registered client: a token signed by the app itself, as the token
    endpoint would issue it (the endpoint has its own tests). A subject makes it a portal."""
    kind = kind or (ClientKind.PORTAL if subject_nik else ClientKind.OFFICER)
    issued = await app.state.clients.create(name, kind, scopes)
    claims = TokenClaims(issued.client.client_id, kind, issued.client.scopes, subject_nik)
    headers = {"Authorization": f"Bearer {app.state.token_issuer.issue(claims)}"}
    if purpose:
        headers["X-Purpose"] = purpose
    return headers


@asynccontextmanager
async def client_of(
    app: FastAPI, headers: dict[str, str] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the in-process gateway; by default an officer with every scope."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=GATEWAY_URL,
        headers=headers if headers is not None else await credentials(app),
    ) as client:
        yield client


@pytest.fixture
async def gateway(gateway_app) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(gateway_app) as client:
        yield client


@pytest.fixture
async def admin(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An agency administrator's client of the test module's own `app`."""
    headers = await credentials(app, [Scope.AGENCIES_ADMIN], purpose=None, name="bpjs admin")
    async with client_of(app, headers) as client:
        yield client


@pytest.fixture(scope="session")
def personas() -> dict[str, Persona]:
    return demo_personas()
