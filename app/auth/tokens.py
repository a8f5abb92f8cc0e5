"""Short-lived signed access tokens (RFC 9068-style JWTs) for the client-credentials grant.

Tokens are signed with this gateway's newest Ed25519 key (`app.auth.signing_keys`) and carry
its `kid`, so anyone holding the published keys can verify them. They are verified without a
database round trip (but for a `kid` not yet seen); whether their client is still enabled is
asked of `ClientStore.is_enabled`, which caches the answer for `api_key_cache_ttl_s`."""

import datetime as dt
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jwt
from cachetools import LRUCache

from app.auth.scopes import ClientKind
from app.auth.signing_keys import ALGORITHM, KeySet

AUDIENCE = "satupintu"


class InvalidToken(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ActingBasis(StrEnum):
    """Why a person may act for another (issue 15): a parent for a minor child on the same
    family card, the head of the family for family-card services, or a mandate (kuasa) the
    subject granted and may withdraw."""

    PARENT = "parent"
    FAMILY_HEAD = "family_head"
    MANDATE = "mandate"


@dataclass(frozen=True)
class Actor:
    """The person acting for the token's subject (RFC 8693 `act`): signed in themself, and
    allowed on `basis`. `relationship` is how the subject's access log names them
    ("mother", "head of family", "mandate holder")."""

    nik: str
    basis: ActingBasis
    relationship: str
    mandate_id: str | None = None


@dataclass(frozen=True)
class TokenClaims:
    client_id: str
    kind: ClientKind
    #: Strings, not `Scope`s: a data product's scope, even one whose product has since been
    #: removed, is as valid in a token as a built-in one.
    scopes: frozenset[str]
    subject_nik: str | None
    actor: Actor | None = None


class TokenIssuer:
    """Remembers the tokens it has verified until they expire: a client sends the same token
    for many requests, and checking its signature and claims again each time showed as about
    2.5 % of the gateway's CPU in a profile read's profile. Only a token that verified is
    remembered, and its expiry, or the end of its key's publication if sooner, is checked on
    every use."""

    def __init__(self, keys: KeySet, issuer: str, ttl_s: int, remembered: int = 4096) -> None:
        self.keys = keys
        self.issuer = issuer
        self.ttl_s = ttl_s
        self._verified: LRUCache[str, tuple[TokenClaims, float]] = LRUCache(remembered)

    def issue(self, claims: TokenClaims) -> str:
        now = dt.datetime.now(dt.UTC)
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": claims.subject_nik or claims.client_id,
            "client_id": claims.client_id,
            "client_kind": claims.kind.value,
            "scope": " ".join(sorted(claims.scopes)),
            "iat": now,
            "exp": now + dt.timedelta(seconds=self.ttl_s),
            "jti": uuid.uuid4().hex,
        }
        if claims.actor is not None:
            payload["act"] = _act(claims.actor)
        kid, key = self.keys.signer()
        return jwt.encode(payload, key, algorithm=ALGORITHM, headers={"typ": "at+jwt", "kid": kid})

    async def read(self, token: str) -> TokenClaims:
        known = self._verified.get(token)
        if known is not None and time.time() < known[1]:
            return known[0]
        claims, expires_at = await self._verify(token)
        self._verified[token] = (claims, expires_at)
        return claims

    async def _verify(self, token: str) -> tuple[TokenClaims, float]:
        """Only the algorithm and the published keys of this gateway count: the header's
        `alg` is checked against ours before any key is chosen, so a token signed any other
        way (the HS256 tokens of earlier versions among them) is refused."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("the access token is not valid") from exc
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or not isinstance(kid, str):
            raise InvalidToken("the access token is not signed by this gateway")
        key = await self.keys.verification_key(kid)
        if key is None:
            raise InvalidToken("the access token's signing key is unknown or no longer published")
        try:
            payload = jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "client_id", "scope"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("the access token has expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken("the access token is not valid") from exc
        scopes = frozenset(str(payload["scope"]).split())
        try:
            kind = ClientKind(str(payload.get("client_kind")))
        except ValueError as exc:
            raise InvalidToken("the access token carries unknown claims") from exc
        subject = str(payload["sub"]) if kind.citizen_bound else None
        actor = _actor(payload.get("act")) if subject is not None else None
        claims = TokenClaims(str(payload["client_id"]), kind, scopes, subject, actor)
        expires_at = float(payload["exp"])
        if key.published_until is not None:
            expires_at = min(expires_at, key.published_until.timestamp())
        return claims, expires_at


def _act(actor: Actor) -> dict[str, str]:
    """RFC 8693 section 4.1: `sub` names the actor; the other members say on what basis, so
    that a verifier needs no second look-up to know why the actor may act."""
    act = {"sub": actor.nik, "basis": actor.basis.value, "relationship": actor.relationship}
    if actor.mandate_id is not None:
        act["mandate_id"] = actor.mandate_id
    return act


def _actor(act: object) -> Actor | None:
    if act is None:
        return None
    if not isinstance(act, dict):
        raise InvalidToken("the access token carries unknown claims")
    nik, basis, relationship = act.get("sub"), act.get("basis"), act.get("relationship")
    mandate_id = act.get("mandate_id")
    if not (isinstance(nik, str) and isinstance(basis, str) and isinstance(relationship, str)):
        raise InvalidToken("the access token carries unknown claims")
    if mandate_id is not None and not isinstance(mandate_id, str):
        raise InvalidToken("the access token carries unknown claims")
    try:
        return Actor(nik, ActingBasis(basis), relationship, mandate_id)
    except ValueError as exc:
        raise InvalidToken("the access token carries unknown claims") from exc
