"""Every error the API can give, as RFC 9457 problems with a stable `type` per kind.

The kinds are declared once here so that the handlers, the routes' OpenAPI `responses` and
the docs cannot drift apart.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.config import DEFAULT_PROBLEM_BASE_URI
from app.problem_texts import INDONESIAN, fields_detail, preferred_language
from app.schemas.problem import PROBLEM_MEDIA_TYPE, FieldError, Problem


@dataclass(frozen=True)
class Kind:
    slug: str
    title: str
    status: int
    description: str


class ProblemKind(Kind, Enum):
    VALIDATION = (
        "validation-error",
        "Invalid request",
        422,
        "A parameter or field is malformed; `errors` names each one. No agency was called.",
    )
    CITIZEN_NOT_FOUND = (
        "citizen-not-found",
        "Citizen not found",
        404,
        "The civil registry has no citizen with this NIK.",
    )
    VEHICLE_NOT_FOUND = (
        "vehicle-not-found",
        "Vehicle not found",
        404,
        "The vehicle-tax system has no vehicle with this plate number.",
    )
    SERVICE_REQUEST_NOT_FOUND = (
        "service-request-not-found",
        "Service request not found",
        404,
        "No service request has this id.",
    )
    INVALID_STATE = (
        "invalid-state",
        "Not possible in the request's current state",
        409,
        "E.g. paying a request that does not await payment, or cancelling a finished one.",
    )
    CONFLICT = (
        "conflict",
        "Concurrent change",
        409,
        "The request changed while this change was applied; send it again.",
    )
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency-key-reused",
        "Idempotency-Key reused with another request",
        422,
        "The key was first used for another operation, another resource or another body; a "
        "retry must repeat the first request exactly.",
    )
    PAYMENT_MISMATCH = (
        "payment-mismatch",
        "Payment does not match",
        422,
        "The payment code or amount differs from what the request awaits.",
    )
    COMPLAINT_NOT_FOUND = (
        "complaint-not-found",
        "Complaint not found",
        404,
        "No complaint has this id.",
    )
    MANDATE_NOT_FOUND = (
        "mandate-not-found",
        "Mandate not found",
        404,
        "No mandate with this id was granted by the citizen the caller acts for.",
    )
    SURVEY_ALREADY_SUBMITTED = (
        "survey-already-submitted",
        "Survey already submitted",
        409,
        "A service request is surveyed once; this one already has its answers.",
    )
    AGENCY_NOT_FOUND = (
        "agency-not-found",
        "Agency not found",
        404,
        "No agency instance with this code is on the bus.",
    )
    AGENCY_EXISTS = (
        "agency-exists",
        "Agency code already registered",
        409,
        "An agency instance with this code is on the bus already; change it with PUT or PATCH, "
        "or remove it first.",
    )
    JURISDICTION_NOT_SERVED = (
        "jurisdiction-not-served",
        "No agency serves this region yet",
        503,
        "The request belongs to a region (a plate's province, say) for which no agency instance "
        "is registered on the bus; `regions` names them. Not a fault of any agency: it lasts "
        "until an instance with that jurisdiction joins.",
    )
    SERVICE_NOT_FOUND = (
        "service-not-found",
        "Service not found",
        404,
        "No agency on the bus declares a service with this code.",
    )
    ENDPOINT_REFUSED = (
        "endpoint-refused",
        "Endpoint URL refused",
        422,
        "Wrong scheme, credentials in the URL, or an internal address nobody allow-listed.",
    )
    CONFORMANCE_FAILED = (
        "conformance-failed",
        "Endpoint failed the conformance check",
        422,
        "The adapter and this endpoint do not pass the contract suite; `failures` lists why. "
        "Nothing was changed.",
    )
    PRODUCT_NOT_FOUND = (
        "product-not-found",
        "Data product not found",
        404,
        "No data product with this name is declared (or it was removed).",
    )
    PRODUCT_RECORD_NOT_FOUND = (
        "product-record-not-found",
        "No record of this data product",
        404,
        "The data product's agencies hold no record for this key.",
    )
    PRODUCT_VERSION_NOT_FOUND = (
        "product-version-not-found",
        "Data product version not found",
        404,
        "The data product has no version with this number; `GET .../versions` lists them.",
    )
    PRODUCT_CONFLICT = (
        "product-conflict",
        "Taken by another product or agency",
        409,
        "A source's agency code is an agency already on the bus, or the scope is a built-in "
        "scope or another product's; `errors` names each field. Nothing was changed.",
    )
    AGENCY_DECLARED = (
        "agency-declared",
        "Agency belongs to a data product",
        409,
        "This agency instance was made by a data product's declaration: change that "
        "declaration (`PUT /v1/data-products/{name}`) instead. Nothing was changed.",
    )
    UNAUTHENTICATED = (
        "unauthenticated",
        "Authentication required",
        401,
        "No valid credentials: send `Authorization: Bearer <token>` with a token from "
        "`POST /v1/oauth/token`, or a system client's `X-API-Key`. Expired tokens are refused.",
    )
    INSUFFICIENT_SCOPE = (
        "insufficient-scope",
        "Not allowed for this client",
        403,
        "The client's scopes do not cover this operation; `required_scopes` lists what it needs.",
    )
    CITIZEN_ONLY = (
        "citizen-only",
        "Only the citizen may do this",
        403,
        "Only the citizen, through a client acting for them (a portal or a kiosk), may do this "
        "(e.g. rate a service); officer and system clients may not, whatever their scopes.",
    )
    PURPOSE_REQUIRED = (
        "purpose-required",
        "Purpose required",
        422,
        "Officer and system clients must say why they use personal data, in `X-Purpose`; it is "
        "recorded in the audit trail and shown to the citizen.",
    )
    RATE_LIMITED = (
        "rate-limited",
        "Too many requests",
        429,
        "The client went over its request limit, or too many client authentications failed "
        "from this address (then OAuth `error` is `invalid_client`); `Retry-After` says when to "
        "try again. A correct client secret is never refused this way.",
    )
    PAYLOAD_TOO_LARGE = (
        "payload-too-large",
        "Request body too large",
        413,
        "The body is larger than the gateway accepts; nothing was processed.",
    )
    INVALID_CLIENT = (
        "invalid-client",
        "Client authentication failed",
        401,
        "Unknown client, wrong secret or disabled client (OAuth `error`: `invalid_client`).",
    )
    INVALID_TOKEN_REQUEST = (
        "invalid-token-request",
        "Token request refused",
        400,
        "The token request is malformed or asks for what the client may not have; the OAuth "
        "`error` member says which (`invalid_request`, `unsupported_grant_type`, "
        "`invalid_scope`, `unauthorized_client` for a grant this kind of client may not use, "
        "`invalid_grant` for an ID token that is not accepted or acting for a citizen that "
        "is not allowed).",
    )
    NOT_FOUND = ("not-found", "Not found", 404, "No such resource.")
    METHOD_NOT_ALLOWED = ("method-not-allowed", "Method not allowed", 405, "Wrong HTTP method.")
    AGENCY_REFUSED_INPUT = (
        "agency-refused-input",
        "Agency refused the request's input",
        422,
        "The agency answered that what was sent is not acceptable to it (its reason is in "
        "`detail`); change the request. The agency is healthy: this is not counted against it.",
    )
    CLIENT_CONCURRENCY = (
        "client-concurrency-limited",
        "Too many calls in flight for this client",
        429,
        "This client already has its fair share of an agency's concurrent calls in flight "
        "(`SATUPINTU_AGENCY_CLIENT_MAX_CONCURRENCY`); other clients are still served. Wait for "
        "your calls in flight to finish, then send it again (`Retry-After`).",
    )
    AGENCY_BAD_REPLY = (
        "agency-bad-reply",
        "Agency gave an unusable reply",
        502,
        "The agency answered with a malformed or unexpected reply; `sources` says which.",
    )
    AGENCY_UNAVAILABLE = (
        "agency-unavailable",
        "Agency unavailable",
        503,
        "An agency needed for this answer is down, refuses connections or is disabled.",
    )
    AGENCY_TIMEOUT = (
        "agency-timeout",
        "Agency timed out",
        504,
        "An agency needed for this answer did not reply within its deadline.",
    )
    IDENTITY_PROVIDER_UNAVAILABLE = (
        "identity-provider-unavailable",
        "Identity provider unavailable",
        503,
        "The citizen's sign-in cannot be checked now: the identity provider's keys could not "
        "be fetched (OAuth `error`: `temporarily_unavailable`); try again after `Retry-After`.",
    )
    DELEGATION_UNCONFIRMED = (
        "delegation-unconfirmed",
        "Cannot confirm now who may act for this person",
        503,
        "The civil registry could not answer whether the signed-in citizen may act for the "
        "person asked for (their family card), so it is not allowed (OAuth `error`: "
        "`temporarily_unavailable`); try again after `Retry-After`.",
    )
    ACCESS_LOG_UNAVAILABLE = (
        "access-log-unavailable",
        "Access log unavailable",
        503,
        "The read could not be recorded in the access log, so its data is not released.",
    )
    NOT_READY = (
        "not-ready",
        "Gateway not ready",
        503,
        "The gateway cannot reach its database.",
    )
    INTERNAL = (
        "internal-error",
        "Internal error",
        500,
        "An unexpected fault in the gateway; it is logged under the request id.",
    )


class ProblemError(Exception):
    """Raised anywhere below the routers to end a request with a documented problem."""

    def __init__(
        self,
        kind: ProblemKind,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        sources: dict[str, Any] | None = None,
        extensions: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        detail_indonesian: str | None = None,
    ) -> None:
        """`detail_indonesian` is what a client asking for Bahasa Indonesia reads instead of
        `detail`; without it, the kind's Indonesian description (`app.problem_texts`)."""
        super().__init__(detail or kind.title)
        self.kind = kind
        self.detail = detail
        self.detail_indonesian = detail_indonesian
        self.errors = errors
        self.sources = sources
        self.extensions = extensions or {}
        self.headers = headers


def problem_type(base_uri: str, kind: ProblemKind) -> str:
    return f"{base_uri}{kind.slug}"


def _request_id(request: Request) -> str | None:
    value = request.scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


def problem_response(request: Request, error: ProblemError) -> Response:
    """The problem in the language `Accept-Language` prefers: English, or Bahasa Indonesia
    for the citizen-facing frontends; `type`, member names and `errors[].message` stay as
    they are, since clients switch on them."""
    base_uri: str = request.app.state.settings.problem_base_uri
    language = preferred_language(request.headers.get("accept-language"))
    title, detail = error.kind.title, error.detail
    if language == "id":
        title, description = INDONESIAN[error.kind.slug]
        if error.detail_indonesian:
            detail = error.detail_indonesian
        elif error.errors:
            detail = fields_detail(error.errors)
        elif detail:
            detail = description
    body = Problem(
        type=problem_type(base_uri, error.kind),
        title=title,
        status=error.kind.status,
        detail=detail,
        instance=request.url.path,
        request_id=_request_id(request),
        errors=error.errors,
        sources=error.sources,
        **error.extensions,
    )
    headers = {**(error.headers or {}), "Content-Language": language}
    headers["Vary"] = ", ".join(filter(None, (headers.get("Vary"), "Accept-Language")))
    return Response(
        body.model_dump_json(exclude_none=True),
        status_code=error.kind.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _field_errors(exc: RequestValidationError) -> list[FieldError]:
    found = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        location = loc[0] if loc else "body"
        field = ".".join(loc[1:]) or location
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        found.append(FieldError(field=field, location=location, message=message))
    return found


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem_response(request, exc)


def _json_expected(request: Request, error: FieldError) -> FieldError:
    """A JSON endpoint given a form body (what `curl -d` sends) or an untyped one fails as a
    whole with pydantic's "a valid dictionary"; name the header that is wrong instead."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if (error.field, error.location) != ("body", "body") or media_type.endswith(("/json", "+json")):
        return error
    return FieldError(
        field="Content-Type",
        location="header",
        message="this endpoint takes a JSON body: send `Content-Type: application/json` "
        f"(got {media_type or 'none'})",
    )


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [_json_expected(request, error) for error in _field_errors(exc)]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return problem_response(request, ProblemError(ProblemKind.VALIDATION, detail, errors=errors))


_HTTP_KINDS = {
    401: ProblemKind.UNAUTHENTICATED,
    404: ProblemKind.NOT_FOUND,
    405: ProblemKind.METHOD_NOT_ALLOWED,
    413: ProblemKind.PAYLOAD_TOO_LARGE,
}


def unreadable_body(exc: StarletteHTTPException) -> ProblemError:
    """FastAPI and Starlette answer a body they cannot parse with a bare 400 (the parse error
    is its cause); say which part of the request is wrong, as every other validation does."""
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError):
        field, location = "body", "body"
        message = f"is not UTF-8: byte 0x{cause.object[cause.start]:02x} at {cause.start}"
    elif isinstance(cause, RecursionError):
        field, location = "body", "body"
        message = "is nested too deeply"
    elif "boundary" in str(exc.detail):
        field, location = "Content-Type", "header"
        message = "multipart/form-data needs a boundary parameter"
    else:
        field, location = "body", "body"
        message = "cannot be parsed as the declared content type"
    return ProblemError(
        ProblemKind.VALIDATION,
        f"{field}: {message}",
        errors=[FieldError(field=field, location=location, message=message)],
    )


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allow(request: Request, exc: StarletteHTTPException) -> dict[str, str]:
    """The router's `Allow` names the methods of the first route on the path only; GET and
    POST on one path are two routes. The OpenAPI document knows every method of the path."""
    named = {m.strip() for m in (exc.headers or {}).get("Allow", "").split(",") if m.strip()}
    path = getattr(request.scope.get("route"), "path", None)
    documented = request.app.openapi()["paths"].get(path, {}) if path else {}
    named.update(method.upper() for method in documented)
    return {**(exc.headers or {}), "Allow": ", ".join(m for m in _METHODS if m in named)}


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        return problem_response(request, unreadable_body(exc))
    kind = _HTTP_KINDS.get(exc.status_code, ProblemKind.INTERNAL)
    headers = _allow(request, exc) if exc.status_code == 405 else dict(exc.headers or {})
    return problem_response(request, ProblemError(kind, str(exc.detail), headers=headers))


def unexpected_error_response(request: Request) -> Response:
    return problem_response(
        request,
        ProblemError(ProblemKind.INTERNAL, "Unexpected error; quote the request id to support."),
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Unexpected exceptions are not handled here: a handler for `Exception` would run in
    Starlette's outermost middleware, outside the request id, CORS and security headers. The
    `UnexpectedErrorMiddleware` answers them inside those instead."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)


_SECURED = (
    ProblemKind.UNAUTHENTICATED,
    ProblemKind.INSUFFICIENT_SCOPE,
    ProblemKind.RATE_LIMITED,
)
_PERSONAL_DATA = (ProblemKind.PURPOSE_REQUIRED, ProblemKind.ACCESS_LOG_UNAVAILABLE)
_AGENCY_ANSWERS = ("sources",)
_OAUTH = ("error", "error_description")

#: The extension members (`ProblemMembers`) each kind may carry, so that the OpenAPI document
#: declares on every kind what its handlers send, and nothing they do not.
MEMBERS: dict[ProblemKind, tuple[str, ...]] = {
    ProblemKind.VALIDATION: ("errors",),
    ProblemKind.ENDPOINT_REFUSED: ("errors",),
    ProblemKind.INVALID_TOKEN_REQUEST: ("errors", *_OAUTH),
    ProblemKind.INVALID_CLIENT: _OAUTH,
    ProblemKind.RATE_LIMITED: _OAUTH,
    ProblemKind.IDENTITY_PROVIDER_UNAVAILABLE: _OAUTH,
    ProblemKind.DELEGATION_UNCONFIRMED: _OAUTH,
    ProblemKind.INSUFFICIENT_SCOPE: ("required_scopes",),
    ProblemKind.CONFORMANCE_FAILED: ("failures",),
    ProblemKind.JURISDICTION_NOT_SERVED: ("regions",),
    ProblemKind.CITIZEN_NOT_FOUND: _AGENCY_ANSWERS,
    ProblemKind.VEHICLE_NOT_FOUND: _AGENCY_ANSWERS,
    ProblemKind.PRODUCT_RECORD_NOT_FOUND: _AGENCY_ANSWERS,
    ProblemKind.NOT_FOUND: _AGENCY_ANSWERS,
    ProblemKind.AGENCY_REFUSED_INPUT: _AGENCY_ANSWERS,
    ProblemKind.CLIENT_CONCURRENCY: _AGENCY_ANSWERS,
    ProblemKind.AGENCY_BAD_REPLY: _AGENCY_ANSWERS,
    ProblemKind.AGENCY_UNAVAILABLE: _AGENCY_ANSWERS,
    ProblemKind.AGENCY_TIMEOUT: _AGENCY_ANSWERS,
}

PROBLEM_SCHEMA_PREFIX = "#/components/schemas/"


def problem_schema_name(kind: ProblemKind) -> str:
    """Each kind is its own component schema, so a generated client gets `type` and `status`
    as literals it can switch on; `app.openapi_document` adds the components."""
    return "".join(word.capitalize() for word in kind.slug.split("-")) + "Problem"


def _problem_schema(group: list[ProblemKind]) -> dict[str, Any]:
    refs = {
        problem_type(DEFAULT_PROBLEM_BASE_URI, kind): {
            "$ref": PROBLEM_SCHEMA_PREFIX + problem_schema_name(kind)
        }
        for kind in group
    }
    if len(refs) == 1:
        return next(iter(refs.values()))
    return {
        "oneOf": list(refs.values()),
        "discriminator": {
            "propertyName": "type",
            "mapping": {uri: ref["$ref"] for uri, ref in refs.items()},
        },
    }


def problem_responses(
    *kinds: ProblemKind, personal_data: bool = True, secured: bool = True
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for a route: one entry per status, its schema one of the kinds
    under it, every kind as an example. Validation and an internal fault can happen on every
    route, authentication on every secured one, the purpose check and the access log on every
    personal-data one."""
    always = (
        *(_SECURED if secured else ()),
        *(_PERSONAL_DATA if personal_data else ()),
        ProblemKind.INTERNAL,
    )
    by_status: dict[int, list[ProblemKind]] = {}
    for kind in (ProblemKind.VALIDATION, *kinds, *always):
        group = by_status.setdefault(kind.status, [])
        if kind not in group:
            group.append(kind)
    responses: dict[int | str, dict[str, Any]] = {}
    for status, group in sorted(by_status.items()):
        examples = {
            kind.slug: {
                "summary": kind.title,
                "value": _example(kind),
            }
            for kind in group
        }
        responses[status] = {
            "description": " ".join(f"`{k.slug}`: {k.description}" for k in group),
            "content": {
                PROBLEM_MEDIA_TYPE: {"schema": _problem_schema(group), "examples": examples}
            },
        }
    return responses


_AGENCY_FAILURE_STATUS = {
    ProblemKind.AGENCY_UNAVAILABLE: "unavailable",
    ProblemKind.AGENCY_TIMEOUT: "timeout",
    ProblemKind.AGENCY_BAD_REPLY: "error",
    ProblemKind.AGENCY_REFUSED_INPUT: "refused",
    ProblemKind.CLIENT_CONCURRENCY: "throttled",
}
_MEMBER_EXAMPLES: dict[ProblemKind, dict[str, Any]] = {
    ProblemKind.INSUFFICIENT_SCOPE: {"required_scopes": ["identity:read", "vehicles:read"]},
    ProblemKind.JURISDICTION_NOT_SERVED: {"regions": ["36"]},
    ProblemKind.CONFORMANCE_FAILED: {
        "failures": [{"check": "health", "detail": "connection refused"}]
    },
    ProblemKind.INVALID_CLIENT: {
        "error": "invalid_client",
        "error_description": "unknown client, wrong secret, or client disabled",
    },
    ProblemKind.INVALID_TOKEN_REQUEST: {
        "error": "unsupported_grant_type",
        "error_description": "grant_type must be client_credentials",
        "errors": [
            {
                "field": "grant_type",
                "location": "body",
                "message": "grant_type must be client_credentials",
            }
        ],
    },
    ProblemKind.ENDPOINT_REFUSED: {
        "errors": [
            {
                "field": "base_url",
                "location": "body",
                "message": "10.0.0.5 is an internal address nobody allow-listed",
            }
        ]
    },
}


def _example(kind: ProblemKind) -> dict[str, Any]:
    example: dict[str, Any] = {
        "type": problem_type(DEFAULT_PROBLEM_BASE_URI, kind),
        "title": kind.title,
        "status": kind.status,
        "detail": kind.description,
        "instance": "/v1/citizens/3171074508900001",
        "request_id": "5f0c6c1e9a4b4d7e8f2a1b3c4d5e6f70",
        **_MEMBER_EXAMPLES.get(kind, {}),
    }
    if kind is ProblemKind.INTERNAL:
        example["detail"] = "Unexpected error; quote the request id to support."
    if kind is ProblemKind.VALIDATION:
        example["detail"] = "nik: NIK must be 16 digits, got 15"
        example["instance"] = "/v1/citizens/317107450890001"
        example["errors"] = [
            {"field": "nik", "location": "path", "message": "NIK must be 16 digits, got 15"}
        ]
    if kind in _AGENCY_FAILURE_STATUS:
        example["sources"] = {
            "civil_registry": {
                "status": _AGENCY_FAILURE_STATUS[kind],
                "latency_ms": 2001,
                "parts": ["identity"],
                "detail": kind.description,
            }
        }
    return example
