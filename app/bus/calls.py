"""One agency call under a deadline, always ending in a per-source status instead of an error.

This is where a slow, down or confused agency becomes `timeout`, `unavailable` or `error`, so
that the services can combine what did arrive and never leak a traceback to the caller.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import httpx

from app.adapters.base import (
    AgencyContentError,
    AgencyNotFound,
    AgencyRefusedInput,
    AgencyReplyError,
    AgencyUnavailable,
)
from app.http_client import is_reset, is_timeout, refused_address
from app.schemas.sources import SourceReport, SourceStatus

log = logging.getLogger(__name__)

T = TypeVar("T")


class Deadline:
    """The budget of one whole request; every agency call gets at most what is left of it."""

    def __init__(self, budget_ms: int) -> None:
        self._ends_at = time.monotonic() + budget_ms / 1000

    def seconds_left(self, cap_ms: int) -> float:
        return max(0.0, min(cap_ms / 1000, self._ends_at - time.monotonic()))


@dataclass(frozen=True)
class CallResult(Generic[T]):
    agency: str
    part: str
    status: SourceStatus
    latency_ms: int
    value: T | None = None
    detail: str | None = None
    #: False when the call failed because of what the agency holds for this key, not how
    #: the agency is doing (`AgencyContentError`): not retried, not counted by the breaker.
    agency_fault: bool = True

    def report(self) -> SourceReport:
        return SourceReport(
            status=self.status, latency_ms=self.latency_ms, parts=[self.part], detail=self.detail
        )


async def call_agency(
    agency: str,
    part: str,
    operation: Callable[[], Awaitable[T]],
    timeout_s: float,
) -> CallResult[T]:
    started = time.perf_counter()

    def done(
        status: SourceStatus,
        value: T | None = None,
        detail: str | None = None,
        agency_fault: bool = True,
    ) -> CallResult[T]:
        latency_ms = round((time.perf_counter() - started) * 1000)
        return CallResult(agency, part, status, latency_ms, value, detail, agency_fault)

    try:
        async with asyncio.timeout(timeout_s):
            value = await operation()
    except AgencyNotFound as exc:
        return done(SourceStatus.NOT_FOUND, detail=str(exc))
    except AgencyRefusedInput as exc:
        return done(SourceStatus.REFUSED, detail=str(exc))
    except TimeoutError:
        return done(SourceStatus.TIMEOUT, detail=f"no reply within {round(timeout_s * 1000)} ms")
    except AgencyUnavailable as exc:
        return done(SourceStatus.UNAVAILABLE, detail=str(exc))
    except httpx.TransportError as exc:
        if is_timeout(exc):
            return done(SourceStatus.TIMEOUT, detail=f"agency timed out: {type(exc).__name__}")
        if refusal := refused_address(exc):
            return done(SourceStatus.UNAVAILABLE, detail=f"the gateway will not connect: {refusal}")
        if is_reset(exc):
            return done(SourceStatus.UNAVAILABLE, detail="the agency reset the connection")
        return done(SourceStatus.UNAVAILABLE, detail=f"cannot reach agency: {type(exc).__name__}")
    except AgencyContentError as exc:
        return done(SourceStatus.ERROR, detail=str(exc), agency_fault=False)
    except AgencyReplyError as exc:
        return done(SourceStatus.ERROR, detail=str(exc))
    except Exception as exc:
        log.exception("adapter %s failed on %s", agency, part)
        return done(SourceStatus.ERROR, detail=f"adapter failed: {type(exc).__name__}")
    return done(SourceStatus.OK, value)
