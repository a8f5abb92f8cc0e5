"""RFC 9457 problem details, the one error shape of the whole API."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    """One rejected input, named the way the client sent it."""

    field: str = Field(description="The parameter or body field, e.g. `nik` or `include`.")
    location: str = Field(description="Where it was sent: `path`, `query`, `header` or `body`.")
    message: str


class Problem(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A stable URI per kind of error; clients switch on it.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(default=None, description="The request path that failed.")
    request_id: str | None = Field(default=None, description="Quote it when reporting a fault.")
    errors: list[FieldError] | None = Field(
        default=None, description="For validation problems: every rejected field."
    )
    sources: dict[str, Any] | None = Field(
        default=None, description="For agency problems: what each agency answered."
    )
