"""The OAuth 2.0 client-credentials grant (RFC 6749 section 4.4).

A citizen-bound client (a portal, a kiosk) asks for a token on behalf of the citizen it has
signed in by naming the NIK in `subject`; the token then reaches that citizen's data only.
Other clients may not name one.
Errors are RFC 9457 problems that also carry RFC 6749's `error` member, so both generic
OAuth client libraries and this API's own error handling understand them."""

from dataclasses import dataclass

from app.auth.clients import ClientStore
from app.auth.rate_limit import GuessLimiter
from app.auth.scopes import ClientKind
from app.auth.tokens import TokenClaims, TokenIssuer
from app.problems import ProblemError, ProblemKind
from app.schemas.identifiers import check_nik
from app.schemas.problem import FieldError

GRANT_TYPE = "client_credentials"


@dataclass(frozen=True)
class TokenRequest:
    grant_type: str | None
    client_id: str | None
    client_secret: str | None
    scope: str | None
    subject: str | None


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str


def _refused(error: str, detail: str, field: str | None = None) -> ProblemError:
    return ProblemError(
        ProblemKind.INVALID_TOKEN_REQUEST,
        detail,
        errors=[FieldError(field=field, location="body", message=detail)] if field else None,
        extensions={"error": error, "error_description": detail},
    )


def guessing_refused(retry_after: int) -> ProblemError:
    """Still an OAuth `invalid_client` for client libraries; 429 says to wait first."""
    detail = f"too many failed client authentications from this address; retry in {retry_after} s"
    return ProblemError(
        ProblemKind.RATE_LIMITED,
        detail,
        extensions={"error": "invalid_client", "error_description": detail},
        headers={"Retry-After": str(retry_after)},
    )


def _invalid_client(detail: str) -> ProblemError:
    return ProblemError(
        ProblemKind.INVALID_CLIENT,
        detail,
        extensions={"error": "invalid_client", "error_description": detail},
        headers={"WWW-Authenticate": 'Basic realm="satupintu"'},
    )


def _scopes(asked: str | None, allowed: frozenset[str]) -> frozenset[str]:
    """A data product's scope is given like a built-in one: only to a client that holds it."""
    if not asked:
        return allowed
    names = frozenset(asked.split())
    refused = sorted(names - allowed)
    if refused:
        raise _refused("invalid_scope", f"not granted to this client: {' '.join(refused)}", "scope")
    return names


def _subject(kind: ClientKind, subject: str | None) -> str | None:
    if not kind.citizen_bound:
        if subject:
            raise _refused(
                "invalid_request", "only portal and kiosk clients may name a subject", "subject"
            )
        return None
    if not subject:
        raise _refused(
            "invalid_request", f"a {kind.value} must name the signed-in citizen's NIK", "subject"
        )
    try:
        return check_nik(subject)
    except ValueError as exc:
        raise _refused("invalid_request", f"subject: {exc}", "subject") from exc


async def grant(
    clients: ClientStore,
    issuer: TokenIssuer,
    guesses: GuessLimiter,
    request: TokenRequest,
    remote: str,
) -> IssuedToken:
    """Only failed authentications are counted, and a correct secret is accepted even from an
    address over its limit: see `GuessLimiter` for why."""
    if request.grant_type != GRANT_TYPE:
        raise _refused("unsupported_grant_type", f"grant_type must be {GRANT_TYPE}", "grant_type")
    if not request.client_id or not request.client_secret:
        raise _invalid_client("send client_id and client_secret, in the body or as HTTP Basic")
    client = await clients.authenticate(request.client_id, request.client_secret)
    if client is None:
        retry_after = await guesses.failed("token", request.client_id, remote)
        if retry_after is not None:
            raise guessing_refused(retry_after)
        raise _invalid_client("unknown client, wrong secret, or client disabled")
    scopes = _scopes(request.scope, client.scopes)
    subject = _subject(client.kind, request.subject)
    token = issuer.issue(TokenClaims(client.client_id, client.kind, scopes, subject))
    return IssuedToken(token, issuer.ttl_s, " ".join(sorted(scopes)))
