"""`Idempotency-Key` for POSTs: the same key, operation, target and body get the first answer
again; the same key on anything else is refused. The first answer is stored in the same
transaction as the effect it describes, so a replay can never see an effect without its answer
or vice versa.

A key belongs to the caller that used it: its client and, for a client bound to one citizen,
that citizen. Two citizens signed in through one portal therefore never share a key, and
neither learns that the other used one. And a stored answer is never a shortcut past the
checks: `authorise` runs first on every call, replay or not, so a caller gets a replay only
after passing exactly what a first call would have had to pass."""

import datetime as dt
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import IdempotencyRecord
from app.problems import ProblemError, ProblemKind
from app.services.context import Caller

Answer = tuple[int, dict[str, Any]]
Effect = Callable[[AsyncSession], Awaitable[Answer]]
Authorise = Callable[[AsyncSession], Awaitable[None]]
"""Raises the problem that refuses this caller on this target; the same one a first call
would get, through the same refusal helpers, so refusals are answered and recorded alike."""


@dataclass(frozen=True)
class Action:
    """What a key is bound to: the operation, the resource it acts on (empty for a creation)
    and the body. A stored answer is only ever replayed for the same three."""

    operation: str
    target: str
    payload: Any

    @property
    def bound_to(self) -> str:
        return f"{self.operation}:{self.target}" if self.target else self.operation

    def fingerprint(self) -> str:
        canonical = json.dumps(
            [self.operation, self.target, self.payload], sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def _namespace(caller: Caller, key: str) -> tuple[str, str, str]:
    return caller.client_id, caller.subject_nik or "", key


def _replay(record: IdempotencyRecord, action: Action) -> Answer:
    if record.operation != action.bound_to:
        raise ProblemError(
            ProblemKind.IDEMPOTENCY_KEY_REUSED,
            "this Idempotency-Key was used for another operation or resource; use a new key",
        )
    if record.body_hash != action.fingerprint():
        raise ProblemError(
            ProblemKind.IDEMPOTENCY_KEY_REUSED,
            "this Idempotency-Key was used with another body; use a new key",
        )
    return record.status_code, record.response


async def once(
    sessions: async_sessionmaker[AsyncSession],
    caller: Caller,
    key: str | None,
    action: Action,
    *,
    authorise: Authorise,
    effect: Effect,
) -> Answer:
    """Runs `effect` once per key, after `authorise` on every call. `effect` may check again
    (it usually loads what it changes); `authorise` is what guards the replay."""
    if key is None:
        async with sessions.begin() as session:
            await authorise(session)
            return await effect(session)
    namespace = _namespace(caller, key)
    async with sessions() as session:
        await authorise(session)
        found = await session.get(IdempotencyRecord, namespace)
        if found is not None:
            return _replay(found, action)
    try:
        async with sessions.begin() as session:
            status, body = await effect(session)
            client_id, subject, _ = namespace
            session.add(
                IdempotencyRecord(
                    client_id=client_id,
                    subject=subject,
                    key=key,
                    operation=action.bound_to,
                    body_hash=action.fingerprint(),
                    status_code=status,
                    response=body,
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
        return status, body
    except IntegrityError:
        async with sessions() as session:
            found = await session.get(IdempotencyRecord, namespace)
        if found is None:
            raise
        return _replay(found, action)
