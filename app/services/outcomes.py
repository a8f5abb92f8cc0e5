"""Turning agency call results into what the caller sees: sources, completeness, problems."""

from collections.abc import Iterable, Sequence
from typing import Any

from app.agencies.jurisdiction import describe_regions
from app.bus.calls import CallResult
from app.bus.registry import NotServed
from app.problems import ProblemError, ProblemKind
from app.schemas.sources import SourceReport, Sources, SourceStatus

# When one agency supplied several parts, its report shows the worst of them.
_SEVERITY = {
    SourceStatus.OK: 0,
    SourceStatus.NOT_FOUND: 1,
    SourceStatus.REFUSED: 2,
    SourceStatus.THROTTLED: 3,
    SourceStatus.TIMEOUT: 4,
    SourceStatus.UNAVAILABLE: 5,
    SourceStatus.ERROR: 6,
}
_FAILURE_KIND = {
    SourceStatus.REFUSED: ProblemKind.AGENCY_REFUSED_INPUT,
    SourceStatus.THROTTLED: ProblemKind.CLIENT_CONCURRENCY,
    SourceStatus.TIMEOUT: ProblemKind.AGENCY_TIMEOUT,
    SourceStatus.UNAVAILABLE: ProblemKind.AGENCY_UNAVAILABLE,
    SourceStatus.ERROR: ProblemKind.AGENCY_BAD_REPLY,
}


def combine_sources(calls: Iterable[CallResult[Any]]) -> Sources:
    sources: Sources = {}
    for call in calls:
        report = sources.get(call.agency)
        if report is None:
            sources[call.agency] = call.report()
            continue
        worst = max(report.status, call.status, key=_SEVERITY.__getitem__)
        details = [d for d in (report.detail, call.detail and f"{call.part}: {call.detail}") if d]
        sources[call.agency] = SourceReport(
            status=worst,
            latency_ms=max(report.latency_ms, call.latency_ms),
            parts=[*report.parts, call.part],
            detail="; ".join(details) or None,
        )
    return sources


def most_telling(calls: Sequence[CallResult[Any]]) -> CallResult[Any]:
    """Of several instances' failed answers, the one to tell the caller: a fault before a
    "not found", since the record may be at the instance that could not answer."""
    return max(
        calls,
        key=lambda c: -1 if c.status is SourceStatus.NOT_FOUND else _SEVERITY[c.status],
    )


def all_ok(calls: Sequence[CallResult[Any]]) -> bool:
    return all(call.status is SourceStatus.OK for call in calls)


def failure(
    call: CallResult[Any], not_found: ProblemKind, calls: Sequence[CallResult[Any]]
) -> ProblemError:
    """The problem that ends a request whose essential agency call did not succeed."""
    sources = {
        code: report.model_dump(mode="json", exclude_none=True)
        for code, report in combine_sources(calls).items()
    }
    if call.status is SourceStatus.NOT_FOUND:
        return ProblemError(not_found, call.detail, sources=sources)
    kind = _FAILURE_KIND.get(call.status, ProblemKind.AGENCY_BAD_REPLY)
    headers = {"Retry-After": "1"} if call.status is SourceStatus.THROTTLED else None
    return ProblemError(kind, f"{call.agency}: {call.detail}", sources=sources, headers=headers)


def not_served(exc: NotServed, what: str) -> ProblemError:
    """No instance's jurisdiction covers the key's regions: say which, not "not found"."""
    return ProblemError(
        ProblemKind.JURISDICTION_NOT_SERVED,
        f"no agency on the bus serves {describe_regions(exc.regions)} yet, where {what} belongs",
        extensions={"regions": list(exc.regions)},
    )
