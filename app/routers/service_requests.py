"""Service requests: applications that several agencies work on, followed to their product."""

from typing import Annotated

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response

from app.auth.scopes import Scope
from app.problems import ProblemKind, problem_responses
from app.routers import examples
from app.routers.deps import RequestsDep, caller_with
from app.schemas.identifiers import NIK_DESCRIPTION, Nik
from app.schemas.service_requests import PaymentConfirmation, RequestStatus, ServiceCode
from app.schemas.text import SingleLineText
from app.services import service_requests
from app.services.context import Caller
from app.workflows.definitions import ServiceRequest, ServiceRequestCreate, ServiceRequestPage

router = APIRouter(prefix="/v1/service-requests", tags=["service requests"])

IdempotencyKey = Annotated[
    SingleLineText | None,
    Header(
        max_length=255,
        description=(
            "Makes a retried POST safe: the same key, path and body return the first answer; "
            "the same key on another path or body is refused with 422. A key is the caller's "
            "own (its client and, for a portal or kiosk, its citizen)."
        ),
    ),
]
Reader = Annotated[Caller, caller_with(Scope.REQUESTS_READ)]
Writer = Annotated[Caller, caller_with(Scope.REQUESTS_WRITE)]
RequestId = Annotated[
    SingleLineText, Path(max_length=36, description="The id returned on submission.")
]
_WRITE_ERRORS = (
    ProblemKind.SERVICE_REQUEST_NOT_FOUND,
    ProblemKind.INVALID_STATE,
    ProblemKind.CONFLICT,
    ProblemKind.IDEMPOTENCY_KEY_REUSED,
)


def _located(response: Response, request: Request, body: ServiceRequest) -> ServiceRequest:
    response.headers["Location"] = str(request.url_for("get_service_request", request_id=body.id))
    return body


@router.post(
    "",
    status_code=202,
    summary="Submit a service request",
    description=(
        "Validates `data` against the service's own input model, records the request with its "
        "planned steps and its deadline in working days, and returns 202 at once; the agencies "
        "work on it in the background. Follow it at the `Location`, or give a `callback_url` "
        "to be told of every status change."
    ),
    responses={
        202: {
            "content": {"application/json": {"examples": examples.SERVICE_REQUEST_SUBMITTED}},
            "headers": {
                "Location": {"description": "The new request.", "schema": {"type": "string"}}
            },
        },
        **problem_responses(
            ProblemKind.CITIZEN_NOT_FOUND,
            ProblemKind.CITIZEN_ONLY,
            ProblemKind.IDEMPOTENCY_KEY_REUSED,
            ProblemKind.PAYLOAD_TOO_LARGE,
        ),
    },
)
async def submit_service_request(
    body: Annotated[ServiceRequestCreate, Body(openapi_examples=examples.SERVICE_REQUEST_BODIES)],
    request: Request,
    response: Response,
    requests: RequestsDep,
    caller: Writer,
    idempotency_key: IdempotencyKey = None,
) -> ServiceRequest:
    created = await service_requests.submit(requests, caller, body, idempotency_key)
    return _located(response, request, created)


@router.get(
    "",
    summary="Find service requests",
    description=(
        "Newest first, by cursor: pass `next_cursor` back as `cursor` for the next page. A "
        "client acting for one citizen sees that citizen's requests only; another `nik` is 404."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.SERVICE_REQUEST_PAGE}}},
        **problem_responses(ProblemKind.CITIZEN_NOT_FOUND),
    },
)
async def list_service_requests(
    requests: RequestsDep,
    caller: Reader,
    nik: Annotated[Nik | None, Query(description=NIK_DESCRIPTION)] = None,
    status: RequestStatus | None = None,
    service: ServiceCode | None = None,
    cursor: Annotated[SingleLineText | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ServiceRequestPage:
    return await service_requests.search(requests, caller, nik, status, service, cursor, limit)


@router.get(
    "/{request_id}",
    summary="A service request: status, steps, timeline, product",
    description=(
        "Each step names its agency, its state, its times and the agency's own reference. "
        "`payment` is set while the request awaits payment; `product` once it is completed."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.SERVICE_REQUEST}}},
        **problem_responses(ProblemKind.SERVICE_REQUEST_NOT_FOUND),
    },
)
async def get_service_request(
    request_id: RequestId, requests: RequestsDep, caller: Reader
) -> ServiceRequest:
    return await service_requests.get(requests, caller, request_id)


@router.post(
    "/{request_id}/payment",
    status_code=202,
    summary="Confirm the payment of a vehicle-tax request",
    description=(
        "Simulates the bank's confirmation: the code and the amount must be the ones the "
        "request awaits. The worker then pays at SAMSAT and the receipt becomes the product."
    ),
    responses={
        202: {"content": {"application/json": {"examples": examples.SERVICE_REQUEST}}},
        **problem_responses(
            *_WRITE_ERRORS, ProblemKind.PAYMENT_MISMATCH, ProblemKind.PAYLOAD_TOO_LARGE
        ),
    },
)
async def confirm_payment(
    request_id: RequestId,
    body: PaymentConfirmation,
    requests: RequestsDep,
    caller: Writer,
    idempotency_key: IdempotencyKey = None,
) -> ServiceRequest:
    return await service_requests.confirm_payment(
        requests, caller, request_id, body, idempotency_key
    )


@router.post(
    "/{request_id}/cancel",
    status_code=202,
    summary="Cancel a service request",
    description=(
        "Possible until payment is confirmed or the request has ended. What an agency already "
        "did that must not outlive the request is undone (a payment code is voided)."
    ),
    responses={
        202: {"content": {"application/json": {"examples": examples.SERVICE_REQUEST}}},
        **problem_responses(*_WRITE_ERRORS),
    },
)
async def cancel_service_request(
    request_id: RequestId,
    requests: RequestsDep,
    caller: Writer,
    idempotency_key: IdempotencyKey = None,
) -> ServiceRequest:
    return await service_requests.cancel(requests, caller, request_id, idempotency_key)
