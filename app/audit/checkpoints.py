"""Signed checkpoints of the chain head.

The chain alone only proves it agrees with itself: whoever can write the tables can cut its
tail and set the head row back, empty it, or rewrite a record and recompute every hash after
it, and the chain still verifies. A checkpoint is the head's `seq` and `hash` signed with an
Ed25519 key that is not in the database, and copies of it go to witnesses outside the
database (`app.audit.witnesses`); the verifier then asks that the chain still holds record
`seq` with exactly that hash. The signed text is versioned so its form can change later
without making old checkpoints unverifiable.
"""

import base64
import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import AuditChainHead, AuditCheckpoint

log = logging.getLogger(__name__)

VERSION = "satupintu-audit-checkpoint/1"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _instant(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def signed_text(seq: int, head_hash: str, signed_at: dt.datetime, key_id: str) -> bytes:
    """What the signature covers: one field a line, in a fixed order, after the version."""
    lines = [VERSION, f"seq={seq}", f"hash={head_hash}", f"signed_at={_instant(signed_at)}"]
    return "\n".join([*lines, f"key_id={key_id}", ""]).encode()


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    signed_at: dt.datetime
    key_id: str
    signature: str

    def to_json(self) -> dict[str, Any]:
        """The form witnesses keep: one JSON object, enough to verify with the public key."""
        return {
            "version": VERSION,
            "seq": self.seq,
            "hash": self.hash,
            "signed_at": _instant(self.signed_at),
            "key_id": self.key_id,
            "signature": self.signature,
        }

    def line(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: Any) -> "Checkpoint":
        """Raises ValueError for anything that is not a checkpoint of a known version."""
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError(f"not a {VERSION} checkpoint")
        try:
            seq, head_hash = data["seq"], data["hash"]
            key_id, signature = data["key_id"], data["signature"]
            signed_at = dt.datetime.fromisoformat(data["signed_at"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"a checkpoint field is missing or malformed: {exc}") from exc
        if not (isinstance(seq, int) and seq >= 0 and signed_at.tzinfo is not None):
            raise ValueError("seq must be a whole number and signed_at carry its offset")
        if not all(isinstance(v, str) for v in (head_hash, key_id, signature)):
            raise ValueError("hash, key_id and signature must be strings")
        return cls(seq, head_hash, signed_at, key_id, signature)

    @classmethod
    def from_row(cls, row: AuditCheckpoint) -> "Checkpoint":
        return cls(row.seq, row.hash, row.signed_at, row.key_id, row.signature)


def public_jwk(public: Ed25519PublicKey) -> dict[str, str]:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)}


def key_id(public: Ed25519PublicKey) -> str:
    """The RFC 7638 thumbprint of the public key: a witness holding several keys (an old one
    after a rotation) knows by it which one to verify with."""
    canonical = json.dumps(public_jwk(public), sort_keys=True, separators=(",", ":"))
    return _b64(hashlib.sha256(canonical.encode()).digest())


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key as `satupintu audit public-key` prints it (a JWK), or as PEM."""
    stripped = text.strip()
    if stripped.startswith("-----BEGIN"):
        loaded = serialization.load_pem_public_key(stripped.encode())
        if not isinstance(loaded, Ed25519PublicKey):
            raise ValueError("the PEM key is not an Ed25519 public key")
        return loaded
    try:
        jwk = json.loads(stripped)
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise ValueError("the JWK is not an Ed25519 (OKP) key")
        return Ed25519PublicKey.from_public_bytes(_unb64(jwk["x"]))
    except (json.JSONDecodeError, AttributeError, KeyError, TypeError) as exc:
        raise ValueError("expected an Ed25519 JWK or PEM public key") from exc


class CheckpointSigner:
    """Holds the private key, given as the URL-safe base64 of its 32-byte seed."""

    def __init__(self, seed: str) -> None:
        try:
            raw = _unb64(seed.strip())
        except ValueError as exc:
            raise ValueError("the audit signing key is not URL-safe base64") from exc
        if len(raw) != 32:
            raise ValueError(
                f"the audit signing key must be a 32-byte Ed25519 seed, got {len(raw)} bytes"
            )
        self._private = Ed25519PrivateKey.from_private_bytes(raw)
        self.public_key = self._private.public_key()
        self.key_id = key_id(self.public_key)

    def public_jwk(self) -> dict[str, str]:
        return {**public_jwk(self.public_key), "kid": self.key_id, "alg": "EdDSA", "use": "sig"}

    def sign(self, seq: int, head_hash: str, at: dt.datetime) -> Checkpoint:
        text = signed_text(seq, head_hash, at, self.key_id)
        return Checkpoint(seq, head_hash, at, self.key_id, _b64(self._private.sign(text)))


def new_seed() -> str:
    """A fresh private seed in the form the setting takes."""
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return _b64(raw)


def signature_holds(checkpoint: Checkpoint, public: Ed25519PublicKey) -> bool:
    text = signed_text(checkpoint.seq, checkpoint.hash, checkpoint.signed_at, checkpoint.key_id)
    try:
        public.verify(_unb64(checkpoint.signature), text)
    except (InvalidSignature, ValueError):
        return False
    return True


async def stored(sessions: async_sessionmaker[AsyncSession]) -> list[Checkpoint]:
    async with sessions() as session:
        rows = await session.scalars(
            select(AuditCheckpoint).order_by(AuditCheckpoint.seq, AuditCheckpoint.id)
        )
        return [Checkpoint.from_row(row) for row in rows]


async def checkpoint_head(
    sessions: async_sessionmaker[AsyncSession], signer: CheckpointSigner, *, force: bool = False
) -> Checkpoint | None:
    """Sign the head as it stands and store the checkpoint; None when there is nothing new
    to vouch for (the head has not moved since the newest checkpoint, unless `force`), or when
    the head stands behind the newest checkpoint: that head is evidence of tampering, and
    signing it would only dress it up."""
    async with sessions.begin() as session:
        head = await session.get(AuditChainHead, 1)
        if head is None:
            return None
        newest = await session.scalar(
            select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)
        )
        if newest is not None and (
            head.seq < newest.seq or (head.seq == newest.seq and head.hash != newest.hash)
        ):
            log.error(
                "the audit chain head (record %d) stands behind or beside the newest "
                "checkpoint (record %d): run `satupintu audit verify`",
                head.seq,
                newest.seq,
            )
            return None
        moved = head.seq > (newest.seq if newest is not None else 0)
        if not (moved or force):
            return None
        checkpoint = signer.sign(head.seq, head.hash, dt.datetime.now(dt.UTC))
        session.add(
            AuditCheckpoint(
                seq=checkpoint.seq,
                hash=checkpoint.hash,
                signed_at=checkpoint.signed_at,
                key_id=checkpoint.key_id,
                signature=checkpoint.signature,
            )
        )
    return checkpoint
