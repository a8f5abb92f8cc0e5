"""Who the caller is, as the gateway sees it: what a frontend would otherwise decode from its
JWT, which a client should treat as opaque."""

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from app.auth.scopes import ClientKind, GrantedScope
from app.schemas.identifiers import NIK_PATTERN


class Me(BaseModel):
    client_id: str
    name: str = Field(description="The client's name, as its operator registered it.")
    kind: ClientKind = Field(
        description="`portal` and `kiosk` act for one citizen (`nik`); `officer` and `system` "
        "state a purpose (`X-Purpose`) for every use of personal data."
    )
    scopes: list[GrantedScope] = Field(
        description="What this credential may read and do, sorted: built-in scopes and data "
        "products' (`<name>:read`)."
    )
    nik: str | None = Field(
        pattern=NIK_PATTERN,
        description="The citizen a portal or kiosk token acts for; null for other clients.",
    )
    credential: Literal["bearer_token", "api_key"] = Field(
        description="How the caller authenticated: an access token, or a system client's "
        "`X-API-Key`."
    )
    expires_at: dt.datetime | None = Field(
        description="When the access token expires (UTC); null for an API key, which lasts "
        "until it is rotated."
    )


EXAMPLES = {
    "portal": {
        "summary": "A citizen portal's token",
        "value": {
            "client_id": "portal-warga-jawa-tengah-3f9c01a2",
            "name": "Portal Warga Jawa Tengah",
            "kind": "portal",
            "scopes": ["identity:read", "requests:read", "requests:write"],
            "nik": "3374091203840001",
            "credential": "bearer_token",
            "expires_at": "2026-12-06T19:15:00Z",
        },
    },
    "system": {
        "summary": "An agency back office with an API key",
        "value": {
            "client_id": "bpjs-kesehatan-back-office-9a41d2c7",
            "name": "BPJS Kesehatan back office",
            "kind": "system",
            "scopes": ["identity:read"],
            "nik": None,
            "credential": "api_key",
            "expires_at": None,
        },
    },
}
