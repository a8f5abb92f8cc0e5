"""Shared fixtures: the real simulators behind the real gateway, in process for speed.

Agency calls go through the gateway's adapters and httpx exactly as in production; only the
socket is replaced by httpx's ASGI transport, mounted per agency host. A recording transport
counts what reached each agency, so tests can prove that bad input called nobody.
"""

import asyncio
import gc
import logging
import os
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import insert, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from app.audit.chain import GENESIS
from app.auth.scopes import ClientKind, Scope
from app.auth.tokens import TokenClaims
from app.bus.registry import InstanceSpec
from app.config import AgencyEndpoint, Settings
from app.db.migrate import downgrade
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
EXTERNAL_DATABASE = os.environ.get("DATABASE_URL")
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


LOG_CAPTURE = Path(tempfile.gettempdir()) / f"satupintu-test-logs-{os.getpid()}.jsonl"


@pytest.fixture(scope="session", autouse=True)
def captured_logs() -> Iterator[Path]:
    """Every log line of the run, through the gateway's own production handler, so a test can
    prove no NIK leaves unmasked (`tests/test_zz_log_privacy.py`)."""
    with LOG_CAPTURE.open("w", encoding="utf-8") as stream:
        handler = log_handler(stream, "json")
        handler.name = "test-capture"
        logging.getLogger().addHandler(handler)
        yield LOG_CAPTURE
        logging.getLogger().removeHandler(handler)
    LOG_CAPTURE.unlink(missing_ok=True)


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

    with ThreadPoolExecutor(1) as pool:  # a loop of its own, whoever calls the fixture
        pool.submit(asyncio.run, empty()).result()


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


@pytest.fixture
def database_url(tmp_path, _fresh_external_database) -> str:
    if EXTERNAL_DATABASE:
        url = Settings(database_url=EXTERNAL_DATABASE).database_url
        _empty_tables(url)
        return url
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


@pytest.fixture(scope="session")
def personas() -> dict[str, Persona]:
    return demo_personas()
