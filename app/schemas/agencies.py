"""Agencies on the bus and the public service catalogue."""

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, SecretStr, StringConstraints

from app.schemas.responses import AgencyHealthReport
from app.schemas.service_requests import StrictModel

BaseUrl = Annotated[
    str,
    StringConstraints(max_length=2048),
    Field(examples=["https://api.bpjs-kesehatan.go.id/vclaim-rest"]),
]
TimeoutMs = Annotated[int, Field(ge=50, le=60_000, description="Per call, in milliseconds.")]


class EndpointView(BaseModel):
    base_url: str
    timeout_ms: int
    username: str | None
    password_set: bool = Field(description="Whether a password is stored; it is never returned.")


class AgencyView(BaseModel):
    code: str
    name: str
    level: str
    adapter_version: str
    capabilities: list[str]
    services: list[str] = Field(description="Codes of the services it declares to the catalogue.")
    endpoint: EndpointView | None = Field(description="Null while no endpoint is configured.")
    enabled: bool
    health: AgencyHealthReport
    updated_at: dt.datetime | None = Field(description="Last change through the admin API.")
    updated_by: str | None


class AgencyList(BaseModel):
    items: list[AgencyView]


class EndpointUpdate(StrictModel):
    """The whole endpoint (PUT). The password is write-only and stored encrypted."""

    base_url: BaseUrl
    timeout_ms: TimeoutMs = 2000
    enabled: bool = True
    username: str | None = Field(default=None, max_length=128)
    password: SecretStr | None = Field(default=None, max_length=512)


class EndpointPatch(StrictModel):
    """Only the fields to change (PATCH)."""

    base_url: BaseUrl | None = None
    timeout_ms: TimeoutMs | None = None
    enabled: bool | None = None
    username: str | None = Field(default=None, max_length=128)
    password: SecretStr | None = Field(default=None, max_length=512)


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
