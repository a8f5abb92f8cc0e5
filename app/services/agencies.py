"""Agency administration: see every agency on the bus, and point one at a new endpoint.

Every URL sent through the API is checked before it is stored (URL policy: an operator's own
configuration is trusted, an administrator's request is not), then checked by running the
conformance suite against it when it is to be enabled, stored with who changed what, and then
takes traffic from the next request on, in this process at once and in every other process
within `agency_refresh_interval_ms` (they watch the table).
"""

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.agencies.conformance import check_agency
from app.agencies.endpoint_policy import EndpointPolicy, EndpointRefused
from app.agencies.secrets import SecretBox
from app.bus.calls import call_agency
from app.bus.registry import AdapterRegistry, Installed
from app.config import AgencyEndpoint
from app.db.models import AgencySettingChange, AgencySettingRecord
from app.periodic import Every
from app.problems import ProblemError, ProblemKind
from app.schemas.agencies import (
    AgencyList,
    AgencyView,
    EndpointPatch,
    EndpointUpdate,
    EndpointView,
)
from app.schemas.problem import FieldError
from app.schemas.responses import AgencyHealthReport
from app.schemas.sources import SourceStatus
from app.services.context import Caller

log = logging.getLogger(__name__)

HEALTH_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class AgencyAdmin:
    sessions: async_sessionmaker[AsyncSession]
    registry: AdapterRegistry
    secrets: SecretBox
    url_policy: EndpointPolicy


async def _health(admin: AgencyAdmin, code: str) -> AgencyHealthReport:
    agency = admin.registry.agency(code)
    if agency is None:
        return AgencyHealthReport(status="unconfigured")
    if not agency.endpoint.enabled:
        return AgencyHealthReport(status="disabled")
    result = await call_agency(code, "health", agency.adapter.health, HEALTH_TIMEOUT_S)
    if result.status is SourceStatus.OK:
        return AgencyHealthReport(status="up", latency_ms=result.latency_ms)
    return AgencyHealthReport(status="down", latency_ms=result.latency_ms, detail=result.detail)


def _view(
    admin: AgencyAdmin,
    installed: Installed,
    health: AgencyHealthReport,
    record: AgencySettingRecord | None,
) -> AgencyView:
    agency = admin.registry.agency(installed.code)
    endpoint = agency.endpoint if agency else None
    return AgencyView(
        code=installed.code,
        name=installed.describe("name", installed.code),
        level=str(installed.describe("level", "unknown")),
        adapter_version=installed.version,
        capabilities=sorted(str(c) for c in installed.describe("capabilities", ())),
        services=[s.code for s in installed.describe("services", ())],
        endpoint=EndpointView(
            base_url=endpoint.base_url,
            timeout_ms=endpoint.timeout_ms,
            username=endpoint.username,
            password_set=endpoint.password is not None,
        )
        if endpoint
        else None,
        enabled=bool(endpoint and endpoint.enabled),
        health=health,
        updated_at=record.updated_at if record else None,
        updated_by=record.updated_by if record else None,
    )


def _installed(admin: AgencyAdmin, code: str) -> Installed:
    for installed in admin.registry.installed():
        if installed.code == code:
            return installed
    raise ProblemError(ProblemKind.AGENCY_NOT_FOUND, f"no adapter {code!r} is installed")


async def list_agencies(admin: AgencyAdmin) -> AgencyList:
    installed = sorted(admin.registry.installed(), key=lambda i: i.code)
    healths = await asyncio.gather(*(_health(admin, i.code) for i in installed))
    async with admin.sessions() as session:
        records = {r.code: r for r in (await session.scalars(select(AgencySettingRecord))).all()}
    return AgencyList(
        items=[
            _view(admin, i, h, records.get(i.code)) for i, h in zip(installed, healths, strict=True)
        ]
    )


async def get_agency(admin: AgencyAdmin, code: str) -> AgencyView:
    installed = _installed(admin, code)
    async with admin.sessions() as session:
        record = await session.get(AgencySettingRecord, code)
    return _view(admin, installed, await _health(admin, code), record)


async def replace_endpoint(
    admin: AgencyAdmin, caller: Caller, code: str, update: EndpointUpdate
) -> AgencyView:
    _installed(admin, code)
    endpoint = AgencyEndpoint(**update.model_dump())
    return await _apply(admin, caller, code, endpoint, update.model_dump(exclude_unset=True))


async def change_endpoint(
    admin: AgencyAdmin, caller: Caller, code: str, patch: EndpointPatch
) -> AgencyView:
    _installed(admin, code)
    changes = patch.model_dump(exclude_unset=True)
    current = admin.registry.agency(code)
    if current is None and "base_url" not in changes:
        raise ProblemError(
            ProblemKind.VALIDATION,
            "base_url: required while the agency has no endpoint",
            errors=[FieldError(field="base_url", location="body", message="required")],
        )
    base = current.endpoint.model_dump() if current else {}
    endpoint = AgencyEndpoint(**{**base, **changes})
    return await _apply(admin, caller, code, endpoint, changes)


async def _apply(
    admin: AgencyAdmin,
    caller: Caller,
    code: str,
    endpoint: AgencyEndpoint,
    changes: dict[str, Any],
) -> AgencyView:
    if "base_url" in changes:
        try:
            await admin.url_policy.check_url(endpoint.base_url)
        except EndpointRefused as exc:
            raise ProblemError(
                ProblemKind.ENDPOINT_REFUSED,
                str(exc),
                errors=[FieldError(field="base_url", location="body", message=str(exc))],
            ) from exc
    if endpoint.enabled:
        results = await check_agency(admin.registry, code, endpoint)
        failures = [{"check": r.name, "detail": r.detail} for r in results if not r.passed]
        if failures:
            raise ProblemError(
                ProblemKind.CONFORMANCE_FAILED,
                f"{len(failures)} of {len(results)} conformance checks failed; not enabled",
                extensions={"failures": failures},
            )
    await _store(admin, caller, code, endpoint, changes)
    admin.registry.configure(code, endpoint)
    return await get_agency(admin, code)


async def _store(
    admin: AgencyAdmin,
    caller: Caller,
    code: str,
    endpoint: AgencyEndpoint,
    changes: dict[str, Any],
) -> None:
    at = dt.datetime.now(dt.UTC)
    password = endpoint.password.get_secret_value() if endpoint.password else None
    async with admin.sessions.begin() as session:
        record = await session.get(AgencySettingRecord, code) or AgencySettingRecord(code=code)
        record.base_url = endpoint.base_url
        record.timeout_ms = endpoint.timeout_ms
        record.enabled = endpoint.enabled
        record.username = endpoint.username
        record.password_encrypted = admin.secrets.seal(password) if password else None
        record.updated_at = at
        record.updated_by = caller.client_id
        session.add(record)
        shown = {k: ("(changed)" if k == "password" else v) for k, v in changes.items()}
        session.add(
            AgencySettingChange(
                code=code, changed_at=at, changed_by=caller.client_id, changes=shown
            )
        )


async def stored_endpoints(
    sessions: async_sessionmaker[AsyncSession], secrets: SecretBox
) -> dict[str, AgencyEndpoint]:
    async with sessions() as session:
        records = (await session.scalars(select(AgencySettingRecord))).all()
    return {
        r.code: AgencyEndpoint(
            base_url=r.base_url,
            timeout_ms=r.timeout_ms,
            enabled=r.enabled,
            username=r.username,
            password=SecretStr(secrets.open(r.password_encrypted))
            if r.password_encrypted
            else None,
        )
        for r in records
    }


class EndpointWatcher:
    """Keeps this process's registry in step with endpoint changes made by other processes."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        registry: AdapterRegistry,
        secrets: SecretBox,
        interval_s: float,
    ) -> None:
        self._sessions = sessions
        self._registry = registry
        self._secrets = secrets
        self._seen: dt.datetime | None = None
        self._loop = Every(
            interval_s,
            self.sync,
            "agency-endpoint-watcher",
            "agency endpoint changes could not be read",
            log,
        )

    async def sync(self) -> None:
        async with self._sessions() as session:
            latest = await session.scalar(select(func.max(AgencySettingRecord.updated_at)))
        if latest is None or latest == self._seen:
            return
        installed = {i.code for i in self._registry.installed()}
        for code, endpoint in (await stored_endpoints(self._sessions, self._secrets)).items():
            current = self._registry.agency(code)
            if code in installed and (current is None or current.endpoint != endpoint):
                self._registry.configure(code, endpoint)
        self._seen = latest

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
