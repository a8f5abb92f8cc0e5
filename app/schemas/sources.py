"""How each agency's part of an answer went, so a partial answer says what it is missing."""

from enum import StrEnum

from pydantic import BaseModel, Field


class SourceStatus(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    TIMEOUT = "timeout"
    UNAVAILABLE = "unavailable"
    ERROR = "error"


class SourceReport(BaseModel):
    status: SourceStatus
    latency_ms: int = Field(description="Time spent waiting for this agency in this request.")
    parts: list[str] = Field(
        default_factory=list, description="Which parts of the answer this agency supplied."
    )
    detail: str | None = Field(default=None, description="Why the status is not `ok`.")


Sources = dict[str, SourceReport]
