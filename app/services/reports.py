"""The satisfaction index and the performance evaluation, over a period of days in
Asia/Jakarta (the last 30 days unless asked otherwise)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.bus.registry import AdapterRegistry
from app.complaints.deadlines import missed_a_deadline
from app.db.models import (
    AgencyCallRecord,
    ComplaintRecord,
    SatisfactionSurveyRecord,
    ServiceRequestRecord,
)
from app.problems import ProblemError, ProblemKind
from app.reports import skm
from app.reports.performance import RequestFacts, call_figures, request_figures
from app.schemas.complaints import ComplaintStatus
from app.schemas.problem import FieldError
from app.schemas.reports import (
    AgencyPerformance,
    ComplaintFigures,
    ElementScore,
    PerformanceReport,
    Period,
    SatisfactionReport,
    ServicePerformance,
)
from app.schemas.service_requests import RequestStatus
from app.services import catalogue
from app.services.agency_calls import AgencyCallLog
from app.workflows.calendar import JAKARTA, jakarta_today

DEFAULT_DAYS = 30
# A report covers at most a (leap) year, of days between the first and the last the gateway
# can have records of; outside them the day arithmetic would overflow rather than say so.
LONGEST_DAYS = 366
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)


@dataclass(frozen=True)
class Reports:
    sessions: async_sessionmaker[AsyncSession]
    registry: AdapterRegistry
    call_log: AgencyCallLog


def _invalid(field: str, message: str) -> ProblemError:
    return ProblemError(
        ProblemKind.VALIDATION,
        f"{field}: {message}",
        errors=[FieldError(field=field, location="query", message=message)],
    )


def _within_range(field: str, day: dt.date | None) -> None:
    if day is not None and not EARLIEST <= day <= LATEST:
        raise _invalid(field, f"{day} is outside {EARLIEST} .. {LATEST}")


def period(start: dt.date | None, end: dt.date | None) -> Period:
    _within_range("from", start)
    _within_range("to", end)
    last = end or jakarta_today(dt.datetime.now(dt.UTC))
    first = start or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise _invalid("from", f"{first} is after to={last}")
    if (last - first).days >= LONGEST_DAYS:
        raise _invalid(
            "from", f"a report covers at most {LONGEST_DAYS} days; {first} to {last} is longer"
        )
    return Period(start=first, end=last)


def _bounds(span: Period) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(span.start, dt.time(), JAKARTA)
    end = dt.datetime.combine(span.end + dt.timedelta(days=1), dt.time(), JAKARTA)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _check_agency(reports: Reports, agency: str | None) -> None:
    if (
        agency is not None
        and reports.registry.agency(agency) is None
        and not reports.registry.of_kind(agency)
    ):
        raise _invalid("agency", f"no agency {agency!r} is on the bus")


def _standards(reports: Reports) -> dict[str, int]:
    """Each catalogue service and its published time to complete, in working days."""
    return {view.code: view.working_days for view in catalogue.services(reports.registry).items}


async def satisfaction(
    reports: Reports,
    agency: str | None,
    service: str | None,
    start: dt.date | None,
    end: dt.date | None,
) -> SatisfactionReport:
    _check_agency(reports, agency)
    if service is not None and service not in _standards(reports):
        raise _invalid("service", f"no service {service!r} in the catalogue")
    span = period(start, end)
    since, until = _bounds(span)
    query = select(SatisfactionSurveyRecord).where(
        SatisfactionSurveyRecord.submitted_at >= since,
        SatisfactionSurveyRecord.submitted_at < until,
    )
    if agency:
        offices = [a.code for a in reports.registry.of_kind(agency)]
        query = query.where(SatisfactionSurveyRecord.agency.in_([agency, *offices]))
    if service:
        query = query.where(SatisfactionSurveyRecord.service == service)
    async with reports.sessions() as session:
        surveys = (await session.scalars(query)).all()
    result = skm.satisfaction_index(
        [{e.field: getattr(s, e.field) for e in skm.ELEMENTS} for s in surveys]
    )
    return SatisfactionReport(
        period=span,
        agency=agency,
        service=service,
        respondents=len(surveys),
        elements=[
            ElementScore(
                element=r.element.field,
                code=r.element.code,
                name_id=r.element.name_id,
                mean=r.mean,
                weighted=r.weighted,
                grade=r.grade.letter,
            )
            for r in (result.elements if result else ())
        ],
        index=result.index if result else None,
        converted_index=result.converted if result else None,
        grade=result.grade.letter if result else None,
        grade_name=result.grade.name_id if result else None,
    )


def _facts(request: ServiceRequestRecord) -> RequestFacts:
    completed_at = next(
        (e.at for e in request.events if e.status == RequestStatus.COMPLETED.value), None
    )
    return RequestFacts(
        status=request.status,
        submitted_on=jakarta_today(request.submitted_at),
        deadline=request.sla_deadline,
        completed_on=jakarta_today(completed_at) if completed_at else None,
    )


async def _rows(
    reports: Reports, since: dt.datetime, until: dt.datetime
) -> tuple[Sequence[ServiceRequestRecord], Sequence[ComplaintRecord], Sequence[AgencyCallRecord]]:
    await reports.call_log.flush()
    async with reports.sessions() as session:
        requests = (
            await session.scalars(
                select(ServiceRequestRecord).where(
                    ServiceRequestRecord.submitted_at >= since,
                    ServiceRequestRecord.submitted_at < until,
                )
            )
        ).all()
        complaints = (
            await session.scalars(
                select(ComplaintRecord).where(
                    ComplaintRecord.filed_at >= since, ComplaintRecord.filed_at < until
                )
            )
        ).all()
        calls = (
            await session.scalars(
                select(AgencyCallRecord).where(
                    AgencyCallRecord.occurred_at >= since, AgencyCallRecord.occurred_at < until
                )
            )
        ).all()
    return requests, complaints, calls


async def performance(
    reports: Reports, agency: str | None, start: dt.date | None, end: dt.date | None
) -> PerformanceReport:
    _check_agency(reports, agency)
    span = period(start, end)
    requests, complaints, calls = await _rows(reports, *_bounds(span))
    standards = _standards(reports)
    facts: dict[tuple[str, str], list[RequestFacts]] = defaultdict(list)
    for request in requests:
        owner = catalogue.responsible(
            reports.registry, request.service, [s.agency for s in request.steps]
        )
        facts[(owner, request.service)].append(_facts(request))
    at = dt.datetime.now(dt.UTC)
    agencies = []
    for found in sorted(reports.registry.agencies(), key=lambda a: a.code):
        code = found.code
        if agency is not None and agency not in (code, found.kind):
            continue
        services = sorted(s.code for s in found.adapter.services if s.code in standards)
        held = [c for c in complaints if c.agency == code]
        agencies.append(
            AgencyPerformance(
                agency=code,
                **request_figures([f for s in services for f in facts[(code, s)]]).model_dump(),
                services=[
                    ServicePerformance(
                        service=s,
                        standard_working_days=standards[s],
                        **request_figures(facts[(code, s)]).model_dump(),
                    )
                    for s in services
                ],
                complaints=ComplaintFigures(
                    received=len(held),
                    overdue=sum(missed_a_deadline(c, at) for c in held),
                    resolved=sum(c.status == ComplaintStatus.RESOLVED for c in held),
                ),
                calls=call_figures([(c.status, c.latency_ms) for c in calls if c.agency == code]),
            )
        )
    return PerformanceReport(period=span, agencies=agencies)
