"""Short-lived signed access tokens (RFC 9068-style JWTs) for the client-credentials grant.

Tokens are verified without a database round trip; whether their client is still enabled is
asked of `ClientStore.is_enabled`, which caches the answer for `api_key_cache_ttl_s`."""

import datetime as dt
import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass

import jwt
from cachetools import LRUCache

from app.auth.scopes import ClientKind, Scope

ISSUER = "satupintu"
AUDIENCE = "satupintu"
ALGORITHM = "HS256"


class InvalidToken(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TokenClaims:
    client_id: str
    kind: ClientKind
    scopes: frozenset[Scope]
    subject_nik: str | None


def signing_key(configured: str | None, secret_key: str) -> str:
    """A key of its own for tokens, derived when none is configured, so leaking a token key
    never leaks the key that encrypts agency passwords."""
    if configured:
        return configured
    return hmac.new(secret_key.encode(), b"satupintu access tokens", hashlib.sha256).hexdigest()


class TokenIssuer:
    """Remembers the tokens it has verified until they expire: a client sends the same token
    for many requests, and checking its signature and claims again each time showed as about
    2.5 % of the gateway's CPU in a profile read's profile. Only a token that verified is
    remembered, and its expiry is checked on every use."""

    def __init__(self, key: str, ttl_s: int, remembered: int = 4096) -> None:
        self._key = key
        self.ttl_s = ttl_s
        self._verified: LRUCache[str, tuple[TokenClaims, float]] = LRUCache(remembered)

    def issue(self, claims: TokenClaims) -> str:
        now = dt.datetime.now(dt.UTC)
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": claims.subject_nik or claims.client_id,
            "client_id": claims.client_id,
            "client_kind": claims.kind.value,
            "scope": " ".join(sorted(claims.scopes)),
            "iat": now,
            "exp": now + dt.timedelta(seconds=self.ttl_s),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(payload, self._key, algorithm=ALGORITHM, headers={"typ": "at+jwt"})

    def read(self, token: str) -> TokenClaims:
        known = self._verified.get(token)
        if known is not None and time.time() < known[1]:
            return known[0]
        claims, expires_at = self._verify(token)
        self._verified[token] = (claims, expires_at)
        return claims

    def _verify(self, token: str) -> tuple[TokenClaims, float]:
        try:
            payload = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "client_id", "scope"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("the access token has expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken("the access token is not valid") from exc
        try:
            kind = ClientKind(str(payload.get("client_kind")))
            scopes = frozenset(Scope(name) for name in str(payload["scope"]).split())
        except ValueError as exc:
            raise InvalidToken("the access token carries unknown claims") from exc
        subject = str(payload["sub"]) if kind.citizen_bound else None
        claims = TokenClaims(str(payload["client_id"]), kind, scopes, subject)
        return claims, float(payload["exp"])
