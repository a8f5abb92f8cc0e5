"""Service requests: submit, follow, pay, cancel. The workers do the agency work; these use
cases only record what the citizen asked for and wake a worker."""

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tenacity import RetryError

from app.agencies.endpoint_policy import EndpointPolicy, EndpointRefused
from app.auth.delegation import may_request
from app.bus.registry import AdapterRegistry, NotServed
from app.db.models import ServiceRequestRecord
from app.db.version_races import PATIENCE_S, retry_version_races
from app.problems import ProblemError, ProblemKind
from app.schemas.identifiers import check_nik
from app.schemas.problem import FieldError
from app.schemas.service_requests import (
    FINAL_STATUSES,
    Payment,
    PaymentConfirmation,
    RequestStatus,
    ServiceCode,
    Step,
    StepState,
    TimelineEntry,
)
from app.services import catalogue, idempotency
from app.services.access_log import AccessLog
from app.services.context import Caller
from app.services.cursors import decode_cursor, encode_cursor
from app.services.outcomes import not_served
from app.services.personal_data import record_access, record_disclosures
from app.services.reads import refuse_other_citizen, refuse_unless_owned
from app.services.refusals import refused
from app.workflows.calendar import add_working_days, jakarta_today
from app.workflows.definitions import (
    CONTRACT,
    SERVICES,
    ServiceRequest,
    ServiceRequestCreate,
    ServiceRequestPage,
)
from app.workflows.engine import add_event, new_step, now, step_agency

CHANGE_PATIENCE_S = PATIENCE_S
"""How long a citizen's change keeps trying against a request a worker is busy with."""


@dataclass(frozen=True)
class Requests:
    sessions: async_sessionmaker[AsyncSession]
    registry: AdapterRegistry
    access_log: AccessLog
    wake_worker: Callable[[], None]
    callback_policy: EndpointPolicy


async def _record(
    requests: Requests, caller: Caller, operation: str, nik: str | None, status: int
) -> None:
    """Requests hold personal data (NIK, addresses): who touched which is recorded too."""
    await record_access(requests.access_log, caller, operation, nik, status, "service_request")


def view(request: ServiceRequestRecord) -> ServiceRequest:
    """The request as its service's variant: `data` and `product` read into the service's
    own models."""
    awaiting_payment = request.status == RequestStatus.AWAITING_PAYMENT.value
    shown = {
        "id": request.id,
        "service": ServiceCode(request.service),
        "nik": request.nik,
        "status": RequestStatus(request.status),
        "submitted_at": request.submitted_at,
        "updated_at": request.updated_at,
        "sla_deadline": request.sla_deadline,
        "data": request.data,
        "steps": [
            Step(
                name=s.name,
                agency=s.agency,
                state=StepState(s.state),
                attempts=s.attempts,
                agency_reference=s.agency_reference,
                started_at=s.started_at,
                finished_at=s.finished_at,
                detail=s.detail,
            )
            for s in request.steps
        ],
        "payment": Payment(**request.payment) if request.payment and awaiting_payment else None,
        "product": request.product,
        "rejection_reason": request.rejection_reason,
        "timeline": [
            TimelineEntry(at=e.at, status=RequestStatus(e.status), message=e.message)
            for e in request.events
        ],
    }
    return CONTRACT.requests.validate_python(shown)


def _invalid(errors: list[FieldError]) -> ProblemError:
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return ProblemError(ProblemKind.VALIDATION, detail, errors=errors)


def validated_input(body: ServiceRequestCreate) -> dict[str, Any]:
    """Checked before anything is stored: the NIK here, once the caller may act for it (the
    data was checked against the service's input model as the body was read)."""
    try:
        check_nik(body.nik)
    except ValueError as exc:
        raise _invalid([FieldError(field="nik", location="body", message=str(exc))]) from exc
    return body.data.model_dump(mode="json")


async def _check_callback(url: str, policy: EndpointPolicy) -> None:
    """The gateway will POST to this URL from inside its own network: the same policy as for
    agency endpoints keeps a citizen-supplied URL from reaching internal services. A query
    string is the receiver's business (a token of its own, say); a fragment never is."""
    try:
        await policy.check_url(url, query_allowed=True)
    except EndpointRefused as exc:
        raise _invalid(
            [FieldError(field="callback_url", location="body", message=str(exc))]
        ) from exc


async def submit(
    requests: Requests, caller: Caller, body: ServiceRequestCreate, key: str | None
) -> ServiceRequest:
    refuse_other_citizen(caller, body.nik, operation="service_request.submit")
    if not may_request(caller.actor, body.service):
        raise refused(
            caller,
            ProblemKind.CITIZEN_ONLY,
            "the head of a family acts for a member only in family-card services (address change)",
            subject_nik=body.nik,
            operation="service_request.submit",
        )
    data = validated_input(body)
    if body.callback_url:
        await _check_callback(str(body.callback_url), requests.callback_policy)
    definition = SERVICES[body.service]
    standard = catalogue.service(requests.registry, body.service.value)
    try:
        for spec in definition.steps:
            step_agency(requests.registry, spec, data)
    except NotServed as exc:
        raise not_served(exc, "this request") from exc

    async def create(session: AsyncSession) -> idempotency.Answer:
        at = now()
        request_id = str(uuid.uuid4())
        request = ServiceRequestRecord(
            id=request_id,
            service=body.service.value,
            nik=body.nik,
            client_id=caller.client_id,
            status=RequestStatus.SUBMITTED.value,
            data=data,
            callback_url=str(body.callback_url) if body.callback_url else None,
            sla_deadline=add_working_days(jakarta_today(at), standard.working_days),
            submitted_at=at,
            updated_at=at,
            next_run_at=at,
            steps=[
                new_step(requests.registry, request_id, position, spec, data)
                for position, spec in enumerate(definition.steps, start=1)
            ],
            events=[],
        )
        add_event(request, RequestStatus.SUBMITTED, f"{standard.name_en}: received")
        session.add(request)
        await session.flush()
        return 202, view(request).model_dump(mode="json")

    _, answer = await idempotency.once(
        requests.sessions,
        caller,
        key,
        idempotency.Action("service-request.create", "", body.model_dump(mode="json")),
        authorise=_acting_for(caller, body.nik, "service_request.submit"),
        effect=create,
    )
    requests.wake_worker()
    await _record(requests, caller, "service_request.submit", body.nik, 202)
    return CONTRACT.requests.validate_python(answer)


def _acting_for(caller: Caller, nik: str, operation: str) -> idempotency.Authorise:
    async def authorise(_: AsyncSession) -> None:
        refuse_other_citizen(caller, nik, operation=operation)

    return authorise


async def _load(
    session: AsyncSession,
    caller: Caller,
    request_id: str,
    operation: str = "service_request.read",
) -> ServiceRequestRecord:
    """Another citizen's request is as absent as one that never existed, for a portal."""
    return refuse_unless_owned(
        caller,
        await session.get(ServiceRequestRecord, request_id, populate_existing=True),
        ProblemKind.SERVICE_REQUEST_NOT_FOUND,
        f"no service request {request_id}",
        operation,
    )


async def get(requests: Requests, caller: Caller, request_id: str) -> ServiceRequest:
    async with requests.sessions() as session:
        found = view(await _load(session, caller, request_id))
    await _record(requests, caller, "service_request.read", found.nik, 200)
    return found


async def search(
    requests: Requests,
    caller: Caller,
    nik: str | None,
    status: RequestStatus | None,
    service: ServiceCode | None,
    cursor: str | None,
    limit: int,
) -> ServiceRequestPage:
    if caller.subject_nik is not None:
        refuse_other_citizen(caller, nik or caller.subject_nik, operation="service_request.search")
        nik = caller.subject_nik
    query = select(ServiceRequestRecord)
    if nik:
        query = query.where(ServiceRequestRecord.nik == nik)
    if status:
        query = query.where(ServiceRequestRecord.status == status.value)
    if service:
        query = query.where(ServiceRequestRecord.service == service.value)
    if cursor:
        at, request_id = decode_cursor(cursor)
        query = query.where(
            or_(
                ServiceRequestRecord.submitted_at < at,
                and_(ServiceRequestRecord.submitted_at == at, ServiceRequestRecord.id < request_id),
            )
        )
    query = query.order_by(
        ServiceRequestRecord.submitted_at.desc(), ServiceRequestRecord.id.desc()
    ).limit(limit + 1)
    async with requests.sessions() as session:
        found = list((await session.scalars(query)).all())
    more = len(found) > limit
    page = found[:limit]
    await record_disclosures(
        requests.access_log,
        caller,
        "service_request.search",
        [r.nik for r in page] or [nik],
        200,
        "service_request",
    )
    return ServiceRequestPage(
        items=[view(r) for r in page],
        next_cursor=encode_cursor(page[-1].submitted_at, page[-1].id) if more else None,
    )


async def _change(
    requests: Requests,
    caller: Caller,
    key: str | None,
    action: idempotency.Action,
    change: Callable[[ServiceRequestRecord], None],
) -> ServiceRequest:
    """Apply a citizen's change to a request a worker may be advancing at the same moment:
    the row's version makes the loser of a race re-read and re-decide instead of overwriting.
    A worker moves a fresh request through several steps in quick succession, so the loser
    waits a random, growing while before trying again (immediate retries all lost to it);
    only a request still changing after `CHANGE_PATIENCE_S` is a conflict for the citizen.
    Whether the caller may touch the request is decided before any stored answer is replayed."""
    request_id = action.target

    async def authorise(session: AsyncSession) -> None:
        await _load(session, caller, request_id, action.operation)

    async def effect(session: AsyncSession) -> idempotency.Answer:
        request = await _load(session, caller, request_id, action.operation)
        change(request)
        request.next_run_at = now()
        request.updated_at = now()
        await session.flush()
        return 202, view(request).model_dump(mode="json")

    try:
        async for attempt in retry_version_races(CHANGE_PATIENCE_S):
            with attempt:
                _, answer = await idempotency.once(
                    requests.sessions, caller, key, action, authorise=authorise, effect=effect
                )
    except RetryError:
        raise ProblemError(ProblemKind.CONFLICT, "the request kept changing; try again") from None
    requests.wake_worker()
    changed = CONTRACT.requests.validate_python(answer)
    await _record(requests, caller, action.operation, changed.nik, 202)
    return changed


def _wrong_state(request: ServiceRequestRecord, action: str) -> ProblemError:
    return ProblemError(
        ProblemKind.INVALID_STATE, f"cannot {action} a request that is {request.status}"
    )


async def confirm_payment(
    requests: Requests,
    caller: Caller,
    request_id: str,
    payment: PaymentConfirmation,
    key: str | None,
) -> ServiceRequest:
    def pay(request: ServiceRequestRecord) -> None:
        if request.status != RequestStatus.AWAITING_PAYMENT.value or request.closing_status:
            raise _wrong_state(request, "pay")
        due = request.payment or {}
        if dt.datetime.fromisoformat(due["valid_until"]) < now():
            raise ProblemError(ProblemKind.INVALID_STATE, "the payment code has expired")
        if (payment.payment_code, payment.amount) != (due.get("payment_code"), due.get("amount")):
            raise ProblemError(
                ProblemKind.PAYMENT_MISMATCH,
                f"the request awaits payment code {due.get('payment_code')} "
                f"for Rp {due.get('amount')}",
            )
        request.payment_confirmed = payment.model_dump()
        add_event(request, RequestStatus.IN_PROGRESS, "payment confirmed; paying at SAMSAT")

    action = idempotency.Action("service-request.pay", request_id, payment.model_dump())
    return await _change(requests, caller, key, action, pay)


async def cancel(
    requests: Requests, caller: Caller, request_id: str, key: str | None
) -> ServiceRequest:
    def stop(request: ServiceRequestRecord) -> None:
        if (
            request.status in FINAL_STATUSES
            or request.closing_status
            or request.payment_confirmed is not None
        ):
            raise _wrong_state(request, "cancel")
        request.closing_status = RequestStatus.CANCELLED.value
        request.rejection_reason = "cancelled at the citizen's request"

    action = idempotency.Action("service-request.cancel", request_id, None)
    return await _change(requests, caller, key, action, stop)
