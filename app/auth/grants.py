"""The token endpoint's grants: client credentials (RFC 6749 section 4.4) and token exchange
(RFC 8693).

Officer and system clients act as themselves, with client credentials. A portal or kiosk acts
for a citizen, and must show that the citizen signed in: it exchanges the ID token the trusted
identity provider issued (`subject_token`) for an access token bound to that citizen's NIK.
With `requested_subject` the signed-in citizen acts for someone else (a parent for a minor
child, the head of the family, the holder of a mandate), as the civil registry and the
mandates confirm at that moment; the token then names the subject in `sub` and the citizen in
RFC 8693's `act`. Naming a NIK with client credentials (`subject`), which proved nothing, is
left to `environment=development`.

Errors are RFC 9457 problems that also carry RFC 6749's `error` member, so both generic
OAuth client libraries and this API's own error handling understand them."""

from dataclasses import dataclass

from app.auth.clients import Client, ClientStore
from app.auth.delegation import DelegationRefused, authorise
from app.auth.id_tokens import (
    ID_TOKEN_TYPE,
    IdentityProviderUnavailable,
    IdTokenRefused,
    IdTokenVerifier,
)
from app.auth.rate_limit import GuessLimiter
from app.auth.scopes import ClientKind
from app.auth.tokens import Actor, TokenClaims, TokenIssuer
from app.problems import ProblemError, ProblemKind
from app.schemas.identifiers import check_nik
from app.schemas.problem import FieldError
from app.services.context import Services

CLIENT_CREDENTIALS = "client_credentials"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
GRANT_TYPES = (CLIENT_CREDENTIALS, TOKEN_EXCHANGE)
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"


@dataclass(frozen=True)
class TokenRequest:
    grant_type: str | None
    client_id: str | None
    client_secret: str | None
    scope: str | None
    subject: str | None = None
    subject_token: str | None = None
    subject_token_type: str | None = None
    requested_subject: str | None = None
    requested_token_type: str | None = None


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str
    #: RFC 8693's, for an exchanged token only.
    issued_token_type: str | None = None


@dataclass(frozen=True)
class TokenEndpoint:
    """What the endpoint needs; `id_tokens` is None when no identity provider is trusted."""

    clients: ClientStore
    issuer: TokenIssuer
    guesses: GuessLimiter
    services: Services
    id_tokens: IdTokenVerifier | None
    development: bool


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


def _nik(value: str, field: str) -> str:
    try:
        return check_nik(value)
    except ValueError as exc:
        raise _refused("invalid_request", f"{field}: {exc}", field) from exc


def _named_subject(kind: ClientKind, subject: str | None, development: bool) -> str | None:
    """Client credentials: a NIK named without the citizen's proof, in development only."""
    if not kind.citizen_bound:
        if subject:
            raise _refused(
                "invalid_request", "only portal and kiosk clients may name a subject", "subject"
            )
        return None
    if not development:
        raise _refused(
            "unauthorized_client",
            f"a {kind.value} acts for a citizen only with that citizen's sign-in: exchange their "
            f"ID token (grant_type={TOKEN_EXCHANGE}, subject_token=<ID token>, "
            f"subject_token_type={ID_TOKEN_TYPE})",
            "grant_type",
        )
    if not subject:
        raise _refused(
            "invalid_request", f"a {kind.value} must name the signed-in citizen's NIK", "subject"
        )
    return _nik(subject, "subject")


async def _exchange(
    endpoint: TokenEndpoint, client: Client, scopes: frozenset[str], request: TokenRequest
) -> TokenClaims:
    """The cheap checks first, then the ID token's signature, then (if it is fresh and
    unused) the registry's word on acting for another; the ID token is spent last, so a
    refusal leaves it usable for the citizen's own token."""
    if not client.kind.citizen_bound:
        raise _refused(
            "unauthorized_client",
            "only portal and kiosk clients exchange a citizen's ID token",
            "grant_type",
        )
    if request.subject:
        raise _refused(
            "invalid_request",
            "the token exchange takes the citizen from subject_token, not subject",
            "subject",
        )
    if not request.subject_token:
        raise _refused(
            "invalid_request", "send the citizen's ID token as subject_token", "subject_token"
        )
    if request.subject_token_type != ID_TOKEN_TYPE:
        raise _refused(
            "invalid_request", f"subject_token_type must be {ID_TOKEN_TYPE}", "subject_token_type"
        )
    if request.requested_token_type not in (None, ACCESS_TOKEN_TYPE):
        raise _refused(
            "invalid_request",
            f"requested_token_type may only be {ACCESS_TOKEN_TYPE}",
            "requested_token_type",
        )
    target = (
        _nik(request.requested_subject, "requested_subject") if request.requested_subject else None
    )
    if endpoint.id_tokens is None:
        raise _refused(
            "unsupported_grant_type",
            "this gateway trusts no identity provider, so it exchanges no ID token",
            "grant_type",
        )
    try:
        signed_in = await endpoint.id_tokens.verify(request.subject_token)
        await endpoint.id_tokens.check_unused(signed_in)
    except IdTokenRefused as exc:
        raise _refused("invalid_grant", exc.reason, "subject_token") from exc
    except IdentityProviderUnavailable as exc:
        raise _provider_unavailable(exc.reason) from exc
    actor: Actor | None = None
    if target is not None and target != signed_in.nik:
        try:
            actor = await authorise(endpoint.services, signed_in.nik, target, scopes)
        except DelegationRefused as exc:
            raise _refused("invalid_grant", str(exc), "requested_subject") from exc
    try:
        await endpoint.id_tokens.redeem(signed_in)
    except IdTokenRefused as exc:
        raise _refused("invalid_grant", exc.reason, "subject_token") from exc
    subject = signed_in.nik if actor is None else target
    return TokenClaims(client.client_id, client.kind, scopes, subject, actor)


def _provider_unavailable(reason: str) -> ProblemError:
    detail = f"cannot check the citizen's sign-in now: {reason}; try again shortly"
    return ProblemError(
        ProblemKind.IDENTITY_PROVIDER_UNAVAILABLE,
        detail,
        extensions={"error": "temporarily_unavailable", "error_description": detail},
        headers={"Retry-After": "5"},
    )


async def grant(endpoint: TokenEndpoint, request: TokenRequest, remote: str) -> IssuedToken:
    """Only failed authentications are counted, and a correct secret is accepted even from an
    address over its limit: see `GuessLimiter` for why."""
    if request.grant_type not in GRANT_TYPES:
        raise _refused(
            "unsupported_grant_type",
            f"grant_type must be {CLIENT_CREDENTIALS} or {TOKEN_EXCHANGE}",
            "grant_type",
        )
    if not request.client_id or not request.client_secret:
        raise _invalid_client("send client_id and client_secret, in the body or as HTTP Basic")
    client = await endpoint.clients.authenticate(request.client_id, request.client_secret)
    if client is None:
        retry_after = await endpoint.guesses.failed("token", request.client_id, remote)
        if retry_after is not None:
            raise guessing_refused(retry_after)
        raise _invalid_client("unknown client, wrong secret, or client disabled")
    scopes = _scopes(request.scope, client.scopes)
    issuer = endpoint.issuer
    if request.grant_type == TOKEN_EXCHANGE:
        claims = await _exchange(endpoint, client, scopes, request)
        token = issuer.issue(claims)
        return IssuedToken(token, issuer.ttl_s, " ".join(sorted(scopes)), ACCESS_TOKEN_TYPE)
    subject = _named_subject(client.kind, request.subject, endpoint.development)
    token = issuer.issue(TokenClaims(client.client_id, client.kind, scopes, subject))
    return IssuedToken(token, issuer.ttl_s, " ".join(sorted(scopes)))
