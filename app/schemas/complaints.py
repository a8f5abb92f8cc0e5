"""Complaints (SP4N-LAPOR!, Perpres 76/2013) as the public API shows them."""

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.schemas.identifiers import NikText
from app.schemas.service_requests import StrictModel
from app.schemas.text import MultilineText, SingleLineText


class ComplaintStatus(StrEnum):
    """The national stages: verified (classified and routed) within 3 working days, handed
    to the responsible agency (disposisi), answered by it within 5 working days."""

    VERIFIED = "verified"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"


class RoutedBy(StrEnum):
    SERVICE_REQUEST = "service_request"
    SERVICE = "service"
    CATEGORY = "category"
    KEYWORDS = "keywords"
    ADDRESSED_AGENCY = "addressed_agency"


class HistoryKind(StrEnum):
    RECEIVED = "received"
    VERIFIED = "verified"
    FORWARDED = "forwarded"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"


class ComplaintCreate(StrictModel):
    nik: NikText = Field(description="The citizen complaining.", examples=["3174101704820001"])
    addressed_to: SingleLineText | None = Field(
        default=None,
        max_length=64,
        description=(
            "The agency the citizen sent it to, if any. Any agency is a right door: when "
            "another one is responsible, the complaint is forwarded, never refused."
        ),
        examples=["civil_registry"],
    )
    subject: Annotated[
        SingleLineText, StringConstraints(strip_whitespace=True, min_length=5, max_length=200)
    ]
    description: Annotated[
        MultilineText, StringConstraints(strip_whitespace=True, min_length=10, max_length=4000)
    ]
    service_request_id: SingleLineText | None = Field(
        default=None, max_length=36, description="The service request it is about, if any."
    )
    service: SingleLineText | None = Field(
        default=None,
        max_length=40,
        description="The catalogue service it is about (`GET /v1/services`).",
        examples=["vehicle-tax-renewal"],
    )
    category: SingleLineText | None = Field(
        default=None,
        max_length=40,
        description="A catalogue category (`vehicles`, `business`, `civil-registration`, ...).",
    )
    service_date: dt.date | None = Field(
        default=None,
        description="When the service complained about was received; at most 30 days ago.",
    )


class Routing(BaseModel):
    agency: str = Field(description="The agency responsible, which the complaint went to.")
    routed_by: RoutedBy = Field(description="What decided it, strongest evidence first.")
    reason: str


class StageDeadlines(BaseModel):
    verification: dt.date = Field(description="3 working days after filing.")
    follow_up: dt.date | None = Field(
        description="5 working days after the agency received it; null until then."
    )


class HistoryEntry(BaseModel):
    at: dt.datetime
    kind: HistoryKind
    agency: str | None = Field(description="The agency holding the complaint at that moment.")
    message: str


class Complaint(BaseModel):
    id: str
    nik: str
    subject: str
    description: str
    status: ComplaintStatus
    addressed_to: str | None
    agency: str = Field(description="The agency now responsible.")
    routing: Routing
    service: str | None
    service_request_id: str | None
    category: str | None
    filed_at: dt.datetime
    updated_at: dt.datetime
    deadline: dt.date | None = Field(
        description="Last working day of the current stage (Asia/Jakarta); null once resolved."
    )
    stage_deadlines: StageDeadlines
    overdue: bool = Field(description="The current stage's deadline has passed.")
    agency_reference: str | None = Field(description="The agency's own ticket number.")
    answer: str | None = Field(description="The agency's answer, once resolved.")
    resolved_at: dt.datetime | None
    history: list[HistoryEntry]


class ComplaintPage(BaseModel):
    items: list[Complaint]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")
