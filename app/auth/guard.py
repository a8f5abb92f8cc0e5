"""Turns a request's credentials into a `Caller`, or into the problem that refuses it.

Order matters: authenticate (401), then check scopes (403), then the purpose (422), then
count the request against the client's limit (429), so a refused request never spends an
honest client's quota and an anonymous one never learns what a scope would have unlocked."""

from dataclasses import dataclass

from app.auth.clients import ClientStore
from app.auth.credentials import split_api_key
from app.auth.grants import guessing_refused
from app.auth.rate_limit import GuessLimiter, RateLimiter
from app.auth.scopes import CITIZEN_SELF_SERVICE, PERSONAL_DATA, Scope
from app.auth.tokens import InvalidToken, TokenClaims, TokenIssuer
from app.problems import ProblemError, ProblemKind
from app.schemas.problem import FieldError
from app.schemas.text import SINGLE_LINE_PATTERN, single_line
from app.services.context import Caller

PURPOSE_HEADER = "X-Purpose"
_PURPOSE_LENGTH = (3, 200)
PURPOSE_RULES = {
    "minLength": _PURPOSE_LENGTH[0],
    "maxLength": _PURPOSE_LENGTH[1],
    "pattern": SINGLE_LINE_PATTERN,
}
_CHALLENGE = 'Bearer realm="satupintu"'


def purpose_required() -> ProblemError:
    return ProblemError(
        ProblemKind.PURPOSE_REQUIRED,
        f"{PURPOSE_HEADER}: say why this client uses the citizen's data",
        errors=[
            FieldError(field=PURPOSE_HEADER, location="header", message="a purpose is required")
        ],
    )


def _malformed_purpose(purpose: str) -> ProblemError | None:
    shortest, longest = _PURPOSE_LENGTH
    if not shortest <= len(purpose) <= longest:
        message = f"must be {shortest} to {longest} characters, got {len(purpose)}"
    else:
        try:
            single_line(purpose)
        except ValueError as exc:
            message = str(exc)
        else:
            return None
    return ProblemError(
        ProblemKind.VALIDATION,
        f"{PURPOSE_HEADER}: {message}",
        errors=[FieldError(field=PURPOSE_HEADER, location="header", message=message)],
    )


def _unauthenticated(detail: str, token_error: bool = False) -> ProblemError:
    challenge = f'{_CHALLENGE}, error="invalid_token"' if token_error else _CHALLENGE
    return ProblemError(
        ProblemKind.UNAUTHENTICATED, detail, headers={"WWW-Authenticate": challenge}
    )


@dataclass(frozen=True)
class Guard:
    issuer: TokenIssuer
    clients: ClientStore
    limiter: RateLimiter
    guesses: GuessLimiter
    """A static API key is a client secret too: failures count as at the token endpoint."""

    async def claims(
        self, authorization: str | None, api_key: str | None, remote: str
    ) -> TokenClaims:
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise _unauthenticated("Authorization must be `Bearer <access token>`")
            try:
                claims = await self.issuer.read(token.strip())
            except InvalidToken as exc:
                raise _unauthenticated(exc.reason, token_error=True) from exc
            if not await self.clients.is_enabled(claims.client_id):
                raise _unauthenticated("this client has been disabled", token_error=True)
            return claims
        if api_key:
            parts = split_api_key(api_key)
            client = await self.clients.authenticate(*parts) if parts else None
            if client is None or not client.api_key_enabled:
                retry_after = await self.guesses.failed(
                    "api-key", parts[0] if parts else "-", remote
                )
                if retry_after is not None:
                    raise guessing_refused(retry_after)
                raise _unauthenticated("the API key is not valid")
            return TokenClaims(client.client_id, client.kind, client.scopes, None)
        raise _unauthenticated("send `Authorization: Bearer <access token>` or `X-API-Key`")

    async def admit(
        self,
        request_id: str,
        claims: TokenClaims,
        required: frozenset[Scope],
        purpose: str | None,
    ) -> Caller:
        missing = required - claims.scopes
        if missing:
            raise ProblemError(
                ProblemKind.INSUFFICIENT_SCOPE,
                f"this client lacks {', '.join(sorted(missing))}",
                extensions={"required_scopes": sorted(required)},
            )
        malformed = _malformed_purpose(purpose) if purpose is not None else None
        if malformed:
            raise malformed
        if claims.kind.citizen_bound:
            purpose = CITIZEN_SELF_SERVICE
        elif required & PERSONAL_DATA and not purpose:
            raise purpose_required()
        retry_after = await self.limiter.retry_after("client", claims.client_id)
        if retry_after is not None:
            raise ProblemError(
                ProblemKind.RATE_LIMITED,
                f"over the limit of {self.limiter.item}; retry in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )
        return Caller(
            request_id=request_id,
            client_id=claims.client_id,
            kind=claims.kind,
            scopes=claims.scopes,
            subject_nik=claims.subject_nik,
            purpose=purpose,
        )
