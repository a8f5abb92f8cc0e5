"""The key pairs that sign access tokens, shared by every gateway process through the
`signing_keys` table.

Tokens are signed with Ed25519 (JWS `EdDSA`) so that whoever verifies one (an agency, another
gateway process) needs only the public key from `/.well-known/jwks.json`, never a secret. The
private half is stored encrypted with the gateway's secret key. Every process signs with the
newest active key and verifies against every key still published; it reloads the set
periodically, and at once (at most once a second) on a `kid` it does not know, so a rotation
made by another process or by `satupintu keys rotate` takes effect without a restart."""

import asyncio
import datetime as dt
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from jwt.algorithms import OKPAlgorithm
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.agencies.secrets import SecretBox
from app.db.models import SigningKey
from app.periodic import Every

log = logging.getLogger(__name__)

ALGORITHM = "EdDSA"
UNKNOWN_KID_RELOAD_S = 1.0
"""However many tokens with unknown key ids arrive, the database is asked at most this often."""

KeyState = Literal["active", "retired", "expired"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    state: KeyState
    created_at: dt.datetime
    published_until: dt.datetime | None


@dataclass(frozen=True)
class PublishedKey:
    kid: str
    jwk: dict[str, Any]
    key: Ed25519PublicKey
    published_until: dt.datetime | None

    def published_at(self, moment: dt.datetime) -> bool:
        return self.published_until is None or moment < self.published_until


def _state(row: SigningKey, now: dt.datetime) -> KeyState:
    if row.retired_at is None:
        return "active"
    return "retired" if row.published_until is None or now < row.published_until else "expired"


def _new_key(box: SecretBox, now: dt.datetime) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    kid = f"{now:%Y%m%d}-{secrets.token_hex(6)}"
    jwk = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    return SigningKey(
        kid=kid,
        algorithm=ALGORITHM,
        private_key=box.seal(pem),
        public_jwk={**jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"},
        created_at=now,
        retired_at=None,
        published_until=None,
    )


async def _retire_all_but_newest(session: AsyncSession, overlap: dt.timedelta) -> None:
    """Every process orders the active keys the same way, so two that raced to create the
    first key retire the same one; a retired key stays published for `overlap`, the longest
    any token it signed can still be valid."""
    active = (
        await session.scalars(
            select(SigningKey.kid)
            .where(SigningKey.retired_at.is_(None))
            .order_by(SigningKey.created_at.desc(), SigningKey.kid.desc())
        )
    ).all()
    if len(active) < 2:
        return
    now = _now()
    await session.execute(
        update(SigningKey)
        .where(SigningKey.kid.in_(active[1:]), SigningKey.retired_at.is_(None))
        .values(retired_at=now, published_until=now + overlap)
    )


async def rotate(
    sessions: async_sessionmaker[AsyncSession], box: SecretBox, overlap: dt.timedelta
) -> KeyInfo:
    """A new active key; the ones before it stop signing and verify for `overlap` more."""
    row = _new_key(box, _now())
    async with sessions.begin() as session:
        session.add(row)
        await session.flush()
        await _retire_all_but_newest(session, overlap)
    return KeyInfo(row.kid, "active", row.created_at, None)


async def ensure_active(
    sessions: async_sessionmaker[AsyncSession], box: SecretBox, overlap: dt.timedelta
) -> None:
    """Create the first key if there is none. Two processes starting at once may both
    create one; the older is then retired at once, and stays published while it matters."""
    async with sessions.begin() as session:
        exists = await session.scalar(
            select(SigningKey.kid).where(SigningKey.retired_at.is_(None)).limit(1)
        )
        if exists is None:
            session.add(_new_key(box, _now()))
    async with sessions.begin() as session:
        await _retire_all_but_newest(session, overlap)


async def every_key(sessions: async_sessionmaker[AsyncSession]) -> list[KeyInfo]:
    now = _now()
    async with sessions() as session:
        rows = (await session.scalars(select(SigningKey).order_by(SigningKey.created_at))).all()
    return [KeyInfo(r.kid, _state(r, now), r.created_at, r.published_until) for r in rows]


class KeySet:
    """This process's view of the signing keys: the one it signs with, the ones it accepts."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        box: SecretBox,
        overlap: dt.timedelta,
        refresh_interval_s: float,
    ) -> None:
        self._sessions = sessions
        self._box = box
        self._overlap = overlap
        self._signer: tuple[str, Ed25519PrivateKey] | None = None
        self._published: dict[str, PublishedKey] = {}
        self._reloaded_for_unknown_at = float("-inf")
        self._reload_lock = asyncio.Lock()
        self._loop = Every(
            refresh_interval_s,
            self.reload,
            "signing-key-refresh",
            "token signing keys could not be read",
            log,
        )

    async def load(self) -> None:
        """Read the keys, creating the first one if there is none."""
        await ensure_active(self._sessions, self._box, self._overlap)
        await self.reload()

    async def reload(self) -> None:
        now = _now()
        async with self._sessions() as session:
            rows = (
                await session.scalars(
                    select(SigningKey)
                    .where(
                        or_(SigningKey.published_until.is_(None), SigningKey.published_until > now)
                    )
                    .order_by(SigningKey.created_at.desc(), SigningKey.kid.desc())
                )
            ).all()
        active = next((r for r in rows if r.retired_at is None), None)
        if active is None:
            raise RuntimeError("no active token signing key; run `satupintu keys rotate`")
        if self._signer is None or self._signer[0] != active.kid:
            self._signer = (active.kid, self._private_key(active))
        self._published = {
            r.kid: PublishedKey(r.kid, r.public_jwk, _public_key(r.public_jwk), r.published_until)
            for r in rows
        }

    def _private_key(self, row: SigningKey) -> Ed25519PrivateKey:
        try:
            pem = self._box.open(row.private_key)
        except ValueError as exc:
            raise RuntimeError(
                f"token signing key {row.kid} cannot be decrypted: every gateway process must "
                "share the SATUPINTU_SECRET_KEY that created it"
            ) from exc
        key = load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise RuntimeError(f"token signing key {row.kid} is not an Ed25519 key")
        return key

    def signer(self) -> tuple[str, Ed25519PrivateKey]:
        if self._signer is None:
            raise RuntimeError("the signing keys have not been loaded")
        return self._signer

    def published(self) -> list[dict[str, Any]]:
        """The public keys as JWKs, newest first; a key past its `published_until` is gone
        even before the next reload."""
        now = _now()
        return [dict(k.jwk) for k in self._published.values() if k.published_at(now)]

    async def verification_key(self, kid: str) -> PublishedKey | None:
        known = self._published.get(kid)
        if known is None:
            known = await self._reload_for(kid)
        if known is None or not known.published_at(_now()):
            return None
        return known

    async def _reload_for(self, kid: str) -> PublishedKey | None:
        async with self._reload_lock:
            if kid not in self._published:
                if time.monotonic() - self._reloaded_for_unknown_at < UNKNOWN_KID_RELOAD_S:
                    return None
                self._reloaded_for_unknown_at = time.monotonic()
                await self.reload()
        return self._published.get(kid)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()


def _public_key(jwk: dict[str, Any]) -> Ed25519PublicKey:
    key = jwt.PyJWK(jwk, algorithm=ALGORITHM).key
    if not isinstance(key, Ed25519PublicKey):
        raise RuntimeError(f"signing key {jwk.get('kid')} is not an Ed25519 public key")
    return key
