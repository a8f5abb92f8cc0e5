"""What keeps one sick agency from hurting the rest: a circuit breaker per endpoint, a
bulkhead (concurrency limit) per agency, and a retry budget for safe reads.

- The breaker opens after `failure_threshold` failed calls in a row (timeouts, unavailable,
  unusable replies; a `not_found` is an answer, not a failure), answers at once while open,
  lets calls through again after `recovery_s` (half-open) and closes on the first success.
- The bulkhead caps the calls in flight to one agency, so a slow agency cannot take every
  connection and every worker; a call that finds it full is `unavailable` at once rather
  than queueing behind calls that are already late.
- A read that failed for a reason a second try may fix is retried once, after a short jittered
  pause, only if time remains and the agency's retry budget allows: retries are earned at
  `retry_ratio` per call, so they can never multiply the load on an agency that is failing.
"""

import asyncio
import random
from dataclasses import dataclass, field

from circuitbreaker import STATE_HALF_OPEN, STATE_OPEN, CircuitBreaker

from app.schemas.sources import SourceStatus

FAILURES = frozenset({SourceStatus.TIMEOUT, SourceStatus.UNAVAILABLE, SourceStatus.ERROR})
RETRYABLE = frozenset({SourceStatus.UNAVAILABLE, SourceStatus.ERROR})


class AgencyFailed(Exception):
    """Raised inside the breaker's context so that it counts a failed call."""


def new_breaker(name: str, failure_threshold: int, recovery_s: float) -> CircuitBreaker:
    return CircuitBreaker(
        failure_threshold=failure_threshold,
        recovery_timeout=recovery_s,
        expected_exception=AgencyFailed,
        name=name,
    )


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


@dataclass
class Guard:
    """The breaker, bulkhead and retry budget of one agency endpoint."""

    breaker: CircuitBreaker
    bulkhead: asyncio.Semaphore
    budget: RetryBudget
