"""The background task each gateway process (and `satupintu worker`) runs: every interval,
if the chain head moved, sign it, store the checkpoint and hand a copy to every witness.

It never stands in a request's way: it runs on its own task with its own connections, and a
witness that is down or slow only delays its own copy. Copies a witness missed wait in this
process's memory and are offered again, in order, on the next round; a process that stops
with copies still waiting logs how many (`satupintu audit export` gives a witness the lot).
"""

import asyncio
import contextlib
import logging
from collections import deque

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.checkpoints import Checkpoint, CheckpointSigner, checkpoint_head
from app.audit.witnesses import Witness, witnesses
from app.config import Settings
from app.periodic import Every

log = logging.getLogger(__name__)

MAX_WAITING = 10_000


class Checkpointer:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        signer: CheckpointSigner,
        witness_list: list[Witness],
        interval_s: float,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._sessions = sessions
        self._signer = signer
        self._waiting = {w.name: (w, deque[Checkpoint](maxlen=MAX_WAITING)) for w in witness_list}
        self._http = http
        self._loop = Every(
            interval_s,
            self.round,
            "audit-checkpointer",
            "writing an audit checkpoint failed; trying again next round",
            log,
        )

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        """One last round, so records written just before the stop are vouched for too."""
        await self._loop.stop()
        with contextlib.suppress(Exception):
            await self.round()
        left = sum(len(queue) for _, queue in self._waiting.values())
        if left:
            log.warning("%d checkpoint copies were not delivered to their witnesses", left)
        if self._http is not None:
            await self._http.aclose()

    async def round(self, *, force: bool = False) -> Checkpoint | None:
        """Checkpoint the head if it moved (or `force`), then deliver what is waiting."""
        checkpoint = await checkpoint_head(self._sessions, self._signer, force=force)
        if checkpoint is not None:
            for _, queue in self._waiting.values():
                queue.append(checkpoint)
        await asyncio.gather(*(self._deliver(w, q) for w, q in self._waiting.values()))
        return checkpoint

    async def _deliver(self, witness: Witness, queue: deque[Checkpoint]) -> None:
        while queue:
            try:
                await witness.receive(queue[0])
            except Exception as exc:
                log.warning(
                    "witness %s did not take checkpoint %d (%s: %s); %d waiting",
                    witness.name,
                    queue[0].seq,
                    type(exc).__name__,
                    exc,
                    len(queue),
                )
                return
            queue.popleft()


def build_checkpointer(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> Checkpointer | None:
    """None without a signing key: nothing could be signed (production refuses to start
    without one; see the startup check)."""
    if settings.audit_signing_key is None:
        return None
    signer = CheckpointSigner(settings.audit_signing_key.get_secret_value())
    http = httpx.AsyncClient()
    return Checkpointer(
        sessions,
        signer,
        witnesses(settings.audit_witnesses, http),
        settings.audit_checkpoint_interval_s,
        http,
    )
