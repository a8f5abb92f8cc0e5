"""Every use case that touches a citizen's personal data records who touched it first."""

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
    try:
        await access_log.record(
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
            )
        )
    except AccessLogUnavailable as exc:
        raise ProblemError(ProblemKind.ACCESS_LOG_UNAVAILABLE, str(exc)) from exc
