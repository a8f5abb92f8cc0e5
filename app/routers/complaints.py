"""Complaints at any door: filed, classified, forwarded to the agency responsible, answered."""

from typing import Annotated

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response

from app.auth.scopes import Scope
from app.problems import ProblemKind, problem_responses
from app.routers import examples
from app.routers.deps import ComplaintsDep, caller_with
from app.schemas.complaints import Complaint, ComplaintCreate, ComplaintPage, ComplaintStatus
from app.schemas.identifiers import NIK_DESCRIPTION, Nik
from app.schemas.text import SingleLineText
from app.services import complaints
from app.services.context import Caller

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])


@router.post(
    "",
    status_code=201,
    summary="File a complaint at any door",
    description=(
        "Any agency, or none, may be named in `addressed_to`. The gateway classifies the "
        "complaint (by the service request or service it is about, its category, else its "
        "words), answers at once with the agency responsible and why (`routing`), and hands it "
        "to that agency in the background. A complaint sent to the wrong agency is forwarded, "
        "never refused; the forwarding is in its `history`. It must be handed over within 3 "
        "working days and answered within 5 working days of that (`stage_deadlines`); "
        "`overdue` flags a missed one. Filed within 30 days of the service."
    ),
    responses={
        201: {"content": {"application/json": {"examples": examples.COMPLAINT}}},
        **problem_responses(
            ProblemKind.CITIZEN_NOT_FOUND,
            ProblemKind.IDEMPOTENCY_KEY_REUSED,
            ProblemKind.PAYLOAD_TOO_LARGE,
        ),
    },
)
async def file_complaint(
    body: Annotated[ComplaintCreate, Body(openapi_examples=examples.COMPLAINT_BODIES)],
    request: Request,
    response: Response,
    complaints_: ComplaintsDep,
    caller: Annotated[Caller, caller_with(Scope.COMPLAINTS_WRITE)],
    idempotency_key: Annotated[
        SingleLineText | None,
        Header(
            max_length=255,
            description="A retried POST with the same key and body files it once; the same "
            "key with another body is refused with 422. A key is the caller's own.",
        ),
    ] = None,
) -> Complaint:
    filed = await complaints.submit(complaints_, caller, body, idempotency_key)
    response.headers["Location"] = str(request.url_for("get_complaint", complaint_id=filed.id))
    return filed


@router.get(
    "",
    summary="Find complaints",
    description="Newest first, by cursor: pass `next_cursor` back as `cursor` for the next page.",
    responses={
        200: {"content": {"application/json": {"examples": examples.COMPLAINT_PAGE}}},
        **problem_responses(ProblemKind.CITIZEN_NOT_FOUND),
    },
)
async def list_complaints(
    complaints_: ComplaintsDep,
    caller: Annotated[Caller, caller_with(Scope.COMPLAINTS_READ)],
    nik: Annotated[Nik | None, Query(description=NIK_DESCRIPTION)] = None,
    status: ComplaintStatus | None = None,
    agency: Annotated[
        SingleLineText | None, Query(max_length=64, description="The agency now responsible.")
    ] = None,
    overdue: Annotated[
        bool | None,
        Query(
            description="Only complaints whose current stage's deadline has passed (`true`), "
            "or only those still in time or closed (`false`)."
        ),
    ] = None,
    cursor: Annotated[SingleLineText | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ComplaintPage:
    return await complaints.search(
        complaints_, caller, nik, status, agency, cursor, limit, overdue=overdue
    )


@router.get(
    "/{complaint_id}",
    summary="A complaint: where it is, its deadline, its history",
    description=(
        "The agency now responsible and why, the deadline of the current stage (`overdue` once "
        "it has passed), the agency's ticket and answer, and every step of its way."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.COMPLAINT}}},
        **problem_responses(ProblemKind.COMPLAINT_NOT_FOUND),
    },
)
async def get_complaint(
    complaint_id: Annotated[
        SingleLineText, Path(max_length=36, description="The id returned on filing.")
    ],
    complaints_: ComplaintsDep,
    caller: Annotated[Caller, caller_with(Scope.COMPLAINTS_READ)],
) -> Complaint:
    return await complaints.get(complaints_, caller, complaint_id)
