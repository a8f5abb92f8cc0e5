"""Reference data (the KBLI list) changes with regulations, not with requests: it is cached
for `ttl_s`, and served stale, saying so, when the agency is down after it expired. Only a
gateway that never had it answers with the agency's failure."""

import datetime as dt
import time
from dataclasses import dataclass
from typing import Generic, TypeVar

from app.adapters.base import Capability, KbliReference
from app.bus.bus import Bus
from app.bus.calls import Deadline
from app.problems import ProblemKind
from app.schemas.business import KbliEntry
from app.schemas.sources import SourceReport, SourceStatus
from app.services.outcomes import failure

T = TypeVar("T")


@dataclass(frozen=True)
class Cached(Generic[T]):
    value: T
    fetched_at: dt.datetime
    fetched_monotonic: float
    source: SourceReport


@dataclass(frozen=True)
class Served(Generic[T]):
    value: T
    fetched_at: dt.datetime
    stale: bool
    source: SourceReport


#: The cache's own fair share: it reads for every caller at once, so it is nobody's client.
CACHE_CLIENT = "satupintu:reference-cache"


class ReferenceCache:
    def __init__(self, bus: Bus, ttl_s: float, deadline_ms: int) -> None:
        self._bus = bus
        self._ttl_s = ttl_s
        self._deadline_ms = deadline_ms
        self._kbli: Cached[list[KbliEntry]] | None = None

    async def kbli(self) -> Served[list[KbliEntry]]:
        cached = self._kbli
        if cached is not None and time.monotonic() - cached.fetched_monotonic < self._ttl_s:
            return Served(cached.value, cached.fetched_at, False, cached.source)
        call = await self._bus.call(
            Capability.BUSINESS_KBLI_REFERENCE,
            KbliReference,
            "kbli",
            lambda p: p.list_kbli(),
            Deadline(self._deadline_ms),
            client=CACHE_CLIENT,
        )
        if call.status is SourceStatus.OK and call.value is not None:
            self._kbli = Cached(
                call.value, dt.datetime.now(dt.UTC), time.monotonic(), call.report()
            )
            return Served(call.value, self._kbli.fetched_at, False, call.report())
        if cached is not None:
            return Served(cached.value, cached.fetched_at, True, call.report())
        raise failure(call, ProblemKind.NOT_FOUND, [call])
