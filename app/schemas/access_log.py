"""The citizen's own view of the audit trail: who used their data, when and why."""

import datetime as dt

from pydantic import BaseModel, Field


class ActingParty(BaseModel):
    """The other person in an entry where someone acted for someone else (issue 15)."""

    nik: str = Field(
        description="Masked: enough to tell people apart.", examples=["3374********0002"]
    )
    basis: str = Field(description="`parent`, `family_head` or `mandate`.")
    relationship: str = Field(
        description="The actor's relation to the person acted for: `mother`, `father`, "
        "`head of family`, `mandate holder`."
    )
    summary: str = Field(examples=["your mother, acting for you"])
    summary_id: str = Field(
        description="The same in Bahasa Indonesia.", examples=["ibu Anda, bertindak untuk Anda"]
    )


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
    acting_for_you: ActingParty | None = Field(
        default=None, description="Someone else acted for this citizen: who, and on what basis."
    )
    acting_for: ActingParty | None = Field(
        default=None,
        description="This citizen acted for someone else (the entry is in that person's log too).",
    )


class AccessLogPage(BaseModel):
    nik: str
    items: list[AccessLogEntry] = Field(description="Newest first.")
    page: int
    page_size: int
    total: int
    total_pages: int
