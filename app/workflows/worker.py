"""The worker: claims due service requests under a lease (`app.workflows.polling`) and
advances them, then delivers the webhooks that became due."""

import asyncio
import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import ServiceRequestRecord
from app.workflows.engine import Engine, now
from app.workflows.polling import Poller, claim_due
from app.workflows.webhooks import WebhookSender

log = logging.getLogger(__name__)


def new_worker_id() -> str:
    return f"worker-{uuid.uuid4().hex[:12]}"


class Worker(Poller):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        engine: Engine,
        webhooks: WebhookSender,
        poll_interval_s: float = 0.5,
    ) -> None:
        super().__init__(engine.worker_id, poll_interval_s)
        self._sessions = sessions
        self._engine = engine
        self._webhooks = webhooks

    @property
    def worker_id(self) -> str:
        return self._engine.worker_id

    async def claim(self) -> list[str]:
        return await claim_due(
            self._sessions,
            ServiceRequestRecord,
            self._engine.worker_id,
            self._engine.lease_s,
            now(),
            version=ServiceRequestRecord.version + 1,
        )

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
