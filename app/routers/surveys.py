"""The satisfaction survey (SKM) of a completed service request."""

from typing import Annotated

from fastapi import APIRouter, Body, Path

from app.auth.scopes import Scope
from app.problems import ProblemKind, problem_responses
from app.routers import examples
from app.routers.deps import RequestsDep, caller_with
from app.schemas.surveys import Survey, SurveyAnswers
from app.schemas.text import SingleLineText
from app.services import surveys
from app.services.context import Caller

router = APIRouter(prefix="/v1/service-requests", tags=["satisfaction surveys"])


@router.post(
    "/{request_id}/survey",
    status_code=201,
    summary="Rate a completed service request",
    description=(
        "The nine elements of the national survey (PermenPANRB 14/2017), each 1 to 4; all "
        "are required. Once per request, and only once it is completed. The answers count in "
        "the satisfaction index of the service's agency (`GET /v1/reports/satisfaction`). "
        "Answered by the citizen only: with their portal token, or by a kiosk acting for them; "
        "officer and system clients get 403 `citizen-only`."
    ),
    responses={
        201: {"content": {"application/json": {"examples": examples.SURVEY}}},
        **problem_responses(
            ProblemKind.CITIZEN_ONLY,
            ProblemKind.SERVICE_REQUEST_NOT_FOUND,
            ProblemKind.INVALID_STATE,
            ProblemKind.SURVEY_ALREADY_SUBMITTED,
        ),
    },
)
async def submit_survey(
    request_id: Annotated[
        SingleLineText, Path(max_length=36, description="The completed request.")
    ],
    body: Annotated[SurveyAnswers, Body(openapi_examples=examples.SURVEY_BODY)],
    requests: RequestsDep,
    caller: Annotated[Caller, caller_with(Scope.REQUESTS_WRITE)],
) -> Survey:
    return await surveys.submit(requests, caller, request_id, body)
