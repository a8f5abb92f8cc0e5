"""The interagency bus: find the agency for a capability and call it within the deadline,
behind that agency's breaker, bulkhead and retry budget (see `app.bus.resilience`)."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from app.adapters.base import Capability
from app.bus.calls import CallResult, Deadline, call_agency
from app.bus.registry import AdapterRegistry, Agency
from app.bus.resilience import (
    FAILURES,
    RETRYABLE,
    AgencyFailed,
    Guard,
    RetryBudget,
    breaker_level,
    new_breaker,
    retry_pause_s,
)
from app.observability import agency_duration, agency_outcomes, breaker_state
from app.schemas.sources import SourceStatus
from app.services.agency_calls import AgencyCallLog

P = TypeVar("P")
T = TypeVar("T")


@dataclass(frozen=True)
class ResilienceSettings:
    failure_threshold: int = 5
    recovery_s: float = 5.0
    max_concurrency: int = 64
    retry_ratio: float = 0.1


class Bus:
    def __init__(
        self,
        registry: AdapterRegistry,
        resilience: ResilienceSettings | None = None,
        call_log: AgencyCallLog | None = None,
    ) -> None:
        self.registry = registry
        self._resilience = resilience or ResilienceSettings()
        self._call_log = call_log
        self._guards: dict[tuple[str, str], Guard] = {}

    def guard(self, agency: Agency) -> Guard:
        """One per endpoint: an agency moved to a new endpoint starts with a closed breaker."""
        key = (agency.code, agency.endpoint.base_url)
        guard = self._guards.get(key)
        if guard is None:
            settings = self._resilience
            guard = Guard(
                breaker=new_breaker(agency.code, settings.failure_threshold, settings.recovery_s),
                bulkhead=asyncio.Semaphore(settings.max_concurrency),
                budget=RetryBudget(settings.retry_ratio),
            )
            self._guards[key] = guard
        return guard

    async def call(
        self,
        capability: Capability,
        protocol: type[P],
        part: str,
        operation: Callable[[P], Awaitable[T]],
        deadline: Deadline,
    ) -> CallResult[T]:
        """A safe read. Never raises for an agency's fault: the status says what happened."""
        provider = self.registry.provider(capability, protocol)
        if provider is None:
            return CallResult(
                agency=capability.value.split(".")[0],
                part=part,
                status=SourceStatus.UNAVAILABLE,
                latency_ms=0,
                detail=f"no agency on the bus serves {capability.value}",
            )
        agency = provider.agency
        if not agency.endpoint.enabled:
            return CallResult(
                agency.code, part, SourceStatus.UNAVAILABLE, 0, detail="agency is disabled"
            )
        impl = provider.impl
        guard = self.guard(agency)
        result = await self._guarded(agency, guard, part, lambda: operation(impl), deadline)
        if (
            result.status in RETRYABLE
            and deadline.seconds_left(agency.endpoint.timeout_ms) > 0.1
            and guard.budget.spend()
        ):
            await asyncio.sleep(retry_pause_s())
            retried = await self._guarded(agency, guard, part, lambda: operation(impl), deadline)
            result = CallResult(
                retried.agency,
                retried.part,
                retried.status,
                result.latency_ms + retried.latency_ms,
                retried.value,
                retried.detail,
            )
        return result

    async def _guarded(
        self,
        agency: Agency,
        guard: Guard,
        part: str,
        operation: Callable[[], Awaitable[Any]],
        deadline: Deadline,
    ) -> CallResult[Any]:
        breaker = guard.breaker
        if breaker.opened:
            return CallResult(
                agency.code,
                part,
                SourceStatus.UNAVAILABLE,
                0,
                detail=(
                    f"circuit open after {breaker.failure_count} failures in a row; "
                    f"trying again in {breaker.open_remaining:.1f} s"
                ),
            )
        if guard.bulkhead.locked():
            return CallResult(
                agency.code, part, SourceStatus.UNAVAILABLE, 0, detail="too many calls in flight"
            )
        await guard.bulkhead.acquire()
        try:
            result = await self._through_breaker(agency, guard, part, operation, deadline)
        finally:
            guard.bulkhead.release()
            guard.budget.earn()
            breaker_state(agency.code).set(breaker_level(breaker))
        agency_duration(agency.code, part).observe(result.latency_ms / 1000)
        agency_outcomes(agency.code, result.status.value).inc()
        if self._call_log is not None:
            self._call_log.record(agency.code, part, result.status, result.latency_ms)
        return result

    @staticmethod
    async def _through_breaker(
        agency: Agency,
        guard: Guard,
        part: str,
        operation: Callable[[], Awaitable[Any]],
        deadline: Deadline,
    ) -> CallResult[Any]:
        result: CallResult[Any] | None = None
        try:
            with guard.breaker:
                result = await call_agency(
                    agency.code, part, operation, deadline.seconds_left(agency.endpoint.timeout_ms)
                )
                if result.status in FAILURES:
                    raise AgencyFailed(result.detail)
        except AgencyFailed:
            pass
        assert result is not None
        return result
