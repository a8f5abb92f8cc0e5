"""The durable record of every read of personal data, written before the answer leaves."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.bus.calls import CallResult
from app.db.models import AccessRecord


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


class AccessLog:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(self, event: AccessEvent) -> None:
        agencies: dict[str, Any] = {}
        for call in event.calls:
            agencies.setdefault(call.agency, {})[call.part] = call.status.value
        async with self._sessions.begin() as session:
            session.add(
                AccessRecord(
                    request_id=event.request_id,
                    occurred_at=dt.datetime.now(dt.UTC),
                    client_id=event.client_id,
                    operation=event.operation,
                    subject_nik=event.subject_nik,
                    subject_plate=event.subject_plate,
                    agencies=agencies,
                    outcome=event.outcome,
                    http_status=event.http_status,
                    duration_ms=event.duration_ms,
                )
            )
