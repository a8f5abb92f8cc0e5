"""The provider's shared parts, one instance per app: who its citizens and clients are, its
key, its memory and clock, and how it mints an ID token (the code flow and the control
endpoint mint the same way)."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from simulators.identity_provider.clients import Client
from simulators.identity_provider.keys import SigningKey, half_hash
from simulators.identity_provider.state import Clock, PinGuard, Store
from simulators.world import Citizen

ID_TOKEN_TTL_S = 300


@dataclass(frozen=True)
class Provider:
    citizens: Mapping[str, Citizen]
    clients: Mapping[str, Client]
    key: SigningKey
    store: Store
    guard: PinGuard
    clock: Clock
    #: Empty: the issuer is the URL the request came to.
    fixed_issuer: str

    def issuer(self, request: Request) -> str:
        return self.fixed_issuer or str(request.base_url).rstrip("/")

    def id_token(
        self,
        issuer: str,
        client_id: str,
        citizen: Citizen,
        auth_time: int,
        nonce: str | None,
        expires_in: int = ID_TOKEN_TTL_S,
        access_token: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """`sub` is the NIK (subject type "public"), repeated as `nik` for the gateway."""
        now = int(self.clock())
        claims: dict[str, Any] = {
            "iss": issuer,
            "sub": citizen.nik,
            "aud": client_id,
            "iat": now,
            "exp": now + expires_in,
            "auth_time": auth_time,
            "jti": uuid.uuid4().hex,
            "amr": ["pin"],
            "nik": citizen.nik,
            "name": citizen.name,
        }
        if nonce is not None:
            claims["nonce"] = nonce
        if access_token is not None:
            claims["at_hash"] = half_hash(access_token)
        return self.key.sign(claims), claims
