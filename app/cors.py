"""Which web pages may call the API from a browser, and what their scripts may send and read.

Production names its frontends (`SATUPINTU_CORS_ALLOW_ORIGINS`) and allows no other origin
until it does; development allows any. Credentials are bearer tokens a script sends itself,
never cookies, so no origin is ever allowed credentials."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.auth.rate_limit import RATE_LIMIT_HEADER, RATE_LIMIT_POLICY_HEADER
from app.config import Settings
from app.observability import REQUEST_ID_HEADER, TRACEPARENT_HEADER

REQUEST_HEADERS = (
    "Authorization",
    "X-API-Key",
    "Content-Type",
    "Accept",
    "Accept-Language",
    "Idempotency-Key",
    "X-Purpose",
    REQUEST_ID_HEADER,
    TRACEPARENT_HEADER,
)
"""What a browser may send: the headers the API reads, and no others."""

RESPONSE_HEADERS = (
    "Location",
    "Retry-After",
    RATE_LIMIT_HEADER,
    RATE_LIMIT_POLICY_HEADER,
    REQUEST_ID_HEADER,
    TRACEPARENT_HEADER,
    "WWW-Authenticate",
    "Content-Language",
)
"""What a script may read beyond the CORS-safelisted headers: where a new resource is, when
to retry, the quota left, the ids to quote, why authentication failed, the problem's language."""

PREFLIGHT_MAX_AGE_S = 3600
"""How long a browser may reuse a preflight answer: one preflight an hour per route, not one
per call."""


def allowed_origins(settings: Settings) -> list[str]:
    """Those configured, else any in development and none in production."""
    if settings.cors_allow_origins is not None:
        return settings.cors_allow_origins
    return ["*"] if settings.environment == "development" else []


def add_cors(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(
        CORSMiddleware,
        allow_origins=allowed_origins(settings),
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=list(REQUEST_HEADERS),
        expose_headers=list(RESPONSE_HEADERS),
        max_age=PREFLIGHT_MAX_AGE_S,
    )
