"""The interagency bus: find the agency for a capability and call it within the deadline,
behind that agency's breaker, bulkhead and retry budget (see `app.bus.resilience`)."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from app.bus.calls import CallResult, Deadline, call_agency
from app.bus.registry import AdapterRegistry, Agency, Provider
from app.bus.resilience import (
    FairShare,
    Guard,
    RetryBudget,
    breaker_level,
    count_outcome,
    counted,
    new_breaker,
    retry_pause_s,
    retryable,
)
from app.observability import agency_duration, agency_outcomes, breaker_state
from app.schemas.sources import SourceStatus
from app.services.agency_calls import AgencyCallLog

P = TypeVar("P")
T = TypeVar("T")

#: Which of several candidate instances' answers a routed read keeps: the one that has the
#: record; "not found" only when every candidate said so, since the record may be at one that
#: could not answer.
_PREFERENCE = {
    SourceStatus.OK: 0,
    SourceStatus.REFUSED: 1,
    SourceStatus.TIMEOUT: 2,
    SourceStatus.UNAVAILABLE: 3,
    SourceStatus.ERROR: 4,
    SourceStatus.THROTTLED: 5,
    SourceStatus.NOT_FOUND: 6,
}


def _nobody_serves(capability: str, part: str) -> CallResult[Any]:
    return CallResult(
        agency=capability.split(".")[0],
        part=part,
        status=SourceStatus.UNAVAILABLE,
        latency_ms=0,
        detail=f"no agency on the bus serves {capability}",
    )


@dataclass(frozen=True)
class ResilienceSettings:
    failure_threshold: int = 5
    recovery_s: float = 5.0
    max_concurrency: int = 64
    retry_ratio: float = 0.1
    #: One client's calls in flight to one agency; None is a quarter of `max_concurrency`.
    max_concurrency_per_client: int | None = None

    @property
    def per_client(self) -> int:
        if self.max_concurrency_per_client is not None:
            return min(self.max_concurrency_per_client, self.max_concurrency)
        return max(1, self.max_concurrency // 4)


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
        """One per instance endpoint: an instance moved to a new endpoint starts with a closed
        breaker, and one province's office failing never opens another's."""
        key = (agency.code, agency.endpoint.base_url)
        guard = self._guards.get(key)
        if guard is None:
            settings = self._resilience
            guard = Guard(
                breaker=new_breaker(agency.code, settings.failure_threshold, settings.recovery_s),
                bulkhead=asyncio.Semaphore(settings.max_concurrency),
                budget=RetryBudget(settings.retry_ratio),
                fair_share=FairShare(settings.per_client),
            )
            self._guards[key] = guard
        return guard

    async def call(
        self,
        capability: str,
        protocol: type[P],
        part: str,
        operation: Callable[[P], Awaitable[T]],
        deadline: Deadline,
        *,
        client: str,
        regions: tuple[str, ...] | None = None,
    ) -> CallResult[T]:
        """A safe read for `client` (the caller's client id, or a name of the gateway's own
        for its background reads), which the fair share is kept by. With `regions`, the
        instance whose jurisdiction covers them answers (raises `NotServed` when none does);
        where the key leaves several candidates, each is asked and the one that knows the
        record answers. Never raises for an agency's fault: the status says what happened."""
        if regions is None:
            provider = self.registry.provider(capability, protocol)
            if provider is None:
                return _nobody_serves(capability, part)
            return await self._call_one(provider, part, operation, deadline, client)
        routed = self.registry.route(capability, protocol, regions)
        if len(routed) == 1:
            return await self._call_one(routed[0], part, operation, deadline, client)
        results = await asyncio.gather(
            *(self._call_one(p, part, operation, deadline, client) for p in routed)
        )
        return min(results, key=lambda r: _PREFERENCE.get(r.status, len(_PREFERENCE)))

    async def call_each(
        self,
        capability: str,
        protocol: type[P],
        part: str,
        operation: Callable[[P], Awaitable[T]],
        deadline: Deadline,
        *,
        client: str,
    ) -> list[CallResult[T]]:
        """A read whose key decides no jurisdiction (a citizen's vehicles, held wherever they
        were registered): every instance at once, one result each. A disabled instance is
        reported `unavailable` without a call: what it holds is missing from the answer."""
        providers = self.registry.providers(capability, protocol)
        if not providers:
            return [_nobody_serves(capability, part)]
        if len(providers) == 1:
            return [await self._call_one(providers[0], part, operation, deadline, client)]
        return list(
            await asyncio.gather(
                *(self._call_one(p, part, operation, deadline, client) for p in providers)
            )
        )

    async def _call_one(
        self,
        provider: Provider[P],
        part: str,
        operation: Callable[[P], Awaitable[T]],
        deadline: Deadline,
        client: str,
    ) -> CallResult[T]:
        agency = provider.agency
        if not agency.endpoint.enabled:
            return CallResult(
                agency.code, part, SourceStatus.UNAVAILABLE, 0, detail="agency is disabled"
            )
        impl = provider.impl
        guard = self.guard(agency)
        share = guard.fair_share
        if not share.take(client) and not await share.wait(
            client, deadline.seconds_left(agency.endpoint.timeout_ms) / 2
        ):
            agency_outcomes(agency.code, SourceStatus.THROTTLED.value).inc()
            return CallResult(
                agency.code,
                part,
                SourceStatus.THROTTLED,
                0,
                detail=f"this client already has {share.per_client} calls in flight to this "
                "agency, its fair share",
            )
        try:
            result = await self._guarded(agency, guard, part, lambda: operation(impl), deadline)
            if (
                retryable(result)
                and deadline.seconds_left(agency.endpoint.timeout_ms) > 0.1
                and guard.budget.spend()
            ):
                await asyncio.sleep(retry_pause_s())
                retried = await self._guarded(
                    agency, guard, part, lambda: operation(impl), deadline
                )
                result = replace(retried, latency_ms=result.latency_ms + retried.latency_ms)
            return result
        finally:
            share.give_back(client)

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
            result = await call_agency(
                agency.code, part, operation, deadline.seconds_left(agency.endpoint.timeout_ms)
            )
        finally:
            guard.bulkhead.release()
        count_outcome(breaker, result)
        if counted(result):
            guard.budget.earn()
        breaker_state(agency.code).set(breaker_level(breaker))
        agency_duration(agency.code, part).observe(result.latency_ms / 1000)
        agency_outcomes(agency.code, result.status.value).inc()
        if self._call_log is not None:
            self._call_log.record(agency.code, part, result.status, result.latency_ms)
        return result
