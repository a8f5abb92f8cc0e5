"""The worker: claims due requests from the database and advances them.

A request is claimed by a conditional UPDATE that takes its lease only if no live lease is
held, so two workers (in two gateway processes on one PostgreSQL) never hold the same request;
on PostgreSQL the candidates are also read `FOR UPDATE SKIP LOCKED`, so workers do not queue
behind each other's rows. A lease that expires (its worker died) makes the request due again.
"""

import asyncio
import contextlib
import datetime as dt
import logging
import uuid

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import ServiceRequestRecord
from app.workflows.engine import Engine, now
from app.workflows.webhooks import WebhookSender

log = logging.getLogger(__name__)

CLAIM_BATCH = 10


def new_worker_id() -> str:
    return f"worker-{uuid.uuid4().hex[:12]}"


class Worker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        engine: Engine,
        webhooks: WebhookSender,
        poll_interval_s: float = 0.5,
    ) -> None:
        self._sessions = sessions
        self._engine = engine
        self._webhooks = webhooks
        self._poll_interval_s = poll_interval_s
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def worker_id(self) -> str:
        return self._engine.worker_id

    def wake(self) -> None:
        """Something became due now (a new request, a payment): look without waiting."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self._engine.worker_id)

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task

    async def claim(self) -> list[str]:
        at = now()
        lease_free = or_(
            ServiceRequestRecord.lease_expires_at.is_(None),
            ServiceRequestRecord.lease_expires_at < at,
        )
        async with self._sessions.begin() as session:
            candidates = (
                select(ServiceRequestRecord.id)
                .where(ServiceRequestRecord.next_run_at <= at, lease_free)
                .order_by(ServiceRequestRecord.next_run_at)
                .limit(CLAIM_BATCH)
                .with_for_update(skip_locked=True)
            )
            claimed = []
            for request_id in (await session.scalars(candidates)).all():
                taken = await session.execute(
                    update(ServiceRequestRecord)
                    .where(ServiceRequestRecord.id == request_id, lease_free)
                    .values(
                        lease_owner=self._engine.worker_id,
                        lease_expires_at=at + dt.timedelta(seconds=self._engine.lease_s),
                        version=ServiceRequestRecord.version + 1,
                    )
                    .execution_options(synchronize_session=False)
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(request_id)
        return claimed

    async def run_once(self) -> int:
        """Claim what is due, advance it, deliver due webhooks. Returns requests advanced."""
        claimed = await self.claim()
        await asyncio.gather(*(self._advance(request_id) for request_id in claimed))
        await self._webhooks.deliver_due()
        return len(claimed)

    async def _advance(self, request_id: str) -> None:
        try:
            await self._engine.run(request_id)
        except Exception:
            log.exception("request %s could not be advanced; its lease will expire", request_id)

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                busy = await self.run_once()
            except Exception:
                log.exception("worker round failed")
                busy = 0
            if busy:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_interval_s)
