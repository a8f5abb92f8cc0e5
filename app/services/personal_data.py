"""Every use case that touches a citizen's personal data records who touched it first."""

from collections.abc import Iterable

from app.problems import ProblemError, ProblemKind
from app.services.access_log import AccessEvent, AccessLog, AccessLogUnavailable
from app.services.context import Caller


async def record_access(
    access_log: AccessLog,
    caller: Caller,
    operation: str,
    nik: str | None,
    status: int,
    released: str,
) -> None:
    """No answer leaves without its record: a log that cannot be written is a 503."""
    await record_disclosures(access_log, caller, operation, [nik], status, released)


async def record_disclosures(
    access_log: AccessLog,
    caller: Caller,
    operation: str,
    niks: Iterable[str | None],
    status: int,
    released: str,
) -> None:
    """One record per citizen the answer discloses (each sees it in their own access log),
    all under the request's id and committed together; an answer disclosing nobody still
    leaves one record, with no subject."""
    subjects = list(dict.fromkeys(niks)) or [None]
    try:
        await access_log.record_all(
            [
                AccessEvent(
                    request_id=caller.request_id,
                    client_id=caller.client_id,
                    purpose=caller.purpose,
                    released=[released],
                    operation=operation,
                    outcome="complete",
                    http_status=status,
                    duration_ms=0,
                    calls=[],
                    subject_nik=nik,
                    actor=caller.actor,
                )
                for nik in subjects
            ]
        )
    except AccessLogUnavailable as exc:
        raise ProblemError(ProblemKind.ACCESS_LOG_UNAVAILABLE, str(exc)) from exc
