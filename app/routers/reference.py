"""Reference data the frontends need to build forms (the KBLI list for business registration)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.problems import ProblemKind, problem_responses
from app.routers import examples
from app.schemas.business import RiskLevel
from app.schemas.responses import KbliList
from app.services.reference import ReferenceCache

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
