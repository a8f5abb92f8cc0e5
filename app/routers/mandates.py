"""`/v1/mandates`: a citizen lets someone act for them (kuasa), sees who may, and withdraws."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app.problems import ProblemKind, problem_responses
from app.routers import examples
from app.routers.deps import ServicesDep, caller_with
from app.schemas.identifiers import NIK_DESCRIPTION, Nik
from app.schemas.mandates import Mandate, MandateCreate, MandateList
from app.services import mandates
from app.services.context import Caller

router = APIRouter(prefix="/v1/mandates", tags=["mandates"])

CitizenCaller = Annotated[Caller, caller_with()]
MandateId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[0-9a-f-]+$")]


@router.post(
    "",
    status_code=201,
    summary="Let someone act for you",
    description=(
        "The signed-in citizen (a portal or kiosk token acting for themself, not for someone "
        "else) lets `grantee_nik` act for them within `scopes` until `expires_at` (at most a "
        "year). The grantee then exchanges their own ID token with "
        "`requested_subject=<your NIK>` at `POST /v1/oauth/token`; that token carries no "
        "scope beyond the mandate's and stops working the moment the mandate is withdrawn or "
        "expires. The grant is recorded in both citizens' access logs. The same grant sent "
        "again while it is in force (same grantee, scopes, purpose and expiry: a retry after a "
        "lost answer) answers 200 with that mandate; nothing is granted twice."
    ),
    responses={
        201: {
            "headers": {
                "Location": {"description": "The new mandate.", "schema": {"type": "string"}}
            },
            "content": {"application/json": {"examples": examples.MANDATE}},
        },
        200: {
            "description": "The same grant again, while in force: the mandate already given.",
            "model": Mandate,
            "headers": {"Location": {"description": "That mandate.", "schema": {"type": "string"}}},
            "content": {"application/json": {"examples": examples.MANDATE}},
        },
        **problem_responses(ProblemKind.CITIZEN_ONLY, ProblemKind.PAYLOAD_TOO_LARGE),
    },
)
async def grant_mandate(
    body: MandateCreate,
    request: Request,
    response: Response,
    services: ServicesDep,
    caller: CitizenCaller,
) -> Mandate:
    granted, created = await mandates.grant(services, caller, body)
    if not created:
        response.status_code = 200
    response.headers["Location"] = str(request.url_for("get_mandate", mandate_id=granted.id))
    return granted


@router.get(
    "",
    summary="Who may act for you, and for whom you may act",
    description=(
        "The mandates the citizen gave (`granted`) and was given (`received`), withdrawn and "
        "expired ones included, newest first. A portal or kiosk token lists its own citizen's; "
        "an oversight body's client with `audit:read` names the citizen in `nik` and states "
        "its purpose. Recorded in that citizen's access log."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.MANDATES}}},
        **problem_responses(ProblemKind.CITIZEN_ONLY, ProblemKind.CITIZEN_NOT_FOUND),
    },
)
async def list_mandates(
    services: ServicesDep,
    caller: CitizenCaller,
    nik: Annotated[Nik | None, Query(description=NIK_DESCRIPTION)] = None,
) -> MandateList:
    return await mandates.list_mandates(services, caller, nik)


@router.get(
    "/{mandate_id}",
    summary="One mandate",
    description=(
        "For the citizen who gave it and the one who received it (signed in themself), or an "
        "oversight body's client with `audit:read` and a purpose; anyone else gets 404, as for "
        "one that does not exist. Recorded in both citizens' access logs."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.MANDATE}}},
        **problem_responses(ProblemKind.CITIZEN_ONLY, ProblemKind.MANDATE_NOT_FOUND),
    },
)
async def get_mandate(
    mandate_id: MandateId, services: ServicesDep, caller: CitizenCaller
) -> Mandate:
    return await mandates.get_mandate(services, caller, mandate_id)


@router.delete(
    "/{mandate_id}",
    status_code=204,
    summary="Withdraw a mandate you gave",
    description=(
        "Only the citizen who gave it, signed in themself. From this moment every token "
        "acting on it is refused (401); withdrawing again changes nothing. Another citizen's "
        "mandate answers 404, as one that does not exist. Recorded in both citizens' access "
        "logs."
    ),
    responses=problem_responses(ProblemKind.CITIZEN_ONLY, ProblemKind.MANDATE_NOT_FOUND),
)
async def withdraw_mandate(
    mandate_id: MandateId, services: ServicesDep, caller: CitizenCaller
) -> Response:
    await mandates.withdraw(services, caller, mandate_id)
    return Response(status_code=204)
