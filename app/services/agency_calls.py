"""The durable record of agency calls, from which the performance report takes each agency's
availability and latency.

Unlike the access log this is telemetry, not a guarantee owed to the citizen: recording a call
only appends to a buffer, and a background task writes the buffer in one insert per interval,
so the read path never waits for the database. A reader that needs every call so far (the
report) flushes first.
"""

import asyncio
import contextlib
import datetime as dt
import logging
from typing import Any, cast

import httpx
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.adapters.base import (
    AgencyNotFound,
    AgencyRefusedInput,
    AgencyRejected,
    AgencyUnavailable,
)
from app.db.models import AgencyCallRecord
from app.http_client import is_timeout
from app.schemas.sources import SourceStatus

log = logging.getLogger(__name__)

# Plain Core rows: the ORM's bulk-insert path added work per row and bought nothing here.
_TABLE = cast(Table, AgencyCallRecord.__table__)


def failure_status(error: BaseException) -> SourceStatus:
    """How a failed agency call counts, the same way the bus reports a failed read."""
    if isinstance(error, AgencyRefusedInput):
        return SourceStatus.REFUSED
    if isinstance(error, AgencyNotFound | AgencyRejected):
        return SourceStatus.NOT_FOUND if isinstance(error, AgencyNotFound) else SourceStatus.OK
    if isinstance(error, TimeoutError):
        return SourceStatus.TIMEOUT
    if isinstance(error, httpx.TransportError):
        return SourceStatus.TIMEOUT if is_timeout(error) else SourceStatus.UNAVAILABLE
    if isinstance(error, AgencyUnavailable):
        return SourceStatus.UNAVAILABLE
    return SourceStatus.ERROR


class AgencyCallLog:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], flush_interval_s: float = 1.0
    ) -> None:
        self._sessions = sessions
        self._interval_s = flush_interval_s
        self._buffer: list[dict[str, Any]] = []
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def record(self, agency: str, operation: str, status: SourceStatus, latency_ms: int) -> None:
        self._buffer.append(
            {
                "occurred_at": dt.datetime.now(dt.UTC),
                "agency": agency,
                "operation": operation[:64],
                "status": status.value,
                "latency_ms": latency_ms,
            }
        )

    async def flush(self) -> None:
        async with self._lock:
            rows, self._buffer = self._buffer, []
            if not rows:
                return
            try:
                async with self._sessions.begin() as session:
                    await session.execute(insert(_TABLE), rows)
            except Exception:
                log.exception("%d agency call records could not be written", len(rows))

    def start(self) -> None:
        self._task = asyncio.create_task(self._flush_periodically(), name="agency-call-log")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            await self.flush()
