"""Advancing one service request, durably.

Each step is written to the database as running before its agency is called and written
again with the outcome after, in separate transactions, so that a worker killed at any point
leaves a request another worker can pick up: a step found `running` is simply run again with
the same reference, and the agency applies it once. The request row carries a version, so a
change made meanwhile by the API (a payment, a cancellation) is never overwritten; the worker
re-reads and re-decides instead.
"""

import asyncio
import datetime as dt
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import httpx
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tenacity import RetryError

from app.adapters.base import AgencyError, AgencyNotFound, AgencyRejected, Capability
from app.agencies.jurisdiction import describe_regions
from app.bus.registry import AdapterRegistry, NotServed, Provider
from app.db.models import RequestEventRecord, RequestStepRecord, ServiceRequestRecord
from app.db.version_races import PATIENCE_S, retry_version_races
from app.schemas.service_requests import FINAL_STATUSES, RequestStatus, ServiceCode, StepState
from app.schemas.sources import SourceStatus
from app.services.agency_calls import AgencyCallLog, failure_status
from app.workflows.definitions import SERVICES, ServiceDefinition
from app.workflows.steps import Done, Outcome, Reject, StepInput, StepSpec, Wait

log = logging.getLogger(__name__)

P = TypeVar("P")
R = TypeVar("R")

MAX_ATTEMPTS = 8
MAX_BACKOFF_S = 60.0


class NoAgency(AgencyError):
    """No enabled agency serves a capability a step needs: like an agency that is down."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def retry_delay(attempts: int, base_s: float = 1.0) -> float:
    """Exponential backoff with jitter, so retries of many requests do not arrive together."""
    return float(min(MAX_BACKOFF_S, base_s * 2.0**attempts) * random.uniform(0.5, 1.0))


def step_reference(request_id: str, position: int, name: str) -> str:
    return f"{request_id}:{position}:{name}"


def add_event(request: ServiceRequestRecord, status: RequestStatus, message: str) -> None:
    """The timeline entry, and the webhook outbox entry when the citizen asked for one."""
    at = now()
    request.status = status.value
    request.updated_at = at
    request.events.append(
        RequestEventRecord(
            at=at,
            status=status.value,
            message=message,
            deliver_after=at if request.callback_url else None,
            delivery_attempts=0,
        )
    )


def step_agency(registry: AdapterRegistry, spec: StepSpec, data: dict[str, Any]) -> str:
    """The instance a step will ask, as the request shows it: the one its key routes to, all
    of a capability's for a step that asks every instance. Raises `NotServed` when the key's
    region has no instance, so a request that could never be done is refused at once."""
    if spec.every:
        return f"every:{spec.capability.value}"
    if spec.regions is not None:
        return registry.route(spec.capability, object, spec.regions(data))[0].agency.code
    provider = registry.provider(spec.capability, object)
    return provider.agency.code if provider else spec.capability.value.split(".")[0]


def new_step(
    registry: AdapterRegistry,
    request_id: str,
    position: int,
    spec: StepSpec,
    data: dict[str, Any],
) -> RequestStepRecord:
    return RequestStepRecord(
        position=position,
        name=spec.name,
        agency=step_agency(registry, spec, data),
        state=StepState.PENDING.value,
        reference=step_reference(request_id, position, spec.name),
        attempts=0,
    )


class _Providers:
    """The `Provide` a step gets: routes through the registry and notes every instance it
    handed out, for the agencies' availability and latency records."""

    def __init__(self, engine: "Engine") -> None:
        self._engine = engine
        self.called: list[str] = []

    def __call__(
        self, capability: Capability, protocol: type[P], regions: tuple[str, ...] | None = None
    ) -> P:
        provider = self._engine._provider(capability, protocol, regions)
        self.called.append(provider.agency.code)
        return cast(P, provider.impl)

    def every(self, capability: Capability, protocol: type[P]) -> list[tuple[str, P]]:
        providers = [
            p
            for p in self._engine._registry.providers(capability, protocol)
            if p.agency.endpoint.enabled
        ]
        self.called += [p.agency.code for p in providers]
        return [(p.agency.code, p.impl) for p in providers]


@dataclass(frozen=True)
class _Claimed:
    step_position: int
    spec: StepSpec
    step_input: StepInput


class Engine:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        registry: AdapterRegistry,
        worker_id: str,
        lease_s: float = 30.0,
        step_pause_s: float = 0.0,
        retry_base_s: float = 1.0,
        call_log: AgencyCallLog | None = None,
    ) -> None:
        self._sessions = sessions
        self._call_log = call_log
        self._registry = registry
        self.worker_id = worker_id
        self.lease_s = lease_s
        # Losing version races for longer than a third of the lease would risk the lease.
        self._race_patience_s = min(PATIENCE_S, lease_s / 3)
        self._step_pause_s = step_pause_s
        self._retry_base_s = retry_base_s

    def _provider(
        self, capability: Capability, protocol: type[Any], regions: tuple[str, ...] | None
    ) -> Provider[Any]:
        if regions is None:
            provider = self._registry.provider(capability, protocol)
        else:
            provider = self._registry.route(capability, protocol, regions)[0]
        if provider is None or not provider.agency.endpoint.enabled:
            raise NoAgency(f"no enabled agency serves {capability.value}")
        return provider

    def _timeout_s(self, capability: Capability) -> float:
        """The slowest instance's: a step routed to any of them, or asking all at once."""
        timeouts = [
            p.agency.endpoint.timeout_ms for p in self._registry.providers(capability, object)
        ]
        return max(timeouts, default=1000) / 1000

    async def run(self, request_id: str) -> None:
        """Advance a request this worker holds the lease on, until it waits or ends."""
        while True:
            claimed = await self._start_next_step(request_id)
            if claimed is None:
                return
            outcome = await self._execute(claimed)
            if not await self._record_outcome(request_id, claimed, outcome):
                return
            if self._step_pause_s:
                await asyncio.sleep(self._step_pause_s)

    async def _load(self, session: AsyncSession, request_id: str) -> ServiceRequestRecord | None:
        request = await session.get(ServiceRequestRecord, request_id, populate_existing=True)
        if request is None or request.lease_owner != self.worker_id:
            return None
        return request

    async def _change_held(
        self, request_id: str, change: Callable[[ServiceRequestRecord, bool], R], missed: R
    ) -> R:
        """`change` on the request while this worker holds its lease, told whether it lost a
        version race first; `missed` when the lease is gone or the request kept changing."""
        try:
            async for attempt in retry_version_races(self._race_patience_s):
                with attempt:
                    async with self._sessions.begin() as session:
                        request = await self._load(session, request_id)
                        if request is None:
                            return missed
                        return change(request, attempt.retry_state.attempt_number > 1)
        except RetryError:
            log.warning("request %s kept changing; left until its lease expires", request_id)
        return missed

    async def _start_next_step(self, request_id: str) -> _Claimed | None:
        return await self._change_held(
            request_id, lambda request, _: self._mark_next_running(request), None
        )

    def _mark_next_running(self, request: ServiceRequestRecord) -> _Claimed | None:
        definition = SERVICES[ServiceCode(request.service)]
        if request.closing_status:
            self._plan_compensations(request, definition)
        step = next(
            (
                s
                for s in request.steps
                if s.state in (StepState.PENDING, StepState.RUNNING, StepState.WAITING)
            ),
            None,
        )
        if step is None:
            self._finish(request, definition)
            return None
        spec = self._spec(definition, step.name)
        at = now()
        step.state = StepState.RUNNING.value
        step.attempts += 1
        step.started_at = step.started_at or at
        if request.status == RequestStatus.SUBMITTED.value:
            add_event(request, RequestStatus.IN_PROGRESS, "the agencies are working on it")
        request.lease_expires_at = at + dt.timedelta(seconds=self.lease_s)
        results = {s.name: s.result for s in request.steps if s.result is not None}
        return _Claimed(
            step.position,
            spec,
            StepInput(
                request_id=request.id,
                nik=request.nik,
                data=request.data,
                results=results,
                payment_confirmed=request.payment_confirmed,
                reference=step.reference,
            ),
        )

    @staticmethod
    def _spec(definition: ServiceDefinition, name: str) -> StepSpec:
        for spec in (*definition.steps, *definition.compensations.values()):
            if spec.name == name:
                return spec
        raise KeyError(name)

    def _plan_compensations(
        self, request: ServiceRequestRecord, definition: ServiceDefinition
    ) -> None:
        """A request that will not complete skips what is left and undoes what must not
        outlive it, once: the compensation steps are appended the first time."""
        names = {s.name for s in request.steps}
        compensations = [
            definition.compensations[s.name]
            for s in request.steps
            if s.state == StepState.DONE and s.name in definition.compensations
        ]
        for step in request.steps:
            if step.state in (StepState.PENDING, StepState.WAITING):
                step.state = StepState.SKIPPED.value
        position = max(s.position for s in request.steps)
        for spec in reversed(compensations):
            if spec.name not in names:
                position += 1
                request.steps.append(
                    new_step(self._registry, request.id, position, spec, request.data)
                )

    def _finish(self, request: ServiceRequestRecord, definition: ServiceDefinition) -> None:
        request.lease_owner = None
        request.lease_expires_at = None
        request.next_run_at = None
        if request.status in FINAL_STATUSES:
            return
        if request.closing_status:
            status = RequestStatus(request.closing_status)
            add_event(request, status, request.rejection_reason or f"request {status.value}")
            return
        results = {s.name: s.result or {} for s in request.steps}
        try:
            product = definition.product_model.model_validate(definition.product(results))
        except (ValidationError, KeyError):
            # Every read checks the product against the published model; one stored unchecked
            # would make the request unreadable. The steps keep what each agency answered.
            log.exception("request %s: the agencies' answers make no valid product", request.id)
            request.rejection_reason = "the agencies' answers did not make a valid product"
            add_event(request, RequestStatus.FAILED, request.rejection_reason)
            return
        request.product = product.model_dump(mode="json")
        add_event(request, RequestStatus.COMPLETED, "completed; the product is ready")

    async def _execute(self, claimed: _Claimed) -> Outcome | Exception:
        """A step that reached an agency is recorded with its time and how it went, for the
        agency's availability and latency; one that only waited for the citizen is not."""
        providers = _Providers(self)
        started = time.perf_counter()
        outcome = await self._outcome(claimed, providers)
        if self._call_log is not None:
            status = failure_status(outcome) if isinstance(outcome, Exception) else SourceStatus.OK
            latency_ms = round((time.perf_counter() - started) * 1000)
            for code in dict.fromkeys(providers.called):
                self._call_log.record(code, claimed.spec.name, status, latency_ms)
        return outcome

    async def _outcome(self, claimed: _Claimed, provide: _Providers) -> Outcome | Exception:
        try:
            async with asyncio.timeout(self._timeout_s(claimed.spec.capability) * 2):
                return await claimed.spec.run(claimed.step_input, provide)
        except AgencyNotFound as exc:
            return Reject(str(exc))
        except AgencyRejected as exc:
            return Reject(str(exc))
        except NotServed as exc:
            return Reject(f"no agency on the bus serves {describe_regions(exc.regions)} yet")
        except (AgencyError, httpx.HTTPError, TimeoutError) as exc:
            return exc
        except Exception as exc:
            log.exception("step %s failed", claimed.spec.name)
            return exc

    async def _record_outcome(
        self, request_id: str, claimed: _Claimed, outcome: Outcome | Exception
    ) -> bool:
        """Persist what the agency said. Returns whether to go on with the next step."""

        def record(request: ServiceRequestRecord, changed_meanwhile: bool) -> bool:
            step = next(s for s in request.steps if s.position == claimed.step_position)
            return self._apply(request, step, outcome, changed_meanwhile)

        return await self._change_held(request_id, record, False)

    def _apply(
        self,
        request: ServiceRequestRecord,
        step: RequestStepRecord,
        outcome: Outcome | Exception,
        changed_meanwhile: bool,
    ) -> bool:
        at = now()
        if isinstance(outcome, Done):
            step.state = StepState.DONE.value
            step.result = outcome.result
            step.agency_reference = outcome.agency_reference
            step.finished_at = at
            step.detail = None
            if step.name == "issue_payment_code":
                request.payment = outcome.result
            return True
        if isinstance(outcome, Reject):
            step.state = StepState.FAILED.value
            step.finished_at = at
            step.detail = outcome.reason
            request.rejection_reason = outcome.reason
            request.closing_status = request.closing_status or RequestStatus.REJECTED.value
            return True
        if isinstance(outcome, Wait):
            step.state = StepState.WAITING.value
            step.detail = outcome.detail
            if changed_meanwhile or request.closing_status:
                return True
            if request.status != outcome.status.value:
                add_event(request, outcome.status, outcome.detail)
            self._release(request, outcome.poll_after_s)
            return False
        step.detail = f"{type(outcome).__name__}: {outcome}"[:500]
        if step.attempts >= MAX_ATTEMPTS:
            step.state = StepState.FAILED.value
            step.finished_at = at
            request.rejection_reason = f"{step.agency} did not answer after {step.attempts} tries"
            request.closing_status = request.closing_status or RequestStatus.FAILED.value
            return True
        step.state = StepState.PENDING.value
        self._release(request, retry_delay(step.attempts, self._retry_base_s))
        return False

    @staticmethod
    def _release(request: ServiceRequestRecord, run_after_s: float | None) -> None:
        request.lease_owner = None
        request.lease_expires_at = None
        request.next_run_at = (
            None if run_after_s is None else now() + dt.timedelta(seconds=run_after_s)
        )
        request.updated_at = now()
