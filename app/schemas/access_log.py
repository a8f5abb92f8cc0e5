"""The citizen's own view of the audit trail: who used their data, when and why."""

import datetime as dt

from pydantic import BaseModel, Field


class AccessLogEntry(BaseModel):
    occurred_at: dt.datetime
    client_id: str
    client_name: str | None = Field(description="The application's registered name.")
    purpose: str | None = Field(description="Why the client said it used the data.")
    operation: str = Field(examples=["citizen.profile"])
    agencies: list[str] = Field(description="The agencies the gateway asked for it.")
    released: list[str] = Field(description="What left the gateway, e.g. `identity`, `family`.")
    outcome: str = Field(description="`complete`, `partial`, `not_found`, `failed`, `refused`.")
    request_id: str


class AccessLogPage(BaseModel):
    nik: str
    items: list[AccessLogEntry] = Field(description="Newest first.")
    page: int
    page_size: int
    total: int
    total_pages: int
