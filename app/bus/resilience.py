"""What keeps one sick agency, or one busy caller, from hurting the rest: a circuit breaker
per endpoint, a bulkhead (concurrency limit) per agency with a fair share per client in front
of it, and a retry budget for safe reads.

- The breaker opens after `failure_threshold` failed calls in a row (timeouts, unavailable,
  unusable replies; a `not_found` is an answer, not a failure), answers at once while open,
  lets calls through again after `recovery_s` (half-open) and closes on the first success.
- The bulkhead caps the calls in flight to one agency, so a slow agency cannot take every
  connection and every worker; a call that finds it full is `unavailable` at once rather
  than queueing behind calls that are already late.
- The fair share caps one client's calls in flight to one agency below the bulkhead, so one
  busy caller cannot fill it and starve the others: a client's call past its share waits for
  one of that client's own calls to finish (at most half the time it has left) and otherwise
  ends `throttled` (429 for a single read) without calling the agency.
- A caller's error is neutral: an agency refusing the caller's input (`refused`) neither opens
  nor closes the breaker, earns no retry and is never retried, so no caller can open another
  caller's circuit with bad input (nor hold a failing agency's circuit shut with it).
- An answer the gateway cannot translate because of what the agency holds for that key (one
  citizen's record past a declared mapping's limits) is neutral too: that read fails with
  `error`, but the agency answered, so one citizen's data cannot open everyone's circuit,
  and the same record would fail a second try at the same cost.
- A read that failed for a reason a second try may fix is retried once, after a short jittered
  pause, only if time remains and the agency's retry budget allows: retries are earned at
  `retry_ratio` per call, so they can never multiply the load on an agency that is failing.
"""

import asyncio
import random
from collections import deque
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from circuitbreaker import STATE_HALF_OPEN, STATE_OPEN, CircuitBreaker

from app.bus.calls import CallResult
from app.schemas.sources import SourceStatus

FAILURES = frozenset({SourceStatus.TIMEOUT, SourceStatus.UNAVAILABLE, SourceStatus.ERROR})
RETRYABLE = frozenset({SourceStatus.UNAVAILABLE, SourceStatus.ERROR})
# The caller's fault, not the agency's: counted neither for nor against the agency.
NEUTRAL = frozenset({SourceStatus.REFUSED})


class AgencyFailed(Exception):
    """Raised inside the breaker's context so that it counts a failed call."""


def new_breaker(name: str, failure_threshold: int, recovery_s: float) -> CircuitBreaker:
    return CircuitBreaker(
        failure_threshold=failure_threshold,
        recovery_timeout=recovery_s,
        expected_exception=AgencyFailed,
        name=name,
    )


def counted(result: CallResult[Any]) -> bool:
    """Whether the call says anything about the agency's health (and so earns a retry)."""
    return result.agency_fault and result.status not in NEUTRAL


def retryable(result: CallResult[Any]) -> bool:
    return result.agency_fault and result.status in RETRYABLE


def count_outcome(breaker: CircuitBreaker, result: CallResult[Any]) -> None:
    """A failure counts towards opening, an answer closes; a neutral outcome does neither."""
    if not counted(result):
        return
    if result.status in FAILURES:
        try:
            with breaker:
                raise AgencyFailed(result.status.value)
        except AgencyFailed:
            pass
    else:
        breaker.reset()


def breaker_level(breaker: CircuitBreaker) -> int:
    """0 closed, 1 half-open, 2 open, for the metrics gauge and /readyz."""
    return {STATE_HALF_OPEN: 1, STATE_OPEN: 2}.get(breaker.state, 0)


@dataclass
class RetryBudget:
    """A token bucket: each call earns `ratio` of a retry, a retry spends a whole one."""

    ratio: float
    cap: float = 10.0
    tokens: float = field(default=0.0)

    def earn(self) -> None:
        self.tokens = min(self.cap, self.tokens + self.ratio)

    def spend(self) -> bool:
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


def retry_pause_s() -> float:
    return random.uniform(0.01, 0.05)


class FairShare:
    """Each client's calls in flight to one agency endpoint, at most `per_client`. A counter
    per client rather than a semaphore each: taking and giving back a slot is on every
    agency call, and a dict update costs less than a semaphore's coroutine. A client's entry
    is dropped when it has nothing in flight, so the maps hold only the clients calling now."""

    def __init__(self, per_client: int) -> None:
        self.per_client = per_client
        self._in_flight: dict[str, int] = {}
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}

    def take(self, client: str) -> bool:
        count = self._in_flight.get(client, 0)
        if count >= self.per_client:
            return False
        self._in_flight[client] = count + 1
        return True

    async def wait(self, client: str, within_s: float) -> bool:
        """Whether one of the client's own calls handed its slot over within `within_s`."""
        handed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._waiting.setdefault(client, deque())
        queue.append(handed)
        got = False
        try:
            async with asyncio.timeout(within_s):
                await handed
            got = True
        except TimeoutError:
            pass
        finally:
            if got:
                pass
            elif handed.done() and not handed.cancelled():
                self.give_back(client)  # handed over just as this call stopped waiting
            else:
                with suppress(ValueError):
                    queue.remove(handed)
            if not queue and self._waiting.get(client) is queue:
                del self._waiting[client]
        return got

    def give_back(self, client: str) -> None:
        queue = self._waiting.get(client)
        while queue:
            handed = queue.popleft()
            if not handed.done():
                handed.set_result(None)  # the slot passes to the waiter, still counted
                return
        count = self._in_flight[client] - 1
        if count:
            self._in_flight[client] = count
        else:
            del self._in_flight[client]


@dataclass
class Guard:
    """The breaker, bulkhead, fair share and retry budget of one agency endpoint."""

    breaker: CircuitBreaker
    bulkhead: asyncio.Semaphore
    budget: RetryBudget
    fair_share: FairShare
