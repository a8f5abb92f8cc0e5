"""The canonical business: an OSS registration with its activities and permits."""

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field
from pydantic.config import JsonDict

#: The paging every `business.list_by_owner` provider must accept (OSS takes page numbers of
#: at most six digits and at most 50 items a page). The gateway refuses anything outside
#: them itself (422), so a caller's bad page never reaches an agency.
MAX_PAGE = 999_999
MAX_PAGE_SIZE = 50

NIB_SCHEMA: JsonDict = {"pattern": "^[0-9]{13}$"}
"""How OSS writes a Nomor Induk Berusaha, stated for clients (the gateway passes on OSS's own)."""
KBLI_SCHEMA: JsonDict = {"pattern": "^[0-9]{5}$"}


class OwnerType(StrEnum):
    INDIVIDUAL = "individual"
    LIMITED_COMPANY = "limited_company"
    PARTNERSHIP = "partnership"
    COOPERATIVE = "cooperative"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM_LOW = "medium_low"
    MEDIUM_HIGH = "medium_high"
    HIGH = "high"


class PermitType(StrEnum):
    NIB = "nib"
    STANDARD_CERTIFICATE = "standard_certificate"
    LICENCE = "licence"


class PermitStatus(StrEnum):
    ISSUED = "issued"
    PENDING_VERIFICATION = "pending_verification"
    REJECTED = "rejected"


class Permit(BaseModel):
    type: PermitType
    number: str | None
    status: PermitStatus
    issued_on: dt.date | None


class BusinessActivity(BaseModel):
    kbli: str = Field(
        description="KBLI 2020 five-digit code.", examples=["56101"], json_schema_extra=KBLI_SCHEMA
    )
    title: str
    risk_level: RiskLevel
    permits: list[Permit]


class BusinessAddress(BaseModel):
    street: str
    village_code: str = Field(description="Kemendagri kelurahan/desa code, dotted.")
    regency_code: str


class Business(BaseModel):
    nib: str = Field(
        description="Nomor Induk Berusaha, 13 digits.",
        examples=["9120001234567"],
        json_schema_extra=NIB_SCHEMA,
    )
    name: str
    owner_type: OwnerType
    owner_nik: str
    tax_number: str | None = Field(description="NPWP; required for legal entities.")
    scale: str = Field(description="micro, small, medium or large.")
    address: BusinessAddress
    registered_on: dt.date
    activities: list[BusinessActivity]


class KbliEntry(BaseModel):
    kbli: str = Field(examples=["56101"], json_schema_extra=KBLI_SCHEMA)
    title: str
    risk_level: RiskLevel
