"""Complaints at any door: file one, follow it, find them. The courier does the agency work
(handing a complaint over, asking for the answer); these use cases classify, record and wake it."""

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.bus.registry import AdapterRegistry
from app.complaints import deadlines
from app.complaints.routing import Evidence, Route, categories, regions_named, route
from app.db.models import ComplaintEventRecord, ComplaintRecord, ServiceRequestRecord
from app.problems import ProblemError, ProblemKind
from app.schemas.complaints import (
    Complaint,
    ComplaintCreate,
    ComplaintPage,
    ComplaintStatus,
    HistoryEntry,
    HistoryKind,
    RoutedBy,
    Routing,
    StageDeadlines,
)
from app.schemas.identifiers import check_nik
from app.schemas.problem import FieldError
from app.schemas.service_requests import FINAL_STATUSES, RequestStatus
from app.services import catalogue, idempotency
from app.services.access_log import AccessLog
from app.services.context import Caller
from app.services.cursors import decode_cursor, encode_cursor
from app.services.personal_data import record_access, record_disclosures
from app.services.reads import acts_for_or_record, refuse_other_citizen, refuse_unless_owned
from app.workflows.calendar import jakarta_today


@dataclass(frozen=True)
class Complaints:
    sessions: async_sessionmaker[AsyncSession]
    registry: AdapterRegistry
    access_log: AccessLog
    wake_courier: Callable[[], None]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def add_history(
    complaint: ComplaintRecord, kind: HistoryKind, agency: str | None, message: str
) -> None:
    at = now()
    complaint.updated_at = at
    complaint.events.append(
        ComplaintEventRecord(at=at, kind=kind.value, agency=agency, message=message)
    )


def view(complaint: ComplaintRecord, at: dt.datetime) -> Complaint:
    return Complaint(
        id=complaint.id,
        nik=complaint.nik,
        subject=complaint.subject,
        description=complaint.description,
        status=ComplaintStatus(complaint.status),
        addressed_to=complaint.addressed_to,
        agency=complaint.agency,
        routing=Routing(
            agency=complaint.agency,
            routed_by=RoutedBy(complaint.routed_by),
            reason=complaint.routing_reason,
        ),
        service=complaint.service,
        service_request_id=complaint.service_request_id,
        category=complaint.category,
        filed_at=complaint.filed_at,
        updated_at=complaint.updated_at,
        deadline=deadlines.current_deadline(complaint),
        stage_deadlines=StageDeadlines(
            verification=complaint.verification_due, follow_up=complaint.follow_up_due
        ),
        overdue=deadlines.is_overdue(complaint, at),
        agency_reference=complaint.agency_reference,
        answer=complaint.answer,
        resolved_at=complaint.resolved_at,
        history=[
            HistoryEntry(at=e.at, kind=HistoryKind(e.kind), agency=e.agency, message=e.message)
            for e in complaint.events
        ],
    )


def _field(errors: list[FieldError], field: str, message: str) -> None:
    errors.append(FieldError(field=field, location="body", message=message))


async def _referenced_request(
    complaints: Complaints, caller: Caller, body: ComplaintCreate, errors: list[FieldError]
) -> ServiceRequestRecord | None:
    """Another citizen's request is as absent as one that never existed, for a portal or a
    kiosk: the field error must not tell it that the id exists."""
    if body.service_request_id is None:
        return None
    async with complaints.sessions() as session:
        request = await session.get(ServiceRequestRecord, body.service_request_id)
    if request is None or not await acts_for_or_record(
        complaints.access_log, caller, request.nik, "complaint.submit", 422
    ):
        _field(errors, "service_request_id", "no service request has this id")
    elif request.nik != body.nik:
        _field(errors, "service_request_id", "the service request belongs to another citizen")
    elif RequestStatus(request.status) in FINAL_STATUSES and deadlines.outside_filing_window(
        jakarta_today(request.updated_at), now()
    ):
        _field(
            errors,
            "service_request_id",
            f"the request ended more than {deadlines.FILING_WINDOW_DAYS} days ago",
        )
    return request


async def _evidence(complaints: Complaints, caller: Caller, body: ComplaintCreate) -> Evidence:
    """Checks every field that names something, all at once, before anything is stored."""
    registry = complaints.registry
    errors: list[FieldError] = []
    try:
        check_nik(body.nik)
    except ValueError as exc:
        _field(errors, "nik", str(exc))
    if (
        body.addressed_to is not None
        and registry.agency(body.addressed_to) is None
        and not registry.of_kind(body.addressed_to)
    ):
        _field(errors, "addressed_to", f"no agency {body.addressed_to!r} is on the bus")
    if body.service is not None:
        try:
            catalogue.service(registry, body.service)
        except ProblemError:
            _field(errors, "service", f"no service {body.service!r} in the catalogue")
    if body.category is not None and body.category not in categories(registry):
        known = ", ".join(sorted(categories(registry)))
        _field(errors, "category", f"no category {body.category!r}; one of {known}")
    if body.service_date is not None:
        if body.service_date > jakarta_today(now()):
            _field(errors, "service_date", "lies in the future")
        elif deadlines.outside_filing_window(body.service_date, now()):
            _field(
                errors,
                "service_date",
                f"complaints are filed within {deadlines.FILING_WINDOW_DAYS} days of the service",
            )
    request = await _referenced_request(complaints, caller, body, errors)
    if errors:
        raise _invalid(errors)
    return Evidence(
        text=f"{body.subject}\n{body.description}",
        addressed_to=body.addressed_to,
        service=body.service,
        service_request=(request.id, request.service) if request else None,
        category=body.category,
        regions=regions_named(
            f"{body.subject}\n{body.description}",
            (request.data["plate_number"],) if request and "plate_number" in request.data else (),
            body.nik,
        ),
    )


def _invalid(errors: list[FieldError]) -> ProblemError:
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return ProblemError(ProblemKind.VALIDATION, detail, errors=errors)


def _routed(complaints: Complaints, evidence: Evidence) -> Route:
    found = route(complaints.registry, evidence)
    if found is None:
        message = "nothing tells which agency handles it: name a service, a category or an agency"
        raise _invalid([FieldError(field="service", location="body", message=message)])
    return found


def _new_record(caller: Caller, body: ComplaintCreate, routed: Route) -> ComplaintRecord:
    at = now()
    complaint = ComplaintRecord(
        id=str(uuid.uuid4()),
        nik=body.nik,
        client_id=caller.client_id,
        subject=body.subject,
        description=body.description,
        addressed_to=body.addressed_to,
        service=body.service,
        service_request_id=body.service_request_id,
        category=body.category,
        service_date=body.service_date,
        agency=routed.agency,
        routed_by=routed.routed_by.value,
        routing_reason=routed.reason,
        status=ComplaintStatus.VERIFIED.value,
        filed_at=at,
        updated_at=at,
        verification_due=deadlines.verification_due(at),
        verified_at=at,
        attempts=0,
        next_run_at=at,
        events=[],
    )
    door = body.addressed_to
    add_history(
        complaint,
        HistoryKind.RECEIVED,
        door,
        f"received at {door}" if door else "received by the gateway, no agency addressed",
    )
    add_history(complaint, HistoryKind.VERIFIED, routed.agency, f"verified: {routed.reason}")
    if door and door != routed.agency:
        add_history(
            complaint,
            HistoryKind.FORWARDED,
            routed.agency,
            f"forwarded from {door} to {routed.agency}, which is responsible: {routed.reason}",
        )
    return complaint


async def submit(
    complaints: Complaints, caller: Caller, body: ComplaintCreate, key: str | None
) -> Complaint:
    refuse_other_citizen(caller, body.nik, operation="complaint.submit")
    routed = _routed(complaints, await _evidence(complaints, caller, body))

    async def create(session: AsyncSession) -> idempotency.Answer:
        complaint = _new_record(caller, body, routed)
        session.add(complaint)
        await session.flush()
        return 201, view(complaint, now()).model_dump(mode="json")

    async def authorise(_: AsyncSession) -> None:
        refuse_other_citizen(caller, body.nik, operation="complaint.submit")

    _, answer = await idempotency.once(
        complaints.sessions,
        caller,
        key,
        idempotency.Action("complaint.create", "", body.model_dump(mode="json")),
        authorise=authorise,
        effect=create,
    )
    complaints.wake_courier()
    await record_access(
        complaints.access_log, caller, "complaint.submit", body.nik, 201, "complaint"
    )
    return Complaint.model_validate(answer)


async def get(complaints: Complaints, caller: Caller, complaint_id: str) -> Complaint:
    async with complaints.sessions() as session:
        complaint = refuse_unless_owned(
            caller,
            await session.get(ComplaintRecord, complaint_id),
            ProblemKind.COMPLAINT_NOT_FOUND,
            f"no complaint {complaint_id}",
            "complaint.read",
        )
        found = view(complaint, now())
    await record_access(
        complaints.access_log, caller, "complaint.read", found.nik, 200, "complaint"
    )
    return found


async def search(
    complaints: Complaints,
    caller: Caller,
    nik: str | None,
    status: ComplaintStatus | None,
    agency: str | None,
    cursor: str | None,
    limit: int,
    overdue: bool | None = None,
) -> ComplaintPage:
    """`overdue` is decided in the query, not after it: a counter looking for late complaints
    is shown, and has disclosed to it, only those, not every open complaint of its agency."""
    if caller.subject_nik is not None:
        refuse_other_citizen(caller, nik or caller.subject_nik, operation="complaint.search")
        nik = caller.subject_nik
    query = select(ComplaintRecord)
    if nik:
        query = query.where(ComplaintRecord.nik == nik)
    if status:
        query = query.where(ComplaintRecord.status == status.value)
    if agency:
        query = query.where(ComplaintRecord.agency == agency)
    if overdue is not None:
        late = deadlines.overdue_clause(now())
        query = query.where(late if overdue else not_(late))
    if cursor:
        at, complaint_id = decode_cursor(cursor)
        query = query.where(
            or_(
                ComplaintRecord.filed_at < at,
                and_(ComplaintRecord.filed_at == at, ComplaintRecord.id < complaint_id),
            )
        )
    query = query.order_by(ComplaintRecord.filed_at.desc(), ComplaintRecord.id.desc())
    async with complaints.sessions() as session:
        found = list((await session.scalars(query.limit(limit + 1))).all())
    page = found[:limit]
    await record_disclosures(
        complaints.access_log,
        caller,
        "complaint.search",
        [c.nik for c in page] or [nik],
        200,
        "complaint",
    )
    at = now()
    return ComplaintPage(
        items=[view(c, at) for c in page],
        next_cursor=encode_cursor(page[-1].filed_at, page[-1].id) if len(found) > limit else None,
    )
