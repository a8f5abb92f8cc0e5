"""Reference data the frontends need to build forms (the KBLI list for business registration)
and to show deadlines (the working-day calendar)."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app.problems import ProblemKind, problem_responses
from app.routers import examples
from app.schemas.business import RiskLevel
from app.schemas.responses import DayOffView, KbliList, WorkingCalendar
from app.services.reference import ReferenceCache
from app.workflows.calendar import days_off

router = APIRouter(prefix="/v1/reference", tags=["reference data"])


@router.get(
    "/kbli",
    summary="KBLI 2020 codes with their risk level",
    description=(
        "From the investment-licensing agency, cached (`SATUPINTU_REFERENCE_TTL_S`). When the "
        "cache has expired and the agency is down, the last list is served with "
        "`stale: true` rather than an error."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.KBLI}}},
        **problem_responses(
            ProblemKind.AGENCY_BAD_REPLY,
            ProblemKind.AGENCY_UNAVAILABLE,
            ProblemKind.AGENCY_TIMEOUT,
            personal_data=False,
            secured=False,
        ),
    },
)
async def kbli(
    request: Request,
    risk_level: Annotated[RiskLevel | None, Query(description="Only this risk level.")] = None,
) -> KbliList:
    cache: ReferenceCache = request.app.state.reference
    served = await cache.kbli()
    items = [e for e in served.value if risk_level is None or e.risk_level is risk_level]
    return KbliList(
        items=items, fetched_at=served.fetched_at, stale=served.stale, source=served.source
    )


@router.get(
    "/working-calendar/{year}",
    summary="The working-day calendar deadlines are counted on",
    description=(
        "Every deadline in this API (a service request's `sla_deadline`, a complaint's stages, "
        "a permit's verification) counts working days in Asia/Jakarta: Monday to Friday, "
        "without national public holidays and collective leave (cuti bersama). This is that "
        "calendar, so a frontend can say how many working days are left and count exactly as "
        "the gateway does. It changes only when the government sets a year's days off."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.WORKING_CALENDAR}}},
        **problem_responses(personal_data=False, secured=False),
    },
)
async def working_calendar(
    response: Response,
    year: Annotated[int, Path(ge=2000, le=2100, description="The calendar year.")],
) -> WorkingCalendar:
    response.headers["Cache-Control"] = "public, max-age=86400"
    return WorkingCalendar(
        year=year,
        weekend=["saturday", "sunday"],
        days_off=[
            DayOffView(
                date=off.day,
                name_id=off.name_id,
                name_en=off.name_en,
                kind="collective_leave" if off.collective_leave else "public_holiday",
            )
            for off in days_off(year)
        ],
    )
