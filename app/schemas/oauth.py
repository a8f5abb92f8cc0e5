"""The token endpoint's answer (RFC 6749 section 5.1, RFC 8693 section 2.2.1)."""

from typing import Literal

from pydantic import BaseModel, Field


class TokenResponse(BaseModel):
    access_token: str = Field(description="A signed JWT; send it as `Authorization: Bearer`.")
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds until it expires; then ask for a new one.")
    scope: str = Field(description="The scopes granted, space-separated.")
    issued_token_type: str | None = Field(
        default=None,
        description="RFC 8693: `urn:ietf:params:oauth:token-type:access_token`, in the answer "
        "to a token exchange only.",
    )
