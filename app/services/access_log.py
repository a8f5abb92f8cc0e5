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
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.audit.chain import seal
from app.auth.tokens import Actor
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
    #: Who acted for `subject_nik`, when not the citizen themself (issue 15).
    actor: Actor | None = None

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
            "actor_nik": self.actor.nik if self.actor else None,
            "actor_basis": self.actor.basis.value if self.actor else None,
            "actor_relationship": self.actor.relationship if self.actor else None,
        }


RECORDS = cast(Table, AccessRecord.__table__)

_Pending = tuple[list[dict[str, Any]], asyncio.Future[None]]


class AccessLog:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._chain = Chain()
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
        await self.record_all([event])

    async def record_all(self, events: Sequence[AccessEvent]) -> None:
        """One request's records travel together, so they commit in the same transaction:
        a list disclosing fifty citizens costs one commit, not fifty, and never half of them."""
        if self._writer is None or self._writer.done():
            raise AccessLogUnavailable("the access log writer is not running")
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put(([event.row() for event in events], committed))
        await committed

    async def _write_batches(self) -> None:
        while True:
            batch = [await self._queue.get()]
            rows = list(batch[0][0])
            while len(rows) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
                rows.extend(batch[-1][0])
            try:
                async with self._engine.begin() as connection:
                    await self._chain.append(connection, rows)
            except Exception as exc:
                log.exception("access log batch of %d records failed", len(rows))
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


class Chain:
    """Appends batches to the hash chain. The head is locked before it is read, so two
    processes never link to the same predecessor; and a process that wrote the newest batch
    itself already knows the head, so it appends with one compare-and-set UPDATE instead of
    a locked read and a write (every round trip to the database counts on the hot path).
    Plain Core statements on a connection: the ORM's unit of work bought nothing here and
    cost a few per cent of a profile read's CPU."""

    def __init__(self) -> None:
        self._head: tuple[int, str] | None = None

    async def append(self, connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
        """Number, link and insert `rows` at the end of the chain, in the caller's
        transaction. If that transaction fails, the remembered head is wrong, the next
        compare-and-set matches nothing, and the locked path reads the truth again."""
        head = AuditChainHead
        if self._head is not None:
            seq, prev_hash = self._head
            last = _link(rows, seq, prev_hash)
            moved = await connection.execute(
                update(head)
                .where(head.id == 1, head.seq == seq, head.hash == prev_hash)
                .values(seq=seq + len(rows), hash=last)
            )
            if moved.rowcount == 1:
                await connection.execute(insert(RECORDS), rows)
                self._head = (seq + len(rows), last)
                return
        # Another process appended since: take the lock first (the row lock on PostgreSQL,
        # the write lock on SQLite), then read the head it left.
        await connection.execute(update(head).where(head.id == 1).values(seq=head.seq))
        seq, prev_hash = (await connection.execute(select(head.seq, head.hash))).one()
        last = _link(rows, seq, prev_hash)
        await connection.execute(insert(RECORDS), rows)
        await connection.execute(
            update(head).where(head.id == 1).values(seq=seq + len(rows), hash=last)
        )
        self._head = (seq + len(rows), last)


def _link(rows: list[dict[str, Any]], after_seq: int, prev_hash: str) -> str:
    """Seals `rows` in order after (`after_seq`, `prev_hash`); returns the last hash."""
    for seq, row in enumerate(rows, start=after_seq + 1):
        row.update(seq=seq, prev_hash=prev_hash)
        row["hash"] = prev_hash = seal(row)
    return prev_hash
