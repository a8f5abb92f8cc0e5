"""Every refused attempt on a citizen's data lands in that citizen's access log.

A refusal is raised, not answered: the use case raises `Refused`, and one exception handler
records it and then answers with exactly the problem a missing record would get. Recording
in the handler rather than at each call site means a new endpoint cannot forget it: the only
way to refuse is to raise, and every raise is recorded before the answer leaves.
"""

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from fastapi import FastAPI, Request, Response

from app.bus.calls import CallResult
from app.problems import ProblemError, ProblemKind, problem_response
from app.schemas.identifiers import check_nik
from app.services.access_log import AccessEvent, AccessLogUnavailable
from app.services.context import Caller, Services

OPERATION_LENGTH = 64


class Refused(ProblemError):
    """A problem whose answer must be recorded as `event` before it is sent."""

    def __init__(
        self,
        kind: ProblemKind,
        detail: str,
        event: AccessEvent,
        *,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(kind, detail, extensions=extensions)
        self.event = event


def _subject(nik: str | None) -> str | None:
    """Only a well-formed NIK names a citizen; anything else a client typed is nobody's."""
    if nik is None:
        return None
    try:
        return check_nik(nik)
    except ValueError:
        return None


def refused(
    caller: Caller,
    kind: ProblemKind,
    detail: str,
    *,
    subject_nik: str | None,
    operation: str = "",
    outcome: str = "refused",
    subject_plate: str | None = None,
    calls: Sequence[CallResult[Any]] = (),
    started: float | None = None,
    extensions: dict[str, Any] | None = None,
) -> Refused:
    """The refusal to raise. Without `operation` the route's method and path name it."""
    return Refused(
        kind,
        detail,
        AccessEvent(
            request_id=caller.request_id,
            client_id=caller.client_id,
            purpose=caller.purpose,
            operation=operation,
            outcome=outcome,
            http_status=kind.status,
            duration_ms=round((time.perf_counter() - started) * 1000) if started else 0,
            calls=calls,
            subject_nik=_subject(subject_nik),
            subject_plate=subject_plate,
            actor=caller.actor,
        ),
        extensions=extensions,
    )


def _operation(request: Request) -> str:
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    return f"{request.method} {path}"[:OPERATION_LENGTH]


async def _record_then_answer(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    event = exc.event if exc.event.operation else replace(exc.event, operation=_operation(request))
    services: Services = request.app.state.services
    try:
        await services.access_log.record(event)
    except AccessLogUnavailable as failure:
        return problem_response(
            request, ProblemError(ProblemKind.ACCESS_LOG_UNAVAILABLE, str(failure))
        )
    return problem_response(request, exc)


def install_refusal_handler(app: FastAPI) -> None:
    """Starlette picks a handler by the exception's class first, so this one runs for
    `Refused` although `ProblemError` has a handler of its own."""
    app.add_exception_handler(Refused, _record_then_answer)
