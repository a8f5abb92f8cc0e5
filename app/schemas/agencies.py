"""Agencies on the bus and the public service catalogue."""

import datetime as dt
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from app.schemas.identifiers import REGION_CODE_PATTERN
from app.schemas.responses import AgencyHealthReport
from app.schemas.service_requests import StrictModel
from app.schemas.text import SINGLE_LINE_PATTERN, SingleLineText, single_line


def _single_line_secret(value: SecretStr) -> SecretStr:
    single_line(value.get_secret_value())
    return value


BaseUrl = Annotated[
    SingleLineText,
    StringConstraints(max_length=2048),
    Field(examples=["https://api.bpjs-kesehatan.go.id/vclaim-rest"]),
]
TimeoutMs = Annotated[int, Field(ge=50, le=60_000, description="Per call, in milliseconds.")]
Password = Annotated[
    SecretStr,
    AfterValidator(_single_line_secret),
    Field(max_length=512, json_schema_extra={"pattern": SINGLE_LINE_PATTERN}),
]


class EndpointView(BaseModel):
    base_url: str
    timeout_ms: int
    username: str | None
    password_set: bool = Field(description="Whether a password is stored; it is never returned.")


class AgencyView(BaseModel):
    code: str = Field(description="The instance's code: the key of its entry in `sources`.")
    name: str
    kind: str = Field(description="The adapter kind (wire dialect) the instance speaks.")
    level: str
    jurisdiction: list[str] = Field(
        description="Kemendagri province (2 digits) or regency (4 digits) codes it serves; "
        "empty for a national agency."
    )
    adapter_version: str
    capabilities: list[str]
    services: list[str] = Field(description="Codes of the services it declares to the catalogue.")
    endpoint: EndpointView | None = Field(description="Null while no endpoint is configured.")
    enabled: bool
    health: AgencyHealthReport
    updated_at: dt.datetime | None = Field(description="Last change through the admin API.")
    updated_by: str | None
    registered_at_run_time: bool = Field(
        description="Registered through the admin API rather than the operator's settings."
    )


class AgencyList(BaseModel):
    items: list[AgencyView]


class EndpointUpdate(StrictModel):
    """The whole endpoint (PUT). The password is write-only and stored encrypted."""

    base_url: BaseUrl
    timeout_ms: TimeoutMs = 2000
    enabled: bool = True
    username: SingleLineText | None = Field(default=None, max_length=128)
    password: Password | None = None


AgencyCode = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$"),
    Field(examples=["bapenda_51"], description="Lower case letters, digits and `_`."),
]
RegionCode = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{2}([0-9]{2})?$"),
    # The document lists the codes that exist; the server names unknown ones in its own words.
    Field(
        description="A Kemendagri province (`51`) or regency/city (`5171`) code.",
        json_schema_extra={"pattern": REGION_CODE_PATTERN},
    ),
]


def real_regions(codes: list[str]) -> list[str]:
    from app.agencies.jurisdiction import region_name

    unknown = [code for code in codes if region_name(code) is None]
    if unknown:
        raise ValueError(f"not Kemendagri province or regency codes: {', '.join(unknown)}")
    if len(set(codes)) != len(codes):
        raise ValueError("each region at most once")
    return sorted(codes)


class ConformanceFixturesIn(StrictModel):
    """Identifiers this instance's backend answers for (its own province's plates), used by
    the conformance suite in place of the adapter kind's defaults."""

    known_nik: Annotated[str, StringConstraints(pattern=r"^[0-9]{16}$")] | None = None
    unknown_nik: Annotated[str, StringConstraints(pattern=r"^[0-9]{16}$")] | None = None
    known_plate_number: SingleLineText | None = Field(default=None, max_length=16)
    unknown_plate_number: SingleLineText | None = Field(default=None, max_length=16)


class AgencyRegistration(EndpointUpdate):
    """A new agency instance (POST): who it is, the adapter kind it speaks, where it has
    authority, and its endpoint."""

    code: AgencyCode
    kind: SingleLineText = Field(max_length=64, examples=["vehicle_tax"])
    name: SingleLineText = Field(max_length=200, examples=["Bapenda Provinsi Bali (SAMSAT)"])
    jurisdiction: Annotated[list[RegionCode], AfterValidator(real_regions)] = Field(
        default_factory=list,
        max_length=600,
        examples=[["51"]],
        description="Empty for a national agency.",
        json_schema_extra={"uniqueItems": True},
    )
    conformance: ConformanceFixturesIn | None = None


class EndpointPatch(StrictModel):
    """Only the fields to change (PATCH). A null username or password removes it; the other
    fields always have a value, so a null there is refused rather than taken as "keep"."""

    base_url: BaseUrl | SkipJsonSchema[None] = None
    timeout_ms: TimeoutMs | SkipJsonSchema[None] = None
    enabled: bool | SkipJsonSchema[None] = None
    username: SingleLineText | None = Field(default=None, max_length=128)
    password: Password | None = None

    @field_validator("base_url", "timeout_ms", "enabled")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value


class ServiceStageView(BaseModel):
    """A stage of a service with its own period, in working days (Asia/Jakarta, without
    public holidays and collective leave)."""

    name_id: str
    name_en: str
    working_days: int = Field(ge=0, description="0: done at once.")
    deemed_approval: bool = Field(
        description="When the stage's period passes undecided, the system issues the result "
        "itself (fiktif positif, PP 28/2025 Pasal 225 and 230)."
    )


class ServiceView(BaseModel):
    """A service as a public service mall's front desk shows it (Standar Pelayanan)."""

    code: str
    name_id: str
    name_en: str
    category: str
    agencies: list[str] = Field(description="Every agency that takes part.")
    requirements: list[str]
    procedure: list[str]
    working_days: int
    stages: list[ServiceStageView] = Field(
        default_factory=list,
        description="The stages that have their own deadline, in order; their working days "
        "add up to `working_days`. Empty when the standard gives one period for the whole.",
    )
    fee: str
    product: str
    complaint_channel: str
    legal_basis: list[str]
    responsible_unit: str
    online: bool = Field(
        description="Whether it can be applied for here, with POST /v1/service-requests."
    )


class ServiceList(BaseModel):
    items: list[ServiceView]
