"""The secrets a gateway process needs, and the refusal to run on ones anybody could know.

Until this check existed the gateway shipped public default secrets, so anyone who had read
the source could mint tokens, forge webhook signatures and decrypt agency passwords. Now a
gateway process (the API and `satupintu worker`) refuses to start, in one line on stderr,
when a secret is missing or is one of the values published in this repository, unless it is
started with `SATUPINTU_ENVIRONMENT=development`; it then uses `DEVELOPMENT_VALUES` and says
so in one warning line."""

import base64
import binascii
import logging
import secrets
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pydantic import SecretStr

from app.config import Settings

log = logging.getLogger("satupintu.secrets")

SECRET_FIELDS: Final = ("secret_key", "webhook_secret", "audit_signing_key")
"""Settings fields whose values must be private to one installation."""

MIN_SECRET_CHARS: Final = 32

DEVELOPMENT_VALUES: Final[dict[str, str]] = {
    "secret_key": "satupintu-development-secret-key",
    "webhook_secret": "satupintu-development-webhook-secret",
    # An Ed25519 seed of 32 bytes 0x00..0x1f, URL-safe base64: public, for development only.
    "audit_signing_key": base64.urlsafe_b64encode(bytes(range(32))).decode(),
    "public_url": "http://127.0.0.1:8000",
}
"""What a development gateway uses for whatever is not set: public, so never for real data."""

KNOWN_VALUES: Final[frozenset[str]] = frozenset(
    {
        *(DEVELOPMENT_VALUES[name] for name in SECRET_FIELDS),
        "changeme",
        "change-me",
        "secret",
        "password",
        "development",
    }
)
"""Values a production gateway refuses: the published development values (which were the
defaults of earlier versions) and the placeholders people paste from examples."""


class InsecureSettings(SystemExit):
    """Raised where a process starts. A `SystemExit` carrying its message, so whoever runs the
    process (uvicorn's factory loader, the worker command, a test) ends with exactly that one
    line on stderr and exit status 1 rather than a traceback; uvicorn 0.54 logs a factory's
    own exceptions in one line only when they are `TypeError`s."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "satupintu refuses to start: "
            + "; ".join(problems)
            + ". Run `satupintu secrets generate` for fresh values and give them to every "
            "gateway process (or start with SATUPINTU_ENVIRONMENT=development on a machine "
            "with no real data)."
        )


def env_name(field: str) -> str:
    return f"SATUPINTU_{field.upper()}"


def _problem(field: str, value: str | None) -> str | None:
    if field == "public_url":
        return None if value else f"{env_name(field)} (the URL clients reach it at) is not set"
    if value is None or not value.strip():
        return f"{env_name(field)} is not set"
    if value in KNOWN_VALUES:
        return f"{env_name(field)} is a published development value"
    if field == "audit_signing_key":
        try:
            seed = base64.urlsafe_b64decode(value.strip() + "=" * (-len(value.strip()) % 4))
        except (binascii.Error, ValueError):
            seed = b""
        if len(seed) != 32:
            return f"{env_name(field)} must be URL-safe base64 of a 32-byte Ed25519 seed"
    elif len(value) < MIN_SECRET_CHARS:
        return f"{env_name(field)} is shorter than {MIN_SECRET_CHARS} characters"
    return None


def _value(settings: Settings, field: str) -> str | None:
    value = getattr(settings, field)
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def secured(settings: Settings) -> Settings:
    """The settings a gateway process may run with, or `InsecureSettings` naming every
    missing or known secret at once (one restart fixes them all)."""
    problems = {
        field: problem
        for field in (*SECRET_FIELDS, "public_url")
        if (problem := _problem(field, _value(settings, field))) is not None
    }
    if not problems:
        return settings
    if settings.environment != "development":
        raise InsecureSettings(list(problems.values()))
    filled = {
        field: DEVELOPMENT_VALUES[field]
        for field in problems
        if _value(settings, field) is None or field == "public_url"
    }
    log.warning(
        "DEVELOPMENT MODE: %s use published development values; anyone can forge tokens and "
        "read agency passwords, so never give this gateway real data",
        ", ".join(env_name(field) for field in problems),
    )
    return settings.model_copy(
        update={
            field: value if field == "public_url" else SecretStr(value)
            for field, value in filled.items()
        }
    )


def secret(settings: Settings, field: str) -> str:
    """One secret's value where it is used; refuses, as `secured` does, a missing or published
    one, so no code path can fall back on a value anyone knows."""
    value = _value(settings, field)
    problem = _problem(field, value)
    if problem is None and value is not None:
        return value
    if settings.environment == "development":
        return value or DEVELOPMENT_VALUES[field]
    raise InsecureSettings([problem or f"{env_name(field)} is not set"])


def issuer_url(settings: Settings) -> str:
    """The `iss` of tokens and the `issuer` of the metadata: one value for every process."""
    if settings.public_url:
        return settings.public_url
    if settings.environment == "development":
        return DEVELOPMENT_VALUES["public_url"]
    raise InsecureSettings([_problem("public_url", None) or ""])


def fresh_secrets() -> dict[str, str]:
    """New random values for every secret, by environment variable name."""
    seed = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    return {
        env_name("secret_key"): secrets.token_urlsafe(32),
        env_name("webhook_secret"): secrets.token_urlsafe(32),
        env_name("audit_signing_key"): base64.urlsafe_b64encode(seed).decode(),
    }
