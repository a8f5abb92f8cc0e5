"""Reports for the agencies and their supervisors: the satisfaction index (SKM) and the
evaluation of each service against its published standard."""

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field


class Period(BaseModel):
    start: dt.date = Field(description="First day counted (Asia/Jakarta).")
    end: dt.date = Field(description="Last day counted (Asia/Jakarta).")


class ElementScore(BaseModel):
    element: str = Field(description="The answer's field name, e.g. `requirements`.")
    code: str = Field(description="U1 to U9, as the regulation numbers them.")
    name_id: str
    mean: Decimal = Field(description="Nilai rata-rata (NRR) of the element, 1-4.")
    weighted: Decimal = Field(description="NRR tertimbang: the mean times 1/9.")
    grade: str = Field(description="The element's grade on the regulation's intervals.")


class SatisfactionReport(BaseModel):
    period: Period
    agency: str | None
    service: str | None
    respondents: int
    elements: list[ElementScore] = Field(description="Empty without respondents.")
    index: Decimal | None = Field(description="IKM on the 1-4 scale, to four decimals.")
    converted_index: Decimal | None = Field(
        description="IKM x 25, on the 25-100 scale, to two decimals."
    )
    grade: str | None = Field(description="A, B, C or D, from the converted index.")
    grade_name: str | None = Field(description="Mutu pelayanan: sangat baik ... tidak baik.")


class RequestFigures(BaseModel):
    submitted: int = Field(description="Requests submitted in the period.")
    by_outcome: dict[str, int] = Field(description="Those requests by their status now.")
    completed_within_sla: int
    completed_within_sla_share: float | None = Field(
        description="Of the completed ones, the share done by their deadline; null if none."
    )
    median_completion_working_days: float | None
    p90_completion_working_days: float | None = Field(
        description="Nearest-rank 90th percentile of the completed requests' working days."
    )


class ServicePerformance(RequestFigures):
    service: str
    standard_working_days: int = Field(description="What the service standard promises.")


class ComplaintFigures(BaseModel):
    received: int = Field(description="Complaints filed in the period now held by the agency.")
    overdue: int = Field(description="Of those, how many missed a stage deadline.")
    resolved: int = Field(description="Of those, how many the agency has answered.")


class CallFigures(BaseModel):
    calls: int = Field(description="Calls the gateway made to the agency in the period.")
    answered: int = Field(description="Calls the agency answered (found or not).")
    availability: float | None = Field(description="answered / calls; null without calls.")
    median_latency_ms: float | None
    p95_latency_ms: float | None = Field(description="Nearest-rank 95th percentile.")


class AgencyPerformance(RequestFigures):
    agency: str
    services: list[ServicePerformance]
    complaints: ComplaintFigures
    calls: CallFigures


class PerformanceReport(BaseModel):
    period: Period
    agencies: list[AgencyPerformance]
