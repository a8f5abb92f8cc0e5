"""The satisfaction survey: once a service request is completed, its citizen rates the nine
elements of the service once; the answers feed the agency's index (`app.reports.skm`).

Only the citizen answers: through their portal token or a kiosk acting for them. An officer
or system client may hold `requests:write`, but staff rating their own agency would make the
index worthless, so no scope opens the survey to them."""

import datetime as dt

from sqlalchemy.exc import IntegrityError

from app.db.models import SatisfactionSurveyRecord, ServiceRequestRecord
from app.problems import ProblemError, ProblemKind
from app.reports.skm import ELEMENTS
from app.schemas.service_requests import RequestStatus
from app.schemas.surveys import Survey, SurveyAnswers
from app.services import catalogue
from app.services.context import Caller
from app.services.personal_data import record_access
from app.services.reads import refuse_unless_owned
from app.services.service_requests import Requests


def _refuse_staff(caller: Caller) -> None:
    if not caller.kind.citizen_bound or caller.subject_nik is None:
        raise ProblemError(
            ProblemKind.CITIZEN_ONLY,
            f"a survey is answered by the citizen (portal or kiosk), not by a {caller.kind} client",
        )


async def submit(
    requests: Requests, caller: Caller, request_id: str, answers: SurveyAnswers
) -> Survey:
    _refuse_staff(caller)
    at = dt.datetime.now(dt.UTC)
    try:
        async with requests.sessions.begin() as session:
            request = refuse_unless_owned(
                caller,
                await session.get(ServiceRequestRecord, request_id),
                ProblemKind.SERVICE_REQUEST_NOT_FOUND,
                f"no service request {request_id}",
                "survey.submit",
            )
            if request.status != RequestStatus.COMPLETED.value:
                raise ProblemError(
                    ProblemKind.INVALID_STATE,
                    f"a request is surveyed once it is completed; this one is {request.status}",
                )
            survey = SatisfactionSurveyRecord(
                service_request_id=request.id,
                service=request.service,
                agency=catalogue.responsible(
                    requests.registry, request.service, [s.agency for s in request.steps]
                ),
                nik=request.nik,
                submitted_at=at,
                **{e.field: getattr(answers, e.field) for e in ELEMENTS},
            )
            session.add(survey)
            nik = request.nik
    except IntegrityError as exc:
        raise ProblemError(
            ProblemKind.SURVEY_ALREADY_SUBMITTED,
            f"service request {request_id} has already been surveyed",
        ) from exc
    await record_access(requests.access_log, caller, "survey.submit", nik, 201, "survey")
    return Survey(
        service_request_id=survey.service_request_id,
        service=survey.service,
        agency=survey.agency,
        submitted_at=at,
        answers=answers,
    )
