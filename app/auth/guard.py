"""Turns a request's credentials into a `Caller`, or into the problem that refuses it.

Order matters: authenticate (401), then check scopes (403), then the purpose (422), then
count the request against the client's limit (429), so a refused request never spends an
honest client's quota and an anonymous one never learns what a scope would have unlocked.
A counted request carries its quota in the RateLimit header fields, a 429 too.

Problems raised here carry an Indonesian detail besides the English one: these are the
refusals a citizen's portal shows most often."""

from dataclasses import dataclass

from starlette.datastructures import State

from app.auth.clients import ClientStore
from app.auth.credentials import split_api_key
from app.auth.delegation import MandateCheck
from app.auth.grants import guessing_refused
from app.auth.rate_limit import QUOTA_STATE, GuessLimiter, RateLimiter
from app.auth.scopes import CITIZEN_SELF_SERVICE, is_personal_data
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
        detail_indonesian=f"{PURPOSE_HEADER}: sebutkan untuk apa klien ini memakai data warga",
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
        detail_indonesian=f"{PURPOSE_HEADER} tidak valid: satu baris, {shortest} sampai "
        f"{longest} karakter",
        errors=[FieldError(field=PURPOSE_HEADER, location="header", message=message)],
    )


def _unauthenticated(detail: str, indonesian: str, token_error: bool = False) -> ProblemError:
    challenge = f'{_CHALLENGE}, error="invalid_token"' if token_error else _CHALLENGE
    return ProblemError(
        ProblemKind.UNAUTHENTICATED,
        detail,
        detail_indonesian=indonesian,
        headers={"WWW-Authenticate": challenge},
    )


@dataclass(frozen=True)
class Guard:
    issuer: TokenIssuer
    clients: ClientStore
    limiter: RateLimiter
    guesses: GuessLimiter
    """A static API key is a client secret too: failures count as at the token endpoint."""
    mandates: MandateCheck

    async def claims(
        self, authorization: str | None, api_key: str | None, remote: str
    ) -> TokenClaims:
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise _unauthenticated(
                    "Authorization must be `Bearer <access token>`",
                    "Authorization harus berbentuk `Bearer <access token>`",
                )
            try:
                claims = await self.issuer.read(token.strip())
            except InvalidToken as exc:
                raise _unauthenticated(
                    exc.reason, "token akses tidak berlaku; minta token baru", token_error=True
                ) from exc
            if not await self.clients.is_enabled(claims.client_id):
                raise _unauthenticated(
                    "this client has been disabled",
                    "klien ini telah dinonaktifkan",
                    token_error=True,
                )
            if claims.actor and not await self.mandates.in_force(claims.subject_nik, claims.actor):
                raise _unauthenticated(
                    "the mandate this token acts on was withdrawn or has expired",
                    "kuasa yang dipakai token ini telah dicabut atau berakhir",
                    token_error=True,
                )
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
                raise _unauthenticated("the API key is not valid", "API key tidak valid")
            return TokenClaims(client.client_id, client.kind, client.scopes, None)
        raise _unauthenticated(
            "send `Authorization: Bearer <access token>` or `X-API-Key`",
            "kirim `Authorization: Bearer <access token>` atau `X-API-Key`",
        )

    async def admit(
        self,
        state: State,
        claims: TokenClaims,
        required: frozenset[str],
        purpose: str | None,
    ) -> Caller:
        """The caller of a request whose `state` holds its `request_id`; leaves the client's
        quota in `state` for `RateLimitHeadersMiddleware`."""
        missing = required - claims.scopes
        if missing:
            lacking = ", ".join(sorted(missing))
            raise ProblemError(
                ProblemKind.INSUFFICIENT_SCOPE,
                f"this client lacks {lacking}",
                detail_indonesian=f"klien ini tidak memiliki izin {lacking}",
                extensions={"required_scopes": sorted(required)},
            )
        malformed = _malformed_purpose(purpose) if purpose is not None else None
        if malformed:
            raise malformed
        if claims.kind.citizen_bound:
            purpose = CITIZEN_SELF_SERVICE
        elif is_personal_data(required) and not purpose:
            raise purpose_required()
        quota = await self.limiter.hit("client", claims.client_id)
        setattr(state, QUOTA_STATE, quota)
        if quota is not None and not quota.allowed:
            item = self.limiter.item
            raise ProblemError(
                ProblemKind.RATE_LIMITED,
                f"over the limit of {item}; retry in {quota.retry_after} s",
                detail_indonesian=f"melewati batas {item.amount} permintaan per "
                f"{item.get_expiry()} detik; coba lagi dalam {quota.retry_after} detik",
                headers={"Retry-After": str(quota.retry_after)},
            )
        return Caller(
            request_id=state.request_id,
            client_id=claims.client_id,
            kind=claims.kind,
            scopes=claims.scopes,
            subject_nik=claims.subject_nik,
            purpose=purpose,
            actor=claims.actor,
        )
