"""A closed-loop load generator: N connections, each sending its next request as soon as the
last one answered, for a fixed time (or until a number of requests, whichever comes first).
aiohttp's C parser keeps the generator cheap, so that on a 2-core machine most of the CPU goes
to what is measured."""

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass
class Result:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[round(p) - 1]


async def _worker(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    kwargs: dict[str, Any],
    ends_at: float,
    result: Result,
    max_requests: int | None,
) -> None:
    while time.perf_counter() < ends_at and (
        max_requests is None or result.requests < max_requests
    ):
        started = time.perf_counter()
        try:
            async with session.request(method, url, **kwargs) as response:
                await response.read()
                ok = response.status < 400
        except aiohttp.ClientError:
            ok = False
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        result.requests += 1
        result.errors += not ok


async def _run(
    method: str,
    url: str,
    concurrency: int,
    seconds: float,
    max_requests: int | None,
    kwargs: dict[str, Any],
) -> Result:
    result = Result()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        ends_at = started + seconds
        await asyncio.gather(
            *(
                _worker(session, method, url, kwargs, ends_at, result, max_requests)
                for _ in range(concurrency)
            )
        )
        result.seconds = time.perf_counter() - started
    return result


def load(
    url: str,
    concurrency: int,
    seconds: float,
    method: str = "GET",
    *,
    max_requests: int | None = None,
    **kwargs: Any,
) -> Result:
    """`seconds` bounds the run; `max_requests`, if given, stops it earlier (with one
    connection, after exactly that many requests)."""
    return asyncio.run(_run(method, url, concurrency, seconds, max_requests, kwargs))
