"""The identity provider's ID tokens, checked before the token endpoint exchanges one for a
citizen's access token (RFC 8693).

A portal holding its own client secret could once name any NIK; now it must show that the
citizen signed in, with an OpenID Connect ID token the trusted provider signed for this
audience a few minutes ago. Only asymmetric algorithms are accepted and the key is chosen
from the provider's published set, never from the token, so neither `alg: none` nor an HMAC
"signed" with the public key gets through. Each token is exchanged once: its `jti` is stored
until the token could no longer be accepted, in the gateway's database, so a second process
refuses a replay too.

The key set is fetched through the gateway's HTTP pool (the endpoint policy applies at
connect time, and tests inject their own client), cached, and fetched again at once when a
token names an unknown `kid` (the provider rotated its key), at most once per
`refetch_interval_s` so that tokens with made-up `kid`s cannot make the gateway hammer it."""

import asyncio
import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db.models import UsedSubjectToken
from app.http_client import AgencyHttp
from app.schemas.identifiers import check_nik

ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
#: Asymmetric only: an HMAC key would have to be shared with the provider, and a published
#: public key used as an HMAC secret is the classic forgery.
ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
_JTI_LENGTH = 200


class IdTokenRefused(Exception):
    """The reason is shown to the portal: it says what to fix (sign in again, mostly)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IdentityProviderUnavailable(Exception):
    """The provider's keys could not be had: nobody can be checked, nobody is refused for it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IdentityTrust:
    issuer: str
    jwks_url: str
    audience: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "IdentityTrust | None":
        """None unless all three are set (the settings refuse only some of them)."""
        if not (settings.identity_issuer and settings.identity_jwks_url):
            return None
        if not settings.identity_audience:
            return None
        return cls(settings.identity_issuer, settings.identity_jwks_url, settings.identity_audience)


@dataclass(frozen=True)
class SignedIn:
    """A verified ID token: who signed in, and what to remember against its replay."""

    nik: str
    issuer: str
    jti: str
    #: Until when this token would be accepted; its `jti` is kept that long.
    acceptable_until: dt.datetime


class KeySetCache:
    """The provider's published signing keys, as raw JWKs: a key is built for the token's
    algorithm, and a JWK that names another `alg` is not used for it."""

    def __init__(
        self,
        url: str,
        http: AgencyHttp,
        *,
        ttl_s: float = 300.0,
        refetch_interval_s: float = 10.0,
        timeout_s: float = 3.0,
    ) -> None:
        self.url = url
        self.http = http
        self.ttl_s = ttl_s
        self.refetch_interval_s = refetch_interval_s
        self.timeout_s = timeout_s
        self._keys: list[dict[str, Any]] | None = None
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._failure: IdentityProviderUnavailable | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None, algorithm: str) -> jwt.PyJWK:
        found = _pick(await self._current(), kid)
        if found is None and time.monotonic() - self._attempted_at >= self.refetch_interval_s:
            found = _pick(await self._refetched(), kid)
        if found is None:
            raise IdTokenRefused("the ID token is signed with a key the provider does not publish")
        declared = found.get("alg")
        if declared is not None and declared != algorithm:
            raise IdTokenRefused(f"the ID token's key is for {declared}, not {algorithm}")
        try:
            return jwt.PyJWK(found, algorithm=algorithm)
        except jwt.PyJWTError as exc:
            raise IdTokenRefused(f"the ID token's key does not fit {algorithm}") from exc

    async def _current(self) -> list[dict[str, Any]]:
        """A provider that just failed is not asked again for `refetch_interval_s`: requests
        arriving meanwhile are answered at once instead of queueing for a timeout each."""
        now = time.monotonic()
        if self._keys is not None and now - self._fetched_at < self.ttl_s:
            return self._keys
        if self._failure is not None and now - self._attempted_at < self.refetch_interval_s:
            raise self._failure
        return await self._refetched()

    async def _refetched(self) -> list[dict[str, Any]]:
        attempted = self._attempted_at
        async with self._lock:
            if self._attempted_at != attempted:  # another request fetched while this one waited
                if self._failure is not None:
                    raise self._failure
                if self._keys is not None:
                    return self._keys
            self._attempted_at = time.monotonic()
            try:
                self._keys = await self._fetch()
            except IdentityProviderUnavailable as exc:
                self._failure = exc
                raise
            self._failure = None
            self._fetched_at = self._attempted_at
            return self._keys

    async def _fetch(self) -> list[dict[str, Any]]:
        try:
            async with asyncio.timeout(self.timeout_s):
                reply = await self.http.get(self.url, headers={"Accept": "application/json"})
        except (TimeoutError, httpx.HTTPError, OSError) as exc:
            raise IdentityProviderUnavailable(
                f"the identity provider's keys could not be fetched ({type(exc).__name__})"
            ) from exc
        if reply.status_code != 200:
            raise IdentityProviderUnavailable(
                f"the identity provider answered {reply.status_code} for its keys"
            )
        try:
            document = json.loads(reply.content)
        except ValueError as exc:
            raise IdentityProviderUnavailable(
                "the identity provider's key set is not JSON"
            ) from exc
        keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(keys, list):
            raise IdentityProviderUnavailable("the identity provider's key set has no `keys`")
        return [
            key
            for key in keys
            if isinstance(key, dict)
            and key.get("kty") in {"RSA", "EC", "OKP"}
            and key.get("use", "sig") == "sig"
        ]


def _pick(keys: list[dict[str, Any]], kid: str | None) -> dict[str, Any] | None:
    """By `kid`; a token without one only when the set has a single key (OpenID Connect
    Core 10.1)."""
    if kid is None:
        return keys[0] if len(keys) == 1 else None
    return next((key for key in keys if key.get("kid") == kid), None)


class UsedIdTokens:
    """The `jti`s already exchanged. The primary key decides a race between two processes:
    the second insert fails, on SQLite and PostgreSQL alike."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], purge_interval_s: float = 60.0
    ) -> None:
        self.sessions = sessions
        self.purge_interval_s = purge_interval_s
        self._purged_at = float("-inf")

    async def used(self, jti: str) -> bool:
        async with self.sessions() as session:
            return await session.get(UsedSubjectToken, jti) is not None

    async def use(self, signed_in: SignedIn) -> bool:
        """False if the token was exchanged before."""
        await self._purge()
        try:
            async with self.sessions.begin() as session:
                session.add(
                    UsedSubjectToken(
                        jti=signed_in.jti,
                        issuer=signed_in.issuer,
                        expires_at=signed_in.acceptable_until,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def _purge(self) -> None:
        """Rows of tokens that would be refused as expired anyway; not on every exchange."""
        if time.monotonic() - self._purged_at < self.purge_interval_s:
            return
        self._purged_at = time.monotonic()
        async with self.sessions.begin() as session:
            await session.execute(
                delete(UsedSubjectToken).where(
                    UsedSubjectToken.expires_at < dt.datetime.now(dt.UTC)
                )
            )


class IdTokenVerifier:
    """`max_age_s`: how long after sign-in (`iat`) a token may still be exchanged, whatever
    its `exp`; `leeway_s`: the clock difference tolerated between the provider and us."""

    def __init__(
        self,
        trust: IdentityTrust,
        keys: KeySetCache,
        used: UsedIdTokens,
        *,
        max_age_s: int = 300,
        leeway_s: int = 30,
    ) -> None:
        self.trust = trust
        self.keys = keys
        self.used = used
        self.max_age_s = max_age_s
        self.leeway_s = leeway_s

    async def verify(self, token: str) -> SignedIn:
        """Raises `IdTokenRefused` for any token this gateway should not exchange, and
        `IdentityProviderUnavailable` when the provider's keys cannot be had."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise IdTokenRefused("subject_token is not a JWT") from exc
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise IdTokenRefused(
                f"the ID token's algorithm {algorithm!r} is not accepted; "
                f"use one of {', '.join(sorted(ALGORITHMS))}"
            )
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise IdTokenRefused("the ID token's `kid` is not a string")
        try:
            claimed_issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError as exc:
            raise IdTokenRefused("subject_token is not a JWT") from exc
        if claimed_issuer != self.trust.issuer:
            # Said before any key is fetched: another provider's tokens are not worth a fetch.
            raise _untrusted_issuer(self.trust.issuer)
        key = await self.keys.key(kid, str(algorithm))
        claims = self._claims(token, key, str(algorithm))
        return self._signed_in(claims)

    async def check_unused(self, signed_in: SignedIn) -> None:
        """Before anything costly is done for it; `redeem` is what settles a race."""
        if await self.used.used(signed_in.jti):
            raise _replayed()

    async def redeem(self, signed_in: SignedIn) -> None:
        if not await self.used.use(signed_in):
            raise _replayed()

    def _claims(self, token: str, key: jwt.PyJWK, algorithm: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self.trust.audience,
                issuer=self.trust.issuer,
                leeway=self.leeway_s,
                options={"require": ["iss", "aud", "sub", "exp", "iat", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise IdTokenRefused("the ID token has expired: sign in again") from exc
        except jwt.InvalidAudienceError as exc:
            raise IdTokenRefused(
                f"the ID token is not meant for this gateway (aud must name {self.trust.audience})"
            ) from exc
        except jwt.InvalidIssuerError as exc:
            raise _untrusted_issuer(self.trust.issuer) from exc
        except jwt.ImmatureSignatureError as exc:
            raise IdTokenRefused("the ID token is not valid yet") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise IdTokenRefused(f"the ID token has no `{exc.claim}` claim") from exc
        except jwt.InvalidSignatureError as exc:
            raise IdTokenRefused("the ID token's signature does not verify") from exc
        except jwt.PyJWTError as exc:
            raise IdTokenRefused(f"the ID token is not valid: {exc}") from exc
        return claims

    def _signed_in(self, claims: dict[str, Any]) -> SignedIn:
        signed_in_at = float(claims["iat"])
        if time.time() - signed_in_at > self.max_age_s + self.leeway_s:
            raise IdTokenRefused(
                f"the ID token was issued more than {self.max_age_s} s ago: sign in again"
            )
        jti = claims["jti"]
        if not isinstance(jti, str) or not 0 < len(jti) <= _JTI_LENGTH or not jti.isprintable():
            raise IdTokenRefused(f"the ID token's `jti` must be 1 to {_JTI_LENGTH} characters")
        nik = claims.get("nik")
        if not isinstance(nik, str):
            raise IdTokenRefused("the ID token has no `nik` claim")
        try:
            nik = check_nik(nik)
        except ValueError as exc:
            raise IdTokenRefused(f"the ID token's `nik` is not a NIK: {exc}") from exc
        until = min(float(claims["exp"]), signed_in_at + self.max_age_s) + self.leeway_s
        return SignedIn(
            nik=nik,
            issuer=self.trust.issuer,
            jti=jti,
            acceptable_until=dt.datetime.fromtimestamp(until, dt.UTC),
        )


def _untrusted_issuer(trusted: str) -> IdTokenRefused:
    return IdTokenRefused(f"the ID token's issuer is not trusted here (only {trusted})")


def _replayed() -> IdTokenRefused:
    return IdTokenRefused("this ID token was exchanged already: sign in again for a new one")


def build_verifier(
    settings: Settings, http: AgencyHttp, sessions: async_sessionmaker[AsyncSession]
) -> IdTokenVerifier | None:
    """None when no provider is trusted: the token exchange is then refused."""
    trust = IdentityTrust.from_settings(settings)
    if trust is None:
        return None
    return IdTokenVerifier(trust, KeySetCache(trust.jwks_url, http), UsedIdTokens(sessions))
