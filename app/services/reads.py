"""Every read of personal data ends here: recorded in the access log, then answered or failed."""

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol, TypeVar

from app.bus.calls import CallResult
from app.problems import ProblemError, ProblemKind
from app.schemas.sources import SourceStatus
from app.services.access_log import AccessEvent, AccessLog, AccessLogUnavailable
from app.services.context import Caller, Services
from app.services.outcomes import failure
from app.services.refusals import refused


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


async def record_read(
    services: Services,
    caller: Caller,
    operation: str,
    started: float,
    calls: list[CallResult[Any]],
    http_status: int,
    outcome: str,
    *,
    released: list[str] | None = None,
    subject_nik: str | None = None,
    subject_plate: str | None = None,
) -> None:
    try:
        await services.access_log.record(
            AccessEvent(
                request_id=caller.request_id,
                client_id=caller.client_id,
                purpose=caller.purpose,
                released=released or [],
                operation=operation,
                outcome=outcome,
                http_status=http_status,
                duration_ms=_elapsed_ms(started),
                calls=calls,
                subject_nik=subject_nik,
                subject_plate=subject_plate,
                actor=caller.actor,
            )
        )
    except AccessLogUnavailable as exc:
        raise ProblemError(ProblemKind.ACCESS_LOG_UNAVAILABLE, str(exc)) from exc


async def fail_read(
    services: Services,
    caller: Caller,
    operation: str,
    started: float,
    essential: CallResult[Any],
    calls: list[CallResult[Any]],
    not_found: ProblemKind,
    *,
    subject_nik: str | None = None,
    subject_plate: str | None = None,
) -> ProblemError:
    problem = failure(essential, not_found, calls)
    outcome = "not_found" if essential.status is SourceStatus.NOT_FOUND else "failed"
    await record_read(
        services,
        caller,
        operation,
        started,
        calls,
        problem.kind.status,
        outcome,
        subject_nik=subject_nik,
        subject_plate=subject_plate,
    )
    return problem


def refuse_other_citizen(
    caller: Caller,
    nik: str,
    *,
    kind: ProblemKind = ProblemKind.CITIZEN_NOT_FOUND,
    detail: str = "no citizen with this NIK",
    operation: str = "",
    subject_plate: str | None = None,
    calls: Sequence[CallResult[Any]] = (),
    started: float | None = None,
) -> None:
    """A client bound to one citizen gets the same 404 for another citizen as for a NIK that
    does not exist, so it cannot learn who is registered; the attempt lands in the other
    citizen's access log as refused (`app.services.refusals`)."""
    if not caller.acts_for(nik):
        raise refused(
            caller,
            kind,
            detail,
            subject_nik=nik,
            operation=operation,
            subject_plate=subject_plate,
            calls=calls,
            started=started,
        )


async def acts_for_or_record(
    access_log: AccessLog, caller: Caller, nik: str, operation: str, status: int
) -> bool:
    """For a check whose refusal is one field error among others rather than a problem of its
    own (a complaint naming another citizen's service request): the answer stays the caller's
    to assemble, and the attempt is still in the other citizen's access log before it leaves."""
    if caller.acts_for(nik):
        return True
    event = refused(caller, ProblemKind.VALIDATION, "", subject_nik=nik, operation=operation).event
    try:
        await access_log.record(replace(event, http_status=status))
    except AccessLogUnavailable as exc:
        raise ProblemError(ProblemKind.ACCESS_LOG_UNAVAILABLE, str(exc)) from exc
    return False


class Owned(Protocol):
    @property
    def nik(self) -> str: ...


OwnedRecord = TypeVar("OwnedRecord", bound=Owned)


def refuse_unless_owned(
    caller: Caller,
    record: OwnedRecord | None,
    kind: ProblemKind,
    detail: str,
    operation: str = "",
) -> OwnedRecord:
    """For a record looked up by its id. A missing record and another citizen's are answered
    alike and both recorded, so neither the answer nor the time it takes tells a portal which
    ids exist."""
    if record is None:
        raise refused(
            caller, kind, detail, subject_nik=None, operation=operation, outcome="not_found"
        )
    refuse_other_citizen(caller, record.nik, kind=kind, detail=detail, operation=operation)
    return record
