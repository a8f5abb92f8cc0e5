"""What a completed service request gives the citizen, one model per service.

Each model states exactly what its service's product function in
`app.workflows.definitions` returns, so that a typed client knows a renewal's receipt from a
registration's NIB; a service definition names its product model, and the public
`ServiceRequest` is discriminated by `service` from the definitions.
"""

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.adapters.base import PermitDecision
from app.schemas.business import NIB_SCHEMA, PermitType, RiskLevel


class RenewalReceipt(BaseModel):
    """SAMSAT's receipt for the year's tax, as the tax office issued it."""

    receipt_number: str = Field(description="The tax office's receipt number.")
    plate_number: str = Field(examples=["B 9661 SX"])
    amount: int = Field(description="Whole rupiah paid: every year owed, sanctions included.")
    paid_at: dt.datetime
    next_due_date: dt.date = Field(description="When the next year's tax falls due.")


class RenewalProduct(BaseModel):
    receipt: RenewalReceipt


class PermitStep(BaseModel):
    """The permit apart from the NIB (PP 28/2025): none at low risk, a standard certificate
    or a licence above it, issued, refused, or deemed approved when OSS's verification
    deadline passed (fiktif positif)."""

    kind: Literal[PermitType.STANDARD_CERTIFICATE, PermitType.LICENCE] | None = Field(
        description="Null at low risk, where the NIB is the only permit."
    )
    status: PermitDecision
    number: str | None = Field(description="The permit's number once issued or deemed approved.")
    decided_at: dt.datetime | None
    reason: str | None = Field(description="The authority's reason, when it refused the permit.")
    deadline: dt.date | None = Field(
        description="The authority's verification deadline, past which the permit is deemed "
        "approved; null when there is nothing to verify."
    )


class RegistrationProduct(BaseModel):
    """The NIB is issued at registration for every risk level; a refused permit still
    completes the request, since the NIB is the citizen's."""

    nib: Annotated[str, Field(json_schema_extra=NIB_SCHEMA)] | None = Field(
        description="Nomor Induk Berusaha, 13 digits.", examples=["9120001234567"]
    )
    risk_level: RiskLevel
    permit: PermitStep


class Acknowledgement(BaseModel):
    records_updated: int = Field(description="How many of the agency's records took the move.")
    acknowledged_at: dt.datetime


class AddressChangeProduct(BaseModel):
    registration_number: str = Field(description="The civil registry's number for the move.")
    acknowledged_by: dict[str, Acknowledgement] = Field(
        description="Every agency told, by instance code: each provincial tax office where "
        "the citizen owns a vehicle, and the licensing agency."
    )
