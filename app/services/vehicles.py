"""A vehicle by its plate, with this year's tax assessment, from the province that taxes it."""

import time

from app.adapters.base import Capability, VehicleProvider
from app.agencies.jurisdiction import plate_regions
from app.bus.calls import Deadline
from app.bus.registry import NotServed
from app.problems import ProblemKind
from app.schemas.responses import VehicleRecord
from app.schemas.sources import SourceStatus
from app.services.context import Caller, Services
from app.services.outcomes import not_served
from app.services.reads import fail_read, record_read, refuse_other_citizen


async def get_vehicle(services: Services, caller: Caller, plate_number: str) -> VehicleRecord:
    started = time.perf_counter()
    try:
        call = await services.bus.call(
            Capability.VEHICLE_LOOKUP,
            VehicleProvider,
            "vehicle",
            lambda p: p.get_vehicle(plate_number),
            Deadline(services.request_deadline_ms),
            client=caller.client_id,
            regions=plate_regions(plate_number),
        )
    except NotServed as exc:
        raise not_served(exc, f"plate {plate_number}") from exc
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
    refuse_other_citizen(
        caller,
        vehicle.owner_nik,
        kind=ProblemKind.VEHICLE_NOT_FOUND,
        detail="no vehicle with this plate number",
        operation="vehicle.lookup",
        subject_plate=plate_number,
        calls=[call],
        started=started,
    )
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
