"""The canonical social-security membership (BPJS-like), served by adapters that join later."""

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field


class MembershipStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"


class Membership(BaseModel):
    nik: str
    program: str = Field(description="e.g. health (JKN-KIS), work accident (JKK), old age (JHT).")
    membership_number: str
    status: MembershipStatus
    member_class: str | None = Field(default=None, description="Care class for health cover.")
    valid_until: dt.date | None = None
