"""Client secrets and API keys.

Secrets are 256-bit random strings made here, never chosen by people, so a single SHA-256
is as safe to store as a slow password hash while costing microseconds per request; that is
what lets API keys be checked on every call."""

import hashlib
import hmac
import secrets

API_KEY_SEPARATOR = "."


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_client_id(name: str) -> str:
    stem = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:40] or "client"
    return f"{stem}-{secrets.token_hex(4)}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def api_key(client_id: str, secret: str) -> str:
    return f"{client_id}{API_KEY_SEPARATOR}{secret}"


def split_api_key(value: str) -> tuple[str, str] | None:
    client_id, separator, secret = value.partition(API_KEY_SEPARATOR)
    return (client_id, secret) if separator and client_id and secret else None
