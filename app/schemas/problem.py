"""RFC 9457 problem details, the one error shape of the whole API."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.auth.scopes import GrantedScope
from app.schemas.sources import SourceReport

PROBLEM_MEDIA_TYPE = "application/problem+json"

OAuthError = Literal["invalid_request", "invalid_client", "invalid_scope", "unsupported_grant_type"]


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


class ConformanceFailure(BaseModel):
    """One contract check an agency endpoint did not pass."""

    check: str = Field(description="The check's name in the contract suite.")
    detail: str | None = Field(default=None, description="What the endpoint answered instead.")


class ProblemMembers(BaseModel):
    """The extension members some kinds of problem carry besides RFC 9457's own, as the
    OpenAPI document declares them; which kind sends which is listed beside the kinds."""

    errors: list[FieldError] = Field(description="Every rejected field, parameter or header.")
    sources: dict[str, SourceReport] = Field(
        description="What each agency asked for this answer replied, by agency instance code."
    )
    regions: list[str] = Field(
        description="Kemendagri codes of the regions no agency instance serves yet."
    )
    required_scopes: list[GrantedScope] = Field(description="Every scope the operation needs.")
    failures: list[ConformanceFailure] = Field(description="Every failed conformance check.")
    error: OAuthError = Field(description="RFC 6749's error code, for OAuth client libraries.")
    error_description: str = Field(description="RFC 6749's human-readable error text.")
