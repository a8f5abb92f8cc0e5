"""The satisfaction survey (SKM, PermenPANRB 14/2017) as the public API takes and shows it."""

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field

from app.schemas.service_requests import StrictModel


def _whole_number(value: object) -> object:
    """JSON Schema's `integer` includes `2.0`; strings and booleans stay refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Score = Annotated[
    int,
    Field(
        strict=True,
        ge=1,
        le=4,
        description="1 tidak baik, 2 kurang baik, 3 baik, 4 sangat baik.",
    ),
    # After the constraints, so that it wraps them and the schema keeps minimum and maximum.
    BeforeValidator(_whole_number),
]


class SurveyAnswers(StrictModel):
    """The nine elements (unsur) of the national survey; every one must be answered."""

    requirements: Score = Field(description="U1 persyaratan: the service's requirements.")
    procedure: Score = Field(description="U2 sistem, mekanisme, dan prosedur.")
    completion_time: Score = Field(description="U3 waktu penyelesaian: time to complete.")
    fee: Score = Field(description="U4 biaya/tarif: fees and tariffs.")
    product: Score = Field(description="U5 produk: the product as specified in the standard.")
    staff_competence: Score = Field(description="U6 kompetensi pelaksana.")
    staff_behaviour: Score = Field(description="U7 perilaku pelaksana.")
    complaint_handling: Score = Field(
        description="U8 penanganan pengaduan, saran dan masukan: complaint handling."
    )
    facilities: Score = Field(description="U9 sarana dan prasarana: facilities.")


class Survey(BaseModel):
    service_request_id: str
    service: str
    agency: str = Field(description="The agency the service belongs to, whose index it counts in.")
    submitted_at: dt.datetime
    answers: SurveyAnswers
