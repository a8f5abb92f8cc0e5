"""Idempotent writes and the log of write requests, shared by the three simulators.

A gateway that crashed after sending a write must be able to send it again without paying
twice, so each simulator remembers the answer to every reference it has handled and replays
it. The log is the test harness's view: it proves how many writes reached the agency and
which of them were replays. Each app instance owns its journal, so tests never share state.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response

from simulators.faults import CONTROL_PREFIX, WRITE_MARK

MAX_REF_LENGTH = 128


@dataclass(frozen=True, slots=True)
class Reply:
    """A finished agency answer, kept as bytes so a replay is byte-for-byte the first one."""

    body: bytes
    status: int
    media_type: str

    def response(self) -> Response:
        return Response(self.body, self.status, media_type=self.media_type)


def json_reply(payload: Any, status: int = 200) -> Reply:
    return Reply(json.dumps(payload, ensure_ascii=False).encode(), status, "application/json")


def reference(value: object) -> str | None:
    """The caller's idempotency reference, or None when it is missing or unusable."""
    if not isinstance(value, str):
        return None
    ref = value.strip()
    return ref if 0 < len(ref) <= MAX_REF_LENGTH else None


class WriteJournal:
    """Answers by (path, reference) and the arrival-order log of the writes handled.

    References are scoped per endpoint: a gateway may reuse one service-request id for the
    assessment and for the payment that follows it, and those must not replay each other.
    ``handle`` is synchronous, so the check and the store cannot interleave with a concurrent
    duplicate under asyncio.
    """

    def __init__(self) -> None:
        self._answers: dict[tuple[str, str], Reply] = {}
        self._entries: list[dict[str, Any]] = []

    def once(self, request: Request, ref: str, handle: Callable[[], Reply]) -> Response:
        path = request.url.path
        request.scope[WRITE_MARK] = True
        answer = self._answers.get((path, ref))
        self._entries.append(
            {"method": request.method, "path": path, "ref": ref, "replayed": answer is not None}
        )
        if answer is None:
            answer = self._answers[(path, ref)] = handle()
        return answer.response()

    def entries(self) -> list[dict[str, Any]]:
        return list(self._entries)

    def clear(self) -> None:
        """Forgets the log only: a cleared log must not make an old reference act twice."""
        self._entries.clear()


def install_journal(app: FastAPI) -> WriteJournal:
    """Adds ``GET``/``DELETE /_control/requests``; returns the app's journal."""
    journal = WriteJournal()
    router = APIRouter(prefix=CONTROL_PREFIX, include_in_schema=False)

    @router.get("/requests")
    async def get_requests() -> list[dict[str, Any]]:
        return journal.entries()

    @router.delete("/requests")
    async def delete_requests() -> list[dict[str, Any]]:
        journal.clear()
        return journal.entries()

    app.include_router(router)
    return journal
