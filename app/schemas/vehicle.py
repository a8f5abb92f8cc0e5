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


class TaxYear(BaseModel):
    """One tax year owed. Each unpaid year is owed on its own: its own PKB and opsen, its own
    sanction for the months that year is late, its own SWDKLLJ and SWDKLLJ late fee."""

    due_date: dt.date = Field(description="The day this tax year fell or falls due.")
    months_late: int = Field(
        ge=0,
        le=24,
        description="Started months since this year's due date (a day late counts as one), "
        "at most 24.",
    )
    pkb_principal: int = Field(description="NJKB x bobot x the province's rate.")
    pkb_opsen: int = Field(description="Regency opsen, 66 % of the PKB (UU 1/2022); 0 in DKI.")
    pkb_penalty: int = Field(
        description="Administrative sanction: the province's monthly rate (1 % under the "
        "HKPD-era Perda) x months_late x (PKB + opsen)."
    )
    swdkllj_principal: int = Field(description="Jasa Raharja yearly contribution by class.")
    swdkllj_penalty: int = Field(description="Fixed SWDKLLJ late fee when the year is late.")
    total: int = Field(description="The sum of this year's five amounts.")


class TaxAssessment(BaseModel):
    """What the owner owes now: every unpaid tax year (PKB with opsen, SWDKLLJ, sanctions),
    with the amounts below summed over ``years``."""

    status: TaxStatus = Field(
        description="`paid` when the due date is ahead of today, `due` on it, `overdue` after it."
    )
    due_date: dt.date = Field(description="Due date of the oldest unpaid tax year.")
    months_overdue: int = Field(
        ge=0, le=24, description="Months late of the oldest unpaid year, at most 24."
    )
    ownership_order: int = Field(
        ge=1, description="1 for the owner's first vehicle of its kind; progressive rates above."
    )
    sale_value: int = Field(description="NJKB, the regulated sale value.")
    weight_coefficient: float = Field(description="Bobot: 1.0 for cars and motorcycles.")
    rate_percent: float = Field(description="The PKB rate applied, in percent.")
    pkb_principal: int = Field(description="PKB over every year owed.")
    pkb_opsen: int = Field(description="Regency surcharge (opsen PKB) over every year; 0 in DKI.")
    pkb_penalty: int = Field(description="Sanctions over every year, each for its own lateness.")
    swdkllj_principal: int = Field(
        description="Jasa Raharja road-accident fund contribution, over every year owed."
    )
    swdkllj_penalty: int = Field(description="SWDKLLJ late fees over every late year.")
    total: int = Field(description="Everything to pay now: the sum of the years' totals.")
    years: list[TaxYear] = Field(
        default_factory=list,
        description="The tax years owed, oldest first; one year when nothing is in arrears.",
    )


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
