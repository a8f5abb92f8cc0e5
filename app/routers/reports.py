"""Reports: the satisfaction index and the evaluation against the service standard."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.scopes import Scope
from app.problems import problem_responses
from app.routers import examples
from app.routers.deps import ReportsDep, caller_with
from app.schemas.reports import PerformanceReport, SatisfactionReport
from app.schemas.text import SingleLineText
from app.services import reports

router = APIRouter(
    prefix="/v1/reports", tags=["reports"], dependencies=[caller_with(Scope.REPORTS_READ)]
)

Agency = Annotated[SingleLineText | None, Query(max_length=64, description="One agency's code.")]
From = Annotated[
    dt.date | None,
    Query(alias="from", description="First day (Asia/Jakarta); 29 days before `to` if left out."),
]
To = Annotated[
    dt.date | None, Query(alias="to", description="Last day (Asia/Jakarta); today if left out.")
]


@router.get(
    "/satisfaction",
    summary="The satisfaction index (IKM), as PermenPANRB 14/2017 computes it",
    description=(
        "Per-element averages (NRR) of the surveys submitted in the period, each weighted "
        "exactly 1/9, summed into the index on the 1-4 scale and converted to 25-100 (x 25), "
        "with the grade: A 88.31-100, B 76.61-88.30, C 65.00-76.60, D 25.00-64.99. The weight "
        "is the regulation's formula (equal weights, 1 divided by the number of elements), "
        "kept as an exact fraction to the end; its grade table lines up with it. Spreadsheets "
        "that round the weight to 0.111 can give a grade lower near a boundary: five answers "
        "whose means sum to 31.8 are 88.33, A, with 1/9, and 88.25, B, with 0.111."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.SATISFACTION}}},
        **problem_responses(personal_data=False),
    },
)
async def satisfaction_report(
    reports_: ReportsDep,
    agency: Agency = None,
    service: Annotated[SingleLineText | None, Query(max_length=40)] = None,
    start: From = None,
    end: To = None,
) -> SatisfactionReport:
    return await reports.satisfaction(reports_, agency, service, start, end)


@router.get(
    "/performance",
    summary="Each agency and service against its published standard",
    description=(
        "For requests submitted in the period: how they ended, the share completed by their "
        "deadline, median and p90 completion time in working days; complaints filed in the "
        "period with how many missed a deadline and how many were answered; and the agency's "
        "availability and latency as the gateway saw them on its calls."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.PERFORMANCE}}},
        **problem_responses(personal_data=False),
    },
)
async def performance_report(
    reports_: ReportsDep, agency: Agency = None, start: From = None, end: To = None
) -> PerformanceReport:
    return await reports.performance(reports_, agency, start, end)
