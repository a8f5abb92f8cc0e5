"""Liveness and readiness for orchestrators and for agencies' operators."""

import asyncio

from fastapi import APIRouter, Request, Response
from sqlalchemy import text

from app.bus.calls import call_agency
from app.bus.registry import Agency
from app.problems import ProblemKind
from app.schemas.responses import AgencyHealthReport, Liveness, Readiness
from app.schemas.sources import SourceStatus

router = APIRouter(tags=["health"])

HEALTH_TIMEOUT_S = 1.0


@router.get("/healthz", summary="The process is up", description="Touches nothing else.")
async def healthz() -> Liveness:
    return Liveness(status="ok")


async def _agency_health(agency: Agency, circuit: str) -> AgencyHealthReport:
    if not agency.endpoint.enabled:
        return AgencyHealthReport(status="disabled", circuit=circuit)
    result = await call_agency(agency.code, "health", agency.adapter.health, HEALTH_TIMEOUT_S)
    if result.status is SourceStatus.OK:
        return AgencyHealthReport(status="up", latency_ms=result.latency_ms, circuit=circuit)
    return AgencyHealthReport(
        status="down", latency_ms=result.latency_ms, detail=result.detail, circuit=circuit
    )


async def _database_ok(request: Request) -> bool:
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_S), request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


@router.get(
    "/readyz",
    summary="Can the gateway serve: its database and each agency",
    description=(
        "200 `ready` when the database and every agency answer, 200 `degraded` when an agency "
        "is down (the gateway still serves partial answers), 503 `not_ready` when the database "
        "cannot be reached. Each agency shows its circuit breaker's state."
    ),
    responses={503: {"model": Readiness, "description": "The database cannot be reached."}},
)
async def readyz(request: Request, response: Response) -> Readiness:
    bus = request.app.state.services.bus
    agencies = bus.registry.agencies()
    database_check = asyncio.create_task(_database_ok(request))
    reports = await asyncio.gather(
        *(_agency_health(a, bus.guard(a).breaker.state) for a in agencies)
    )
    database_ok = await database_check
    by_code = {agency.code: report for agency, report in zip(agencies, reports, strict=True)}
    if not database_ok:
        response.status_code = ProblemKind.NOT_READY.status
        status = "not_ready"
    elif all(r.status == "up" for r in by_code.values()):
        status = "ready"
    else:
        status = "degraded"
    return Readiness(status=status, database="up" if database_ok else "down", agencies=by_code)
