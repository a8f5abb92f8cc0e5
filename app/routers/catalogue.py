"""The public service catalogue."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.problems import ProblemKind, problem_responses
from app.routers import examples
from app.routers.deps import AgencyAdminDep
from app.schemas.agencies import ServiceList, ServiceView
from app.schemas.text import SingleLineText
from app.services import catalogue

router = APIRouter(prefix="/v1/services", tags=["service catalogue"])


@router.get(
    "",
    summary="Every service the bus offers",
    description=(
        "From the agencies' own declarations, in the form of the Indonesian service standard "
        "(Standar Pelayanan): name in Indonesian and English, agencies taking part, "
        "requirements, procedure, working days to complete, fee, product, complaint channel, "
        "legal basis and responsible unit. `online` services can be applied for with "
        "`POST /v1/service-requests`."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.SERVICES}}},
        **problem_responses(personal_data=False, secured=False),
    },
)
async def list_services(
    admin: AgencyAdminDep,
    agency: Annotated[SingleLineText | None, Query(max_length=64, examples=["vehicle_tax"])] = None,
    category: Annotated[SingleLineText | None, Query(max_length=64, examples=["vehicles"])] = None,
) -> ServiceList:
    return catalogue.services(admin.registry, agency, category)


@router.get(
    "/{code}",
    summary="One service",
    description="The service's standard, as in the list.",
    responses={
        200: {"content": {"application/json": {"examples": examples.SERVICE}}},
        **problem_responses(ProblemKind.SERVICE_NOT_FOUND, personal_data=False, secured=False),
    },
)
async def get_service(
    code: Annotated[SingleLineText, Path(max_length=64, examples=["vehicle-tax-renewal"])],
    admin: AgencyAdminDep,
) -> ServiceView:
    return catalogue.service(admin.registry, code)
