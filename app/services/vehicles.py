"""A vehicle by its plate, with this year's tax assessment."""

import time

from app.adapters.base import Capability, VehicleProvider
from app.bus.calls import Deadline
from app.problems import ProblemError, ProblemKind
from app.schemas.responses import VehicleRecord
from app.schemas.sources import SourceStatus
from app.services.context import Caller, Services
from app.services.reads import fail_read, record_read


async def get_vehicle(services: Services, caller: Caller, plate_number: str) -> VehicleRecord:
    started = time.perf_counter()
    call = await services.bus.call(
        Capability.VEHICLE_LOOKUP,
        VehicleProvider,
        "vehicle",
        lambda p: p.get_vehicle(plate_number),
        Deadline(services.request_deadline_ms),
        client=caller.client_id,
    )
    if call.status is not SourceStatus.OK or call.value is None:
        raise await fail_read(
            services,
            caller,
            "vehicle.lookup",
            started,
            call,
            [call],
            ProblemKind.VEHICLE_NOT_FOUND,
            subject_plate=plate_number,
        )
    vehicle = call.value
    if not caller.acts_for(vehicle.owner_nik):
        await record_read(
            services,
            caller,
            "vehicle.lookup",
            started,
            [call],
            ProblemKind.VEHICLE_NOT_FOUND.status,
            "refused",
            subject_plate=plate_number,
            subject_nik=vehicle.owner_nik,
        )
        raise ProblemError(ProblemKind.VEHICLE_NOT_FOUND, "no vehicle with this plate number")
    await record_read(
        services,
        caller,
        "vehicle.lookup",
        started,
        [call],
        200,
        "complete",
        released=["vehicle"],
        subject_plate=plate_number,
        subject_nik=vehicle.owner_nik,
    )
    return VehicleRecord(vehicle=vehicle, source=call.report())
