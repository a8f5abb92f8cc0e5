"""Mandates (kuasa): a citizen lets another act for them, within some scopes, until a date."""

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from app.auth.scopes import Scope
from app.schemas.identifiers import Nik
from app.schemas.service_requests import StrictModel
from app.schemas.text import SingleLineText

MAX_DURATION = dt.timedelta(days=366)
"""A year (a leap day included): long enough for a family's errands, short enough that a
forgotten mandate does not outlive what it was for. Renew it by granting another."""


class MandateScope(StrEnum):
    """The personal-data scopes a mandate may cover: what a citizen could do themself through
    a portal. Not `audit:read` (every citizen's log) nor the administrative scopes."""

    IDENTITY_READ = Scope.IDENTITY_READ.value
    IDENTITY_FULL = Scope.IDENTITY_FULL.value
    FAMILY_READ = Scope.FAMILY_READ.value
    VEHICLES_READ = Scope.VEHICLES_READ.value
    BUSINESSES_READ = Scope.BUSINESSES_READ.value
    REQUESTS_READ = Scope.REQUESTS_READ.value
    REQUESTS_WRITE = Scope.REQUESTS_WRITE.value
    COMPLAINTS_READ = Scope.COMPLAINTS_READ.value
    COMPLAINTS_WRITE = Scope.COMPLAINTS_WRITE.value


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("must name its time zone, e.g. 2027-06-30T23:59:59+07:00")
    return value


class MandateCreate(StrictModel):
    grantee_nik: Nik = Field(description="The citizen who may act for you.")
    scopes: list[MandateScope] = Field(
        min_length=1,
        max_length=len(MandateScope),
        description="What the grantee may do for you; a token they get for you carries no more.",
    )
    purpose: Annotated[SingleLineText, StringConstraints(min_length=3, max_length=200)] = Field(
        description="Why, in your words; shown in both your access logs.",
        examples=["Mengurus perpanjangan pajak kendaraan selama saya di luar negeri"],
    )
    expires_at: Annotated[dt.datetime, AfterValidator(_aware)] = Field(
        description="When the mandate ends by itself: in the future, at most a year away."
    )


class MandateStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Mandate(BaseModel):
    id: str
    grantor_nik: str = Field(description="Who gave the mandate (the person acted for).")
    grantee_nik: str = Field(description="Who may act.")
    scopes: list[str]
    purpose: str
    created_at: dt.datetime
    expires_at: dt.datetime
    withdrawn_at: dt.datetime | None
    status: MandateStatus


class MandateList(BaseModel):
    granted: list[Mandate] = Field(description="Given by the citizen, newest first.")
    received: list[Mandate] = Field(description="Given to the citizen, newest first.")
