"""What every background processor of durable work shares: claiming due rows under a lease,
and a loop that polls, or wakes early when told something became due.

A row is claimed by a conditional UPDATE that takes its lease only if no live lease is held,
so two processes (two gateways on one PostgreSQL) never hold the same row; on PostgreSQL the
candidates are also read `FOR UPDATE SKIP LOCKED`, so processes do not queue behind each
other's rows. A lease that expires (its holder died) makes the row due again."""

import asyncio
import contextlib
import datetime as dt
import logging
from abc import ABC, abstractmethod
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import ComplaintRecord, ServiceRequestRecord

log = logging.getLogger(__name__)

CLAIM_BATCH = 10


# Every table of durable work: each has `id`, `next_run_at` and the two lease columns.
LeasedTable = type[ServiceRequestRecord] | type[ComplaintRecord]


async def claim_due(
    sessions: async_sessionmaker[AsyncSession],
    table: LeasedTable,
    owner: str,
    lease_s: float,
    at: dt.datetime,
    **also: Any,
) -> list[str]:
    """Up to `CLAIM_BATCH` due rows, leased to `owner`; `also` are more values to set on each
    claimed row (e.g. a version bump)."""
    lease_free = or_(table.lease_expires_at.is_(None), table.lease_expires_at < at)
    claimed = []
    async with sessions.begin() as session:
        candidates = (
            select(table.id)
            .where(table.next_run_at <= at, lease_free)
            .order_by(table.next_run_at)
            .limit(CLAIM_BATCH)
            .with_for_update(skip_locked=True)
        )
        for row_id in (await session.scalars(candidates)).all():
            taken = await session.execute(
                update(table)
                .where(table.id == row_id, lease_free)
                .values(
                    lease_owner=owner,
                    lease_expires_at=at + dt.timedelta(seconds=lease_s),
                    **also,
                )
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(row_id)
    return claimed


class Poller(ABC):
    """Runs `run_once` until stopped: again at once while there was work, otherwise after
    `poll_interval_s` or as soon as `wake` is called."""

    def __init__(self, name: str, poll_interval_s: float) -> None:
        self._name = name
        self._poll_interval_s = poll_interval_s
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @abstractmethod
    async def run_once(self) -> int:
        """Do what is due; return how much was done (0: nothing was due)."""

    def wake(self) -> None:
        """Something became due now: look without waiting."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self._name)

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                busy = await self.run_once()
            except Exception:
                log.exception("%s: round failed", self._name)
                busy = 0
            if busy:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_interval_s)
