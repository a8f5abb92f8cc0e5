"""The provider's ID token signing key and the JWKS that publishes it.

RS256 because OpenID Connect Core (15.1) makes it the one algorithm every provider must
offer, so any relying party library verifies these tokens without configuration. pyjwt and
cryptography, already the gateway's dependencies, do the signing; the protocol around it is
small enough to state here rather than adapt a framework-bound server library to Starlette.
"""

import base64
import hashlib
import json
import os
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from simulators.identity_provider import SIGNING_KEY_ENV

ALGORITHM = "RS256"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SigningKey:
    """One RSA key; its `kid` is the RFC 7638 thumbprint, so the same PEM gives the same
    `kid` in every process that loads it."""

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self._private = private_key
        public = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        members = {"e": public["e"], "kty": "RSA", "n": public["n"]}
        canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
        self.kid = _b64url(hashlib.sha256(canonical).digest())
        self.public_jwk: dict[str, Any] = {
            **members,
            "kid": self.kid,
            "use": "sig",
            "alg": ALGORITHM,
        }

    @classmethod
    def generate(cls) -> "SigningKey":
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def from_pem(cls, pem: str) -> "SigningKey":
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
            raise ValueError(
                f"{SIGNING_KEY_ENV} must be an unencrypted RSA private key of 2048+ bits"
            )
        return cls(key)

    @classmethod
    def from_env(cls) -> "SigningKey":
        """The key of `SIM_IDP_SIGNING_KEY` (PEM) when several processes must agree, else
        one made for this process: nothing outlives it but tokens that expire in minutes."""
        pem = os.environ.get(SIGNING_KEY_ENV, "").strip()
        return cls.from_pem(pem) if pem else cls.generate()

    def pem(self) -> str:
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(
            claims, self._private, algorithm=ALGORITHM, headers={"kid": self.kid, "typ": "JWT"}
        )

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk]}


def half_hash(value: str) -> str:
    """`at_hash` (OIDC Core 3.1.3.6): the left half of the SHA-256 of the access token."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return _b64url(digest[: len(digest) // 2])


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a verifier (RFC 7636 4.2)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
