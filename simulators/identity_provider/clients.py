"""The relying parties the provider knows, registered by the operator (`SIM_IDP_CLIENTS`).

A client with a secret is confidential and authenticates with HTTP Basic at the token
endpoint; one without is public (a kiosk app, a test) and is held to PKCE alone, which every
client must use anyway. Redirect URIs match exactly, character for character (RFC 9700 2.1).
"""

import hmac
import json
import os
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from simulators.identity_provider import CLIENTS_ENV

MIN_SECRET_CHARS = 32


class Client(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    client_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._~-]+$")
    name: str = Field(min_length=1, max_length=200)
    redirect_uris: tuple[str, ...] = Field(min_length=1)
    client_secret: str | None = Field(default=None, min_length=MIN_SECRET_CHARS)

    @field_validator("redirect_uris")
    @classmethod
    def _absolute_without_fragment(cls, uris: tuple[str, ...]) -> tuple[str, ...]:
        for uri in uris:
            parts = urlsplit(uri)
            if parts.scheme not in {"http", "https"} or not parts.hostname or parts.fragment:
                raise ValueError(f"{uri!r} is not an absolute http(s) URL without a fragment")
        return uris

    @property
    def public(self) -> bool:
        return self.client_secret is None

    def secret_matches(self, given: str) -> bool:
        if self.client_secret is None:
            return False
        return hmac.compare_digest(given.encode(), self.client_secret.encode())


_CLIENT_LIST = TypeAdapter(list[Client])


def parse_clients(raw: str) -> dict[str, Client]:
    """Clients by id from the JSON list `SIM_IDP_CLIENTS` holds; a repeated id is refused."""
    clients = _CLIENT_LIST.validate_python(json.loads(raw)) if raw.strip() else []
    by_id = {client.client_id: client for client in clients}
    if len(by_id) != len(clients):
        raise ValueError(f"{CLIENTS_ENV} registers a client id twice")
    return by_id


def clients_from_env() -> dict[str, Client]:
    """No variable, no clients: a provider nobody configured signs nobody in anywhere."""
    return parse_clients(os.environ.get(CLIENTS_ENV, ""))
