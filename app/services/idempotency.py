"""`Idempotency-Key` for POSTs: the same key and body get the first answer again; the same
key with another body is refused. The first answer is stored in the same transaction as the
effect it describes, so a replay can never see an effect without its answer or vice versa."""

import datetime as dt
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import IdempotencyRecord
from app.problems import ProblemError, ProblemKind

Answer = tuple[int, dict[str, Any]]
Effect = Callable[[AsyncSession], Awaitable[Answer]]


def fingerprint(operation: str, payload: Any) -> str:
    canonical = json.dumps([operation, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord, body_hash: str) -> Answer:
    if record.body_hash != body_hash:
        raise ProblemError(
            ProblemKind.IDEMPOTENCY_KEY_REUSED,
            "this Idempotency-Key was used with another request; use a new key",
        )
    return record.status_code, record.response


async def once(
    sessions: async_sessionmaker[AsyncSession],
    client_id: str,
    key: str | None,
    operation: str,
    payload: Any,
    effect: Effect,
) -> Answer:
    if key is None:
        async with sessions.begin() as session:
            return await effect(session)
    body_hash = fingerprint(operation, payload)
    async with sessions() as session:
        found = await session.get(IdempotencyRecord, (client_id, "", key))
        if found is not None:
            return _replay(found, body_hash)
    try:
        async with sessions.begin() as session:
            status, body = await effect(session)
            session.add(
                IdempotencyRecord(
                    client_id=client_id,
                    key=key,
                    operation=operation,
                    body_hash=body_hash,
                    status_code=status,
                    response=body,
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
        return status, body
    except IntegrityError:
        async with sessions() as session:
            found = await session.get(IdempotencyRecord, (client_id, "", key))
        if found is None:
            raise
        return _replay(found, body_hash)
