"""A vehicle by its plate."""

from typing import Annotated

from fastapi import APIRouter, Path

from app.auth.scopes import Scope
from app.problems import ProblemKind, problem_responses
from app.routers import examples
from app.routers.deps import ServicesDep, caller_with
from app.schemas.identifiers import PLATE_DESCRIPTION, PlateNumber
from app.schemas.responses import VehicleRecord
from app.services import vehicles
from app.services.context import Caller

router = APIRouter(prefix="/v1/vehicles", tags=["vehicles"])


@router.get(
    "/{plate_number}",
    summary="A vehicle and its current tax assessment",
    description=(
        "Asks the vehicle-tax agency (SAMSAT). The assessment is this year's: PKB with the "
        "progressive rate for the owner's 2nd and later vehicles, opsen, SWDKLLJ, and late "
        "penalties, in whole rupiah. A client acting for one citizen gets 404 for a vehicle "
        "that citizen does not own."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.VEHICLE}}},
        **problem_responses(
            ProblemKind.VEHICLE_NOT_FOUND,
            ProblemKind.AGENCY_REFUSED_INPUT,
            ProblemKind.CLIENT_CONCURRENCY,
            ProblemKind.AGENCY_BAD_REPLY,
            ProblemKind.AGENCY_UNAVAILABLE,
            ProblemKind.AGENCY_TIMEOUT,
        ),
    },
)
async def get_vehicle(
    plate_number: Annotated[
        PlateNumber, Path(description=PLATE_DESCRIPTION, examples=["B 1234 XYZ"])
    ],
    services: ServicesDep,
    caller: Annotated[Caller, caller_with(Scope.VEHICLES_READ)],
) -> VehicleRecord:
    return await vehicles.get_vehicle(services, caller, plate_number)
