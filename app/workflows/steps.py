"""The steps services are made of. Each step asks one agency one thing, identified by the
step's idempotency reference, and says how the request goes on: done, wait, or reject.

Steps raise for transient trouble (timeouts, an agency down); the engine retries them later
with the same reference, so the agency applies each step once however often it is asked.
"""

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from app.adapters.base import (
    AgencyNotFound,
    AgencyRejected,
    BusinessApplication,
    Capability,
    IdentityProvider,
    IdentityVerifier,
    NewAddress,
    OwnerAddressBook,
    PermitDecision,
    Registration,
    ResidenceRegistry,
    VehicleProvider,
    VehicleTaxCashier,
)
from app.adapters.base import BusinessRegistrar as Registrar
from app.agencies.jurisdiction import plate_regions
from app.schemas.business import RiskLevel
from app.schemas.service_requests import RequestStatus
from app.workflows.calendar import add_working_days

AGENCY_POLL_SECONDS = 2.0


@dataclass(frozen=True)
class Done:
    result: dict[str, Any] = field(default_factory=dict)
    agency_reference: str | None = None


@dataclass(frozen=True)
class Wait:
    """Not finished, through no fault: the citizen must pay, or the agency must decide."""

    status: RequestStatus
    detail: str
    poll_after_s: float | None = None


@dataclass(frozen=True)
class Reject:
    reason: str


Outcome = Done | Wait | Reject


@dataclass(frozen=True)
class StepInput:
    """What a step may know: the request, its earlier steps' results, and its own reference."""

    request_id: str
    nik: str
    data: dict[str, Any]
    results: dict[str, dict[str, Any]]
    payment_confirmed: dict[str, Any] | None
    reference: str


P = TypeVar("P")


class Provide(Protocol):
    """How a step reaches agencies: the one instance for a capability (the one whose
    jurisdiction covers `regions`, when the step's key decides one), or every instance."""

    def __call__(
        self, capability: Capability, protocol: type[P], regions: tuple[str, ...] | None = None
    ) -> P: ...

    def every(self, capability: Capability, protocol: type[P]) -> list[tuple[str, P]]:
        """(instance code, adapter) of every enabled instance serving `capability`."""
        ...


StepRun = Callable[[StepInput, "Provide"], Awaitable[Outcome]]


def plate_of(data: dict[str, Any]) -> tuple[str, ...]:
    return plate_regions(data["plate_number"])


@dataclass(frozen=True)
class StepSpec:
    """`regions` names, from the request's data, the regions whose instance does the step
    (a renewal's plate); `every` marks a step that asks every instance of its capability."""

    name: str
    capability: Capability
    run: StepRun
    regions: Callable[[dict[str, Any]], tuple[str, ...]] | None = None
    every: bool = False


def _new_address(data: dict[str, Any]) -> NewAddress:
    return NewAddress(
        street=data["street"], rt=data["rt"], rw=data["rw"], village_code=data["village_code"]
    )


async def verify_vehicle_owner(step: StepInput, provide: Provide) -> Outcome:
    """At the counter the owner's KTP must match the vehicle's registration: the plate must be
    on this NIK, and the civil registry must know this NIK under the registered name, alive."""
    plate = step.data["plate_number"]
    vehicles = provide(Capability.VEHICLE_LOOKUP, VehicleProvider, plate_of(step.data))
    try:
        vehicle = await vehicles.get_vehicle(plate)
    except AgencyNotFound:
        return Reject(f"vehicle tax has no vehicle with plate {plate}")
    if vehicle.owner_nik != step.nik:
        return Reject(f"the vehicle {plate} is not registered to this NIK")
    registry: IdentityVerifier = provide(Capability.IDENTITY_VERIFY, IdentityVerifier)
    try:
        match = await registry.verify_identity(step.nik, vehicle.owner_name)
    except AgencyNotFound:
        return Reject("the civil registry has no citizen with this NIK")
    if not match.alive:
        return Reject("the civil registry records the owner as deceased")
    if not match.name_matches:
        return Reject("the owner's name on the vehicle registration differs from the KTP")
    return Done({"owner_name": vehicle.owner_name, "blocked": vehicle.blocked})


async def issue_payment_code(step: StepInput, provide: Provide) -> Outcome:
    cashier = provide(Capability.VEHICLE_TAX_PAYMENT, VehicleTaxCashier, plate_of(step.data))
    try:
        code = await cashier.issue_payment_code(step.data["plate_number"], step.nik, step.reference)
    except AgencyRejected as exc:
        return Reject(str(exc))
    return Done(
        {
            "payment_code": code.code,
            "amount": code.amount,
            "valid_until": code.valid_until.isoformat(),
        },
        agency_reference=code.code,
    )


async def pay_vehicle_tax(step: StepInput, provide: Provide) -> Outcome:
    """Waits for the citizen's payment until the code expires; an unpaid, expired code ends
    the request (and its compensation voids the code at SAMSAT)."""
    if step.payment_confirmed is None:
        valid_until = dt.datetime.fromisoformat(step.results["issue_payment_code"]["valid_until"])
        left_s = (valid_until - _now()).total_seconds()
        if left_s <= 0:
            return Reject("the payment code expired before it was paid")
        return Wait(
            RequestStatus.AWAITING_PAYMENT, "waiting for the citizen to pay", poll_after_s=left_s
        )
    cashier = provide(Capability.VEHICLE_TAX_PAYMENT, VehicleTaxCashier, plate_of(step.data))
    try:
        receipt = await cashier.pay(
            step.payment_confirmed["payment_code"],
            step.payment_confirmed["amount"],
            step.reference,
        )
    except AgencyRejected as exc:
        return Reject(str(exc))
    return Done(
        {
            "receipt_number": receipt.number,
            "plate_number": receipt.plate_number,
            "amount": receipt.amount,
            "paid_at": receipt.paid_at.isoformat(),
            "next_due_date": receipt.next_due_date.isoformat(),
        },
        agency_reference=receipt.number,
    )


async def void_payment_code(step: StepInput, provide: Provide) -> Outcome:
    """Compensation: a payment code must not stay payable for a request that ended."""
    cashier = provide(Capability.VEHICLE_TAX_PAYMENT, VehicleTaxCashier, plate_of(step.data))
    code = step.results["issue_payment_code"]["payment_code"]
    try:
        await cashier.void_payment_code(code, step.reference)
    except AgencyRejected as exc:
        return Done({"voided": False, "note": str(exc)})
    return Done({"voided": True, "payment_code": code})


async def verify_citizen_alive(step: StepInput, provide: Provide) -> Outcome:
    """A deceased citizen cannot start a service; the NIK must be known to the registry."""
    identity: IdentityProvider = provide(Capability.IDENTITY_LOOKUP, IdentityProvider)
    try:
        person = await identity.get_identity(step.nik)
    except AgencyNotFound:
        return Reject("the civil registry has no citizen with this NIK")
    if person.deceased:
        return Reject("the civil registry records this citizen as deceased")
    return Done({"full_name": person.full_name})


def _permit(registration: Registration) -> dict[str, Any]:
    """The permit step as the product shows it (see `definitions._registration_product`)."""
    decided = registration.permit_decided_at
    deadline = registration.permit_deadline
    refused = registration.permit_status is PermitDecision.REFUSED
    return {
        "kind": None if registration.permit_kind is None else registration.permit_kind.value,
        "status": registration.permit_status.value,
        "number": registration.permit_number,
        "decided_at": None if decided is None else decided.isoformat(),
        "reason": registration.rejection_reason if refused else None,
        "deadline": None if deadline is None else deadline.isoformat(),
    }


def _registered(registration: Registration) -> dict[str, Any]:
    return {
        "application_id": registration.application_id,
        "risk_level": registration.risk_level.value,
        "status": registration.status.value,
        "nib": registration.nib,
        "permit": _permit(registration),
    }


async def submit_business_registration(step: StepInput, provide: Provide) -> Outcome:
    """OSS issues the NIB at registration for every risk level (PP 28/2025); only a refusal
    of the application itself (an unknown KBLI, a bad address) rejects the request."""
    registrar: Registrar = provide(Capability.BUSINESS_REGISTER, Registrar)
    address = step.data["address"]
    application = BusinessApplication(
        business_name=step.data["business_name"],
        kbli=step.data["kbli"],
        street=address["street"],
        village_code=address["village_code"],
    )
    try:
        registration = await registrar.register_business(step.nik, application, step.reference)
    except AgencyRejected as exc:
        return Reject(str(exc))
    return Done(_registered(registration), agency_reference=registration.application_id)


def _verifying(risk: RiskLevel, deadline: dt.date | None) -> str:
    """The permit step's two deadlines as the citizen reads them while waiting: the
    authority's last working day, and the working day after it, on which OSS issues the
    permit itself if nothing was decided (PP 28/2025 Pasal 225 and 230)."""
    verifying = f"the licensing agency is verifying a {risk.value}-risk activity"
    if deadline is None:
        return verifying
    deemed = add_working_days(deadline, 1)
    return (
        f"{verifying}; its verification is due by {deadline.isoformat()}; if undecided, "
        f"OSS issues the permit as deemed approved on {deemed.isoformat()}"
    )


async def await_licensing_decision(step: StepInput, provide: Provide) -> Outcome:
    """The permit step: nothing to wait for at low and medium-low risk; at medium-high and
    high risk the authority verifies within its deadline in working days, and OSS deems the
    permit approved when the deadline passes (PP 28/2025, fiktif positif). A refused permit
    still ends the request completed: the citizen holds the NIB, and the product says the
    permit was refused and why."""
    submitted = step.results["submit_registration"]
    permit = submitted.get("permit")  # absent in requests submitted before permits were kept
    if permit is not None and permit["status"] != PermitDecision.PENDING.value:
        return Done(submitted)
    registrar: Registrar = provide(Capability.BUSINESS_REGISTER, Registrar)
    registration = await registrar.registration_status(submitted["application_id"])
    if registration.permit_status is PermitDecision.PENDING:
        return Wait(
            RequestStatus.AWAITING_AGENCY,
            _verifying(registration.risk_level, registration.permit_deadline),
            poll_after_s=AGENCY_POLL_SECONDS,
        )
    return Done(_registered(registration))


async def record_new_address(step: StepInput, provide: Provide) -> Outcome:
    registry: ResidenceRegistry = provide(Capability.IDENTITY_UPDATE_ADDRESS, ResidenceRegistry)
    try:
        number = await registry.update_address(step.nik, _new_address(step.data), step.reference)
    except AgencyRejected as exc:
        return Reject(str(exc))
    return Done({"registration_number": number}, agency_reference=number)


async def tell_tax_offices(step: StepInput, provide: Provide) -> Outcome:
    """'Tell us once' across a federation: each provincial tax office where the citizen owns a
    vehicle learns of the move, and only those: an office holding none of the citizen's
    vehicles has no business receiving their address (UU 27/2022, data minimisation). The
    offices are asked at once; one that fails fails the step, which runs again later with the
    same reference, so the offices already told apply the move once."""
    address = _new_address(step.data)

    async def tell(office: OwnerAddressBook) -> int | None:
        if not isinstance(office, VehicleProvider):
            return None
        if not await office.list_vehicles_by_owner(step.nik):
            return None
        return await office.update_owner_address(step.nik, address, step.reference)

    offices = provide.every(Capability.VEHICLE_UPDATE_OWNER_ADDRESS, OwnerAddressBook)
    try:
        counts = await asyncio.gather(*(tell(office) for _, office in offices))
    except AgencyRejected as exc:
        return Reject(str(exc))
    told = {
        code: count for (code, _), count in zip(offices, counts, strict=True) if count is not None
    }
    return Done({"offices": told, "acknowledged_at": _now().isoformat()})


def tell_agency(capability: Capability) -> StepRun:
    """'Tell us once': an agency holding its own copy of the address learns of the move."""

    async def run(step: StepInput, provide: Provide) -> Outcome:
        book: OwnerAddressBook = provide(capability, OwnerAddressBook)
        try:
            changed = await book.update_owner_address(
                step.nik, _new_address(step.data), step.reference
            )
        except AgencyRejected as exc:
            return Reject(str(exc))
        return Done({"records_updated": changed, "acknowledged_at": _now().isoformat()})

    return run


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
