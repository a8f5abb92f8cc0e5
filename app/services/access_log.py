"""The durable record of every read of personal data, written before the answer leaves.

Writes are group-committed: each request hands its record to one writer task and waits until
the transaction holding it has committed. Under load many requests share one commit, so the
guarantee (no answer without its record) costs one commit per batch instead of one per
request, and SQLite's single writer lock stops being a queue every request stands in.

Each batch is appended to the audit hash chain under a lock on the chain's head row, so
several gateway processes writing at once still build one unbroken chain.
"""

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.chain import seal
from app.bus.calls import CallResult
from app.db.models import AccessRecord, AuditChainHead

log = logging.getLogger(__name__)

MAX_BATCH = 500


class AccessLogUnavailable(RuntimeError):
    """The record could not be written, so the data it describes must not be released."""


@dataclass(frozen=True)
class AccessEvent:
    request_id: str
    client_id: str
    operation: str
    outcome: str
    http_status: int
    duration_ms: int
    calls: Sequence[CallResult[Any]]
    subject_nik: str | None = None
    subject_plate: str | None = None
    purpose: str | None = None
    released: Sequence[str] = ()

    def row(self) -> dict[str, Any]:
        agencies: dict[str, Any] = {}
        for call in self.calls:
            agencies.setdefault(call.agency, {})[call.part] = call.status.value
        return {
            "request_id": self.request_id,
            "occurred_at": dt.datetime.now(dt.UTC),
            "client_id": self.client_id,
            "purpose": self.purpose,
            "operation": self.operation,
            "subject_nik": self.subject_nik,
            "subject_plate": self.subject_plate,
            "agencies": agencies,
            "released": sorted(self.released),
            "outcome": self.outcome,
            "http_status": self.http_status,
            "duration_ms": self.duration_ms,
        }


_Pending = tuple[dict[str, Any], asyncio.Future[None]]


class AccessLog:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._writer = asyncio.create_task(self._write_batches(), name="access-log-writer")

    async def stop(self) -> None:
        """Let every record already handed over reach the database, then stop."""
        await self._queue.join()
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)

    async def record(self, event: AccessEvent) -> None:
        if self._writer is None or self._writer.done():
            raise AccessLogUnavailable("the access log writer is not running")
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((event.row(), committed))
        await committed

    async def _write_batches(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                async with self._sessions.begin() as session:
                    await append(session, [row for row, _ in batch])
            except Exception as exc:
                log.exception("access log batch of %d records failed", len(batch))
                failure = AccessLogUnavailable(f"access log write failed: {type(exc).__name__}")
                for _, committed in batch:
                    if not committed.done():
                        committed.set_exception(failure)
            else:
                for _, committed in batch:
                    if not committed.done():
                        committed.set_result(None)
            finally:
                for _ in batch:
                    self._queue.task_done()


async def append(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Number, link and insert `rows` at the end of the chain, inside the caller's transaction.

    Moving the head first takes its row lock (PostgreSQL) or the write lock (SQLite) before
    anything is read, so two processes never both link to the same predecessor."""
    moved = await session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(seq=AuditChainHead.seq + len(rows))
        .returning(AuditChainHead.seq, AuditChainHead.hash)
    )
    last_seq, prev_hash = moved.one()
    for seq, row in enumerate(rows, start=last_seq - len(rows) + 1):
        row.update(seq=seq, prev_hash=prev_hash)
        row["hash"] = prev_hash = seal(row)
    await session.execute(insert(AccessRecord), rows)
    await session.execute(
        update(AuditChainHead).where(AuditChainHead.id == 1).values(hash=prev_hash)
    )
