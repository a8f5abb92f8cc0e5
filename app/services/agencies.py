"""Agency administration: every instance on the bus, registering one at run time, pointing one
at a new endpoint, and taking one off.

Every URL sent through the API is checked before it is stored (URL policy: an operator's own
configuration is trusted, an administrator's request is not), then checked by running the
conformance suite against it when it is to be enabled, stored with who changed what, and then
takes traffic from the next request on, in this process at once and in every other process
within `agency_refresh_interval_ms` (they watch the table).
"""

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, replace
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.adapters.base import ConformanceFixtures
from app.agencies.conformance import check_agency
from app.agencies.endpoint_policy import EndpointPolicy, EndpointRefused
from app.agencies.jurisdiction import Jurisdiction
from app.agencies.secrets import SecretBox
from app.bus.calls import call_agency
from app.bus.registry import AdapterRegistry, Agency, InstanceSpec
from app.config import AgencyEndpoint
from app.db.models import AgencySettingChange, AgencySettingRecord, DataProductClaim
from app.periodic import Every
from app.problems import ProblemError, ProblemKind
from app.schemas.agencies import (
    AgencyList,
    AgencyRegistration,
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
    #: The instances the operator configured, before any change through the API.
    configured: dict[str, InstanceSpec]


async def _health(agency: Agency) -> AgencyHealthReport:
    if not agency.endpoint.enabled:
        return AgencyHealthReport(status="disabled")
    result = await call_agency(agency.code, "health", agency.adapter.health, HEALTH_TIMEOUT_S)
    if result.status is SourceStatus.OK:
        return AgencyHealthReport(status="up", latency_ms=result.latency_ms)
    return AgencyHealthReport(status="down", latency_ms=result.latency_ms, detail=result.detail)


def _view(
    agency: Agency, health: AgencyHealthReport, record: AgencySettingRecord | None
) -> AgencyView:
    endpoint = agency.endpoint
    return AgencyView(
        code=agency.code,
        name=agency.name,
        kind=agency.kind,
        level=agency.level,
        jurisdiction=agency.jurisdiction.as_list(),
        adapter_version=agency.version,
        capabilities=sorted(str(c) for c in agency.adapter.capabilities),
        services=[s.code for s in agency.adapter.services],
        endpoint=EndpointView(
            base_url=endpoint.base_url,
            timeout_ms=endpoint.timeout_ms,
            username=endpoint.username,
            password_set=endpoint.password is not None,
        ),
        enabled=endpoint.enabled,
        health=health,
        updated_at=record.updated_at if record else None,
        updated_by=record.updated_by if record else None,
        registered_at_run_time=bool(record and record.kind),
    )


def _agency(admin: AgencyAdmin, code: str) -> Agency:
    agency = admin.registry.agency(code)
    if agency is None:
        raise ProblemError(ProblemKind.AGENCY_NOT_FOUND, f"no agency {code!r} is on the bus")
    return agency


def _changeable(admin: AgencyAdmin, code: str) -> Agency:
    """An instance a data product's declaration made is that declaration's: changed here, it
    would differ from its stored version and be overwritten by the next one."""
    agency = _agency(admin, code)
    if agency.spec.product is not None:
        raise ProblemError(
            ProblemKind.AGENCY_DECLARED,
            f"agency {code!r} is a source of data product {agency.spec.product!r}: change "
            f"it with PUT /v1/data-products/{agency.spec.product}",
        )
    return agency


async def list_agencies(admin: AgencyAdmin, kind: str | None = None) -> AgencyList:
    agencies = sorted(
        (a for a in admin.registry.agencies() if kind is None or a.kind == kind),
        key=lambda a: a.code,
    )
    healths = await asyncio.gather(*(_health(a) for a in agencies))
    async with admin.sessions() as session:
        records = {r.code: r for r in (await session.scalars(select(AgencySettingRecord))).all()}
    return AgencyList(
        items=[_view(a, h, records.get(a.code)) for a, h in zip(agencies, healths, strict=True)]
    )


async def get_agency(admin: AgencyAdmin, code: str) -> AgencyView:
    agency = _agency(admin, code)
    async with admin.sessions() as session:
        record = await session.get(AgencySettingRecord, code)
    return _view(agency, await _health(agency), record)


def _fixtures(registration: AgencyRegistration) -> ConformanceFixtures | None:
    if registration.conformance is None:
        return None
    return ConformanceFixtures(**registration.conformance.model_dump())


async def register_agency(
    admin: AgencyAdmin, caller: Caller, registration: AgencyRegistration
) -> AgencyView:
    """A new instance joins: its kind must be installed, its URL pass the policy and, to take
    traffic, its live backend the conformance suite."""
    if admin.registry.agency(registration.code) is not None:
        raise ProblemError(
            ProblemKind.AGENCY_EXISTS, f"agency {registration.code!r} is on the bus already"
        )
    if registration.kind.startswith("declared:"):
        message = (
            f"{registration.kind!r} is a data product's kind: add the agency to that "
            "product's `sources` with PUT /v1/data-products/{name}"
        )
        raise ProblemError(
            ProblemKind.VALIDATION,
            f"kind: {message}",
            errors=[FieldError(field="kind", location="body", message=message)],
        )
    if admin.registry.kind(registration.kind) is None:
        installed = ", ".join(sorted(k.code for k in admin.registry.kinds()))
        message = f"no adapter kind {registration.kind!r} is installed (installed: {installed})"
        raise ProblemError(
            ProblemKind.VALIDATION,
            f"kind: {message}",
            errors=[FieldError(field="kind", location="body", message=message)],
        )
    endpoint = AgencyEndpoint(**registration.model_dump(include=set(AgencyEndpoint.model_fields)))
    spec = InstanceSpec(
        code=registration.code,
        kind=registration.kind,
        endpoint=endpoint,
        name=registration.name,
        jurisdiction=Jurisdiction(frozenset(registration.jurisdiction)),
        fixtures=_fixtures(registration),
    )
    changes = registration.model_dump(exclude_unset=True, mode="json")
    return await _apply(admin, caller, spec, changes, new_url=True, registered=True)


async def replace_endpoint(
    admin: AgencyAdmin, caller: Caller, code: str, update: EndpointUpdate
) -> AgencyView:
    current = _changeable(admin, code).spec
    spec = replace(current, endpoint=AgencyEndpoint(**update.model_dump()))
    changes = update.model_dump(exclude_unset=True)
    return await _apply(admin, caller, spec, changes, new_url=True)


async def change_endpoint(
    admin: AgencyAdmin, caller: Caller, code: str, patch: EndpointPatch
) -> AgencyView:
    current = _changeable(admin, code).spec
    changes = patch.model_dump(exclude_unset=True)
    endpoint = AgencyEndpoint(**{**current.endpoint.model_dump(), **changes})
    spec = replace(current, endpoint=endpoint)
    return await _apply(admin, caller, spec, changes, new_url="base_url" in changes)


async def remove_agency(admin: AgencyAdmin, caller: Caller, code: str) -> None:
    """Takes the instance off the bus everywhere; the row stays, marked, with the history."""
    agency = _changeable(admin, code)
    at = dt.datetime.now(dt.UTC)
    async with admin.sessions.begin() as session:
        record = await session.get(AgencySettingRecord, code) or _new_record(code, agency.spec)
        record.removed = True
        record.updated_at = at
        record.updated_by = caller.client_id
        session.add(record)
        session.add(
            AgencySettingChange(
                code=code, changed_at=at, changed_by=caller.client_id, changes={"removed": True}
            )
        )
    admin.registry.remove(code)


async def _apply(
    admin: AgencyAdmin,
    caller: Caller,
    spec: InstanceSpec,
    changes: dict[str, Any],
    *,
    new_url: bool,
    registered: bool = False,
) -> AgencyView:
    if new_url:
        try:
            await admin.url_policy.check_url(spec.endpoint.base_url)
        except EndpointRefused as exc:
            raise ProblemError(
                ProblemKind.ENDPOINT_REFUSED,
                str(exc),
                errors=[FieldError(field="base_url", location="body", message=str(exc))],
            ) from exc
    if spec.endpoint.enabled:
        results = await check_agency(admin.registry, spec)
        failures = [{"check": r.name, "detail": r.detail} for r in results if not r.passed]
        if failures:
            raise ProblemError(
                ProblemKind.CONFORMANCE_FAILED,
                f"{len(failures)} of {len(results)} conformance checks failed; not enabled",
                extensions={"failures": failures},
            )
    await _store(admin, caller, spec, changes, registered)
    admin.registry.configure(spec)
    return await get_agency(admin, spec.code)


def _new_record(code: str, spec: InstanceSpec) -> AgencySettingRecord:
    return AgencySettingRecord(
        code=code,
        base_url=spec.endpoint.base_url,
        timeout_ms=spec.endpoint.timeout_ms,
        enabled=spec.endpoint.enabled,
        removed=False,
    )


async def _store(
    admin: AgencyAdmin,
    caller: Caller,
    spec: InstanceSpec,
    changes: dict[str, Any],
    registered: bool,
) -> None:
    """A registered instance's row carries its identity; a configured instance's row only
    its endpoint, so the operator's settings stay the authority on who it is."""
    at = dt.datetime.now(dt.UTC)
    endpoint = spec.endpoint
    password = endpoint.password.get_secret_value() if endpoint.password else None
    configured = admin.configured.get(spec.code)
    async with admin.sessions.begin() as session:
        if registered:
            await _refuse_a_products_code(session, spec.code)
        record = await session.get(AgencySettingRecord, spec.code) or _new_record(spec.code, spec)
        record.base_url = endpoint.base_url
        record.timeout_ms = endpoint.timeout_ms
        record.enabled = endpoint.enabled
        record.username = endpoint.username
        record.password_encrypted = admin.secrets.seal(password) if password else None
        record.removed = False
        if registered or configured is None or record.kind:
            record.kind = spec.kind
            record.name = spec.name
            record.jurisdiction = spec.jurisdiction.as_list()
            record.fixtures = (
                {k: v for k, v in vars(spec.fixtures).items() if v is not None}
                if spec.fixtures
                else None
            )
        record.updated_at = at
        record.updated_by = caller.client_id
        session.add(record)
        shown = {k: ("(changed)" if k == "password" else v) for k, v in changes.items()}
        session.add(
            AgencySettingChange(
                code=spec.code, changed_at=at, changed_by=caller.client_id, changes=shown
            )
        )


async def _refuse_a_products_code(session: AsyncSession, code: str) -> None:
    """A data product registered by another process that has not reached this one's registry
    yet holds its agency codes in the database."""
    product = await session.scalar(
        select(DataProductClaim.product).where(
            DataProductClaim.kind == "agency", DataProductClaim.value == code
        )
    )
    if product is not None:
        raise ProblemError(
            ProblemKind.AGENCY_EXISTS,
            f"agency {code!r} is on the bus already, a source of data product {product!r}",
        )


def _spec_of(
    record: AgencySettingRecord, configured: InstanceSpec | None, secrets: SecretBox
) -> InstanceSpec | None:
    endpoint = AgencyEndpoint(
        base_url=record.base_url,
        timeout_ms=record.timeout_ms,
        enabled=record.enabled,
        username=record.username,
        password=SecretStr(secrets.open(record.password_encrypted))
        if record.password_encrypted
        else None,
    )
    if record.kind:
        return InstanceSpec(
            code=record.code,
            kind=record.kind,
            endpoint=endpoint,
            name=record.name,
            jurisdiction=Jurisdiction(frozenset(record.jurisdiction or ())),
            fixtures=ConformanceFixtures(**record.fixtures) if record.fixtures else None,
        )
    if configured is None:
        return None
    return replace(configured, endpoint=endpoint)


async def effective_instances(
    sessions: async_sessionmaker[AsyncSession],
    secrets: SecretBox,
    configured: dict[str, InstanceSpec],
) -> dict[str, InstanceSpec]:
    """The operator's instances as the administrators changed them, plus the ones they
    registered, less the ones they removed."""
    async with sessions() as session:
        records = (await session.scalars(select(AgencySettingRecord))).all()
    instances = dict(configured)
    for record in records:
        if record.removed:
            instances.pop(record.code, None)
            continue
        spec = _spec_of(record, configured.get(record.code), secrets)
        if spec is not None:
            instances[record.code] = spec
    return instances


class EndpointWatcher:
    """Keeps this process's registry in step with instances registered, changed or removed
    by other processes. A data product's instances are not in this table: they are left to
    `app.products.watcher.ProductWatcher`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        registry: AdapterRegistry,
        secrets: SecretBox,
        configured: dict[str, InstanceSpec],
        interval_s: float,
    ) -> None:
        self._sessions = sessions
        self._registry = registry
        self._secrets = secrets
        self._configured = configured
        self._seen: dt.datetime | None = None
        self._loop = Every(
            interval_s,
            self.sync,
            "agency-endpoint-watcher",
            "agency endpoint changes could not be read",
            log,
        )

    async def sync(self) -> None:
        """An administrator's change in this process, made while the table was being read,
        makes what was read stale: it is then not applied, and the next round reads again."""
        before = self._registry.generation
        async with self._sessions() as session:
            latest = await session.scalar(select(func.max(AgencySettingRecord.updated_at)))
        if latest is None or latest == self._seen:
            return
        wanted = await effective_instances(self._sessions, self._secrets, self._configured)
        if self._registry.generation != before:
            return
        for agency in self._registry.agencies():
            if agency.code not in wanted and agency.spec.product is None:
                self._registry.remove(agency.code)
        for code, spec in wanted.items():
            current = self._registry.agency(code)
            if self._registry.kind(spec.kind) is None:
                continue
            if current is not None and current.spec.product is not None:
                continue
            if current is None or current.spec != spec:
                self._registry.configure(spec)
        self._seen = latest

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
