"""The canonical vehicle and its yearly tax, amounts in whole rupiah."""

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field


class TaxStatus(StrEnum):
    PAID = "paid"
    DUE = "due"
    OVERDUE = "overdue"


class VehicleClass(StrEnum):
    MOTORCYCLE = "motorcycle"
    PRIVATE_CAR = "private_car"
    PRIVATE_BUS = "private_bus"
    PUBLIC_CAR = "public_car"
    TRUCK = "truck"


class TaxAssessment(BaseModel):
    """What the owner owes this year (PKB with opsen, SWDKLLJ, late penalties)."""

    status: TaxStatus = Field(
        description="`paid` when the due date is ahead of today, `due` on it, `overdue` after it."
    )
    due_date: dt.date
    months_overdue: int = Field(ge=0, le=24)
    ownership_order: int = Field(
        ge=1, description="1 for the owner's first vehicle of its kind; progressive rates above."
    )
    sale_value: int = Field(description="NJKB, the regulated sale value.")
    weight_coefficient: float = Field(description="Bobot: 1.0 for cars and motorcycles.")
    rate_percent: float = Field(description="The PKB rate applied, in percent.")
    pkb_principal: int
    pkb_opsen: int = Field(description="Regency surcharge (opsen PKB); 0 in Jakarta.")
    pkb_penalty: int
    swdkllj_principal: int = Field(description="Jasa Raharja road-accident fund contribution.")
    swdkllj_penalty: int
    total: int


class Vehicle(BaseModel):
    plate_number: str = Field(examples=["B 1234 XYZ"])
    make: str
    model: str
    vehicle_type: str = Field(description="The agency's body type, e.g. MINIBUS, SEPEDA MOTOR.")
    vehicle_class: VehicleClass
    engine_cc: int
    year_made: int
    color: str
    owner_nik: str
    owner_name: str
    registration_expires_on: dt.date = Field(description="STNK 5-year validity end.")
    blocked: bool = Field(description="Under a blocking status: cannot be renewed by others.")
    tax: TaxAssessment
