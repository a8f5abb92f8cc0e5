"""How each agency's part of an answer went, so a partial answer says what it is missing."""

from enum import StrEnum

from pydantic import BaseModel, Field


class SourceStatus(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    #: The agency refused what the caller sent (a page past its limit, a malformed
    #: identifier); the agency is healthy and this does not count against it.
    REFUSED = "refused"
    #: The caller's own calls in flight to this agency already fill its fair share; the
    #: agency was not called and other callers are unaffected.
    THROTTLED = "throttled"
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
