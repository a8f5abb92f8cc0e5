"""One settings object for the whole gateway.

Every knob but the secrets has a default that makes `make run` work on a fresh machine: an
SQLite file and the three simulated agencies on localhost. The secrets have none, and a gateway
process refuses to start without them (`app.secret_settings`); `make run` writes fresh ones to
`.run/secrets.env`, which is read after `.env`, so operator commands run in the checkout find
them too. Environment variables use the `SATUPINTU_` prefix and `__` for nesting
(`SATUPINTU_AGENCIES__VEHICLE_TAX__TIMEOUT_MS=500`); the database URL also answers to the
conventional `DATABASE_URL`.
"""

import ipaddress
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PROBLEM_BASE_URI = "https://satupintu.go.id/problems/"


class AgencyEndpoint(BaseModel):
    """Where one agency's backend lives and how long the gateway waits for it."""

    base_url: str
    timeout_ms: int = Field(default=2000, gt=0)
    enabled: bool = True
    username: str | None = None
    password: SecretStr | None = None


class AgencyInstanceSettings(AgencyEndpoint):
    """An agency instance as the operator configures it: its endpoint, the adapter kind that
    speaks its dialect, and where it has authority. `kind` None means the instance code is
    the kind (`civil_registry`); an empty `jurisdiction` is national."""

    kind: str | None = None
    name: str | None = None
    jurisdiction: list[str] = Field(default_factory=list)
    conformance: dict[str, str] | None = Field(
        default=None,
        description="Identifiers its own backend answers for (`known_plate_number`, "
        "`unknown_plate_number`, `known_nik`, `unknown_nik`), over the kind's defaults.",
    )

    @property
    def endpoint(self) -> AgencyEndpoint:
        return AgencyEndpoint(**self.model_dump(include=set(AgencyEndpoint.model_fields)))


#: The demo federation `make run` starts: one civil registry and one licensing agency for the
#: country, and four provincial tax offices (East Java's speaks another dialect), each with a
#: demo owner and plate of its own province for the conformance suite.
PROVINCIAL_TAX_OFFICES: dict[str, tuple[str, str, str, int, str, str]] = {
    "bapenda_31": (
        "vehicle_tax", "Bapenda Provinsi DKI Jakarta (SAMSAT)", "31", 8102,
        "3174101704820001", "B 9661 SX",
    ),
    "bapenda_32": (
        "vehicle_tax", "Bapenda Provinsi Jawa Barat (SAMSAT)", "32", 8104,
        "3275046703910001", "B 1526 KDX",
    ),
    "bapenda_33": (
        "vehicle_tax", "Bapenda Provinsi Jawa Tengah (SAMSAT)", "33", 8105,
        "3374091203840001", "H 1524 Z",
    ),
    "bapenda_35": (
        "samsat_jatim", "Bapenda Provinsi Jawa Timur (SAMSAT)", "35", 8106,
        "3578051402480001", "L 9930 JA",
    ),
}  # fmt: skip


def demo_federation() -> dict[str, AgencyInstanceSettings]:
    offices = {
        code: AgencyInstanceSettings(
            base_url=f"http://127.0.0.1:{port}",
            kind=kind,
            name=name,
            jurisdiction=[province],
            conformance={
                "known_nik": nik,
                "unknown_nik": f"{nik[:12]}9999",
                "known_plate_number": plate,
                "unknown_plate_number": f"{plate.split()[0]} 1 {plate.split()[-1][0]}QQ",
            },
        )
        for code, (kind, name, province, port, nik, plate) in PROVINCIAL_TAX_OFFICES.items()
    }
    return {
        "civil_registry": AgencyInstanceSettings(
            base_url="http://127.0.0.1:8101",
            username="satupintu",
            password=SecretStr("satupintu-demo"),
        ),
        "investment_licensing": AgencyInstanceSettings(base_url="http://127.0.0.1:8103"),
        **offices,
    }


def _falsy(value: object) -> bool:
    return value is False or str(value).strip().lower() in {"false", "0", "no", "off"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SATUPINTU_",
        env_nested_delimiter="__",
        env_file=(".env", ".run/secrets.env"),
        extra="ignore",
        validate_by_name=True,
    )

    database_url: str = Field(
        default="sqlite+aiosqlite:///./satupintu.db",
        validation_alias=AliasChoices("DATABASE_URL", "SATUPINTU_DATABASE_URL"),
    )
    auto_migrate: bool = Field(
        default=True,
        description="Apply migrations on start; when off, refuse to start on an old schema.",
    )
    default_agencies: bool = Field(
        default=True,
        description="Start from the demo federation on localhost (`make run`'s agencies); "
        "`agencies` entries change or add to it. Off, only `agencies` is configured.",
    )
    agencies: dict[str, AgencyInstanceSettings] = Field(default_factory=demo_federation)
    request_deadline_ms: int = Field(
        default=3000,
        gt=0,
        description="Budget for a whole combined read; no agency call outlives it.",
    )
    breaker_failure_threshold: int = Field(
        default=5, gt=0, description="Failed calls in a row that open an agency's circuit."
    )
    breaker_recovery_s: float = Field(
        default=5.0, gt=0, description="How long an open circuit answers at once, untried."
    )
    agency_max_concurrency: int = Field(
        default=64, gt=0, description="Calls in flight to one agency (the bulkhead)."
    )
    agency_client_max_concurrency: int | None = Field(
        default=None,
        gt=0,
        description="One client's calls in flight to one agency (its fair share of the "
        "bulkhead); unset is a quarter of `agency_max_concurrency`. A client's call past it "
        "waits briefly for one of its own, then is refused (429) without calling the agency.",
    )
    retry_ratio: float = Field(
        default=0.1, ge=0, le=1, description="Retries earned per read call (the retry budget)."
    )
    reference_ttl_s: float = Field(
        default=3600.0, gt=0, description="How long reference data (KBLI) is fresh."
    )
    http_transport: Literal["aiohttp", "httpx"] = Field(
        default="aiohttp",
        description="The HTTP client under the adapters: aiohttp directly (fastest in "
        "`make bench`) or plain httpx.",
    )
    http_max_connections: int = Field(default=200, gt=0)
    http_max_keepalive: int = Field(default=100, ge=0)
    worker_enabled: bool = Field(
        default=True, description="Run a service-request worker inside the gateway process."
    )
    worker_poll_interval_ms: int = Field(default=500, gt=0)
    worker_lease_s: float = Field(
        default=30.0, gt=0, description="How long a worker holds a request before others may."
    )
    worker_retry_base_ms: int = Field(
        default=1000, gt=0, description="First retry of a failed step after about 2x this."
    )
    worker_step_pause_ms: int = Field(
        default=0, ge=0, description="Pause between steps; lets demos and tests watch them."
    )
    complaint_recheck_ms: int = Field(
        default=5000, gt=0, description="How soon an agency is asked again for its answer."
    )
    webhook_url_allowlist: list[str] = Field(
        default_factory=list,
        description="Hosts or networks webhook callbacks may use despite being internal.",
    )
    environment: Literal["production", "development"] = Field(
        default="production",
        description="`development` runs without secrets, on published development values.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="The key of Standard Webhooks signatures (receivers use `whsec_` + its "
        "base64); required.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Encrypts agency credentials and token signing keys at rest; required, and "
        "the same for every gateway process.",
    )
    audit_signing_key: SecretStr | None = Field(
        default=None,
        description="URL-safe base64 of a 32-byte Ed25519 seed that signs audit checkpoints; "
        "required, and kept outside the database.",
    )
    public_url: str | None = Field(
        default=None,
        description="The gateway's public base URL: the `iss` of its tokens and the issuer of "
        "its OAuth metadata; required in production.",
    )
    agency_url_allowlist: list[str] = Field(
        default_factory=list,
        description="Hosts or networks agency endpoints may use despite being internal.",
    )
    agency_refresh_interval_ms: int = Field(
        default=2000, gt=0, description="How often a process looks for endpoint changes."
    )
    identity_issuer: str | None = Field(
        default=None,
        description="The `iss` of the national digital identity provider (OpenID Connect) "
        "whose ID tokens portals and kiosks exchange for citizen tokens, exactly as in its "
        "tokens. Set with `identity_jwks_url` and `identity_audience`, or none of them (then "
        "no token exchange).",
    )
    identity_jwks_url: str | None = Field(
        default=None,
        description="Where that provider publishes its signing keys: https, or a host in "
        "`agency_url_allowlist` (an internal address must be listed there, as for agencies).",
    )
    identity_audience: str | None = Field(
        default=None,
        validate_default=True,
        description="The `aud` an exchanged ID token must name: the client id the portal "
        "has at the identity provider.",
    )
    token_ttl_s: int = Field(
        default=900, gt=0, le=86400, description="Lifetime of access tokens from /v1/oauth/token."
    )
    api_key_cache_ttl_s: float = Field(
        default=10.0,
        ge=0,
        description="How long a checked API key, or a client found enabled, is trusted before "
        "the database is asked again: a rotated key, or a client disabled from another process, "
        "stops working within this time.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis for rate-limit counters shared by every gateway process; in-process "
        "counters when unset.",
    )
    rate_limit: str = Field(
        default="1200/minute",
        description="Per-client request limit, in `limits` notation (e.g. `100/second`).",
    )
    token_failure_limit: str = Field(
        default="10/minute",
        description="Failed client authentications per client id and address; past it, "
        "further failures get 429. A correct secret is always accepted.",
    )
    token_failure_limit_per_address: str = Field(
        default="30/minute",
        description="Failed client authentications per address (an IPv6 /64) over every "
        "client id, so cycling client ids is limited too. A correct secret is always accepted.",
    )
    max_body_bytes: int = Field(
        default=64 * 1024, gt=0, description="Larger request bodies are refused with 413."
    )
    audit_checkpoint_interval_s: float = Field(
        default=60.0,
        gt=0,
        description="How often each process signs the audit chain head if it moved.",
    )
    audit_witnesses: list[str] = Field(
        default_factory=list,
        description="Where copies of every checkpoint go, outside the database: "
        "`file:///abs/path.jsonl` (one JSON line each) or `http(s)://` (POSTed as JSON).",
    )
    cors_allow_origins: list[str] | None = Field(
        default=None,
        description="Web origins (`https://portal.example.go.id`) whose pages may call the API "
        "from a browser. Unset: none in production, any (`*`) in development; `*` is refused "
        "in production.",
    )
    problem_base_uri: str = DEFAULT_PROBLEM_BASE_URI
    log_level: str = "INFO"
    log_format: Literal["console", "json"] = Field(
        default="console", description="`json` lines for production log collectors."
    )

    @model_validator(mode="before")
    @classmethod
    def _agencies_over_defaults(cls, data: Any) -> Any:
        """Let one setting (say a timeout) change without restating the agency's endpoint."""
        if not isinstance(data, dict):
            return data
        flag = data.get("default_agencies", True)
        given = data.get("agencies")
        if given is None:
            return {**data, "agencies": {}} if _falsy(flag) else data
        if not isinstance(given, dict):
            return data
        given = {
            code: value.model_dump() if isinstance(value, BaseModel) else value
            for code, value in given.items()
        }
        if _falsy(flag):
            return {**data, "agencies": given}
        merged: dict[str, Any] = {c: a.model_dump() for c, a in demo_federation().items()}
        for code, values in given.items():
            if isinstance(values, dict) and code in merged:
                merged[code] = {**merged[code], **values}
            else:
                merged[code] = values
        return {**data, "agencies": merged}

    @field_validator("public_url")
    @classmethod
    def _issuer_url(cls, url: str | None) -> str | None:
        """An issuer is compared as a string (RFC 8414 section 3.3): one spelling only."""
        if url is None:
            return None
        parsed = urlsplit(url.strip())
        if parsed.scheme not in {"http", "https"} or not parsed.hostname:
            raise ValueError("must be an absolute http(s) URL")
        if parsed.query or parsed.fragment:
            raise ValueError("must have no query or fragment")
        return url.strip().rstrip("/")

    @field_validator("identity_issuer")
    @classmethod
    def _identity_issuer(cls, url: str | None) -> str | None:
        """Compared with the ID token's `iss` as a string (OpenID Connect Core 3.1.3.7), so it
        is kept exactly as given: a trailing slash is part of an issuer."""
        if url is None:
            return None
        parsed = urlsplit(url)
        if parsed.scheme not in {"http", "https"} or not parsed.hostname:
            raise ValueError("must be an absolute http(s) URL, as the provider's `iss`")
        if parsed.query or parsed.fragment or url != url.strip():
            raise ValueError("must have no query, fragment or surrounding spaces")
        return url

    @field_validator("identity_jwks_url")
    @classmethod
    def _identity_jwks_url(cls, url: str | None, info: ValidationInfo) -> str | None:
        if url is None:
            return None
        return check_jwks_url(
            url,
            info.data.get("agency_url_allowlist", []),
            development=info.data.get("environment") == "development",
        )

    @field_validator("identity_audience")
    @classmethod
    def _identity_trust_complete(cls, audience: str | None, info: ValidationInfo) -> str | None:
        """Half a trust configuration would either refuse every exchange at run time or,
        worse, trust tokens meant for another client: refuse it at start instead."""
        if audience is not None and not audience.strip():
            raise ValueError("must not be empty")
        if not {"identity_issuer", "identity_jwks_url"} <= info.data.keys():
            return audience  # one of them is refused already, with its own reason
        given = {
            "SATUPINTU_IDENTITY_ISSUER": info.data["identity_issuer"],
            "SATUPINTU_IDENTITY_JWKS_URL": info.data["identity_jwks_url"],
            "SATUPINTU_IDENTITY_AUDIENCE": audience,
        }
        missing = [name for name, value in given.items() if value is None]
        if missing and len(missing) < len(given):
            raise ValueError(
                "the identity provider's issuer, JWKS URL and audience go together: set "
                + ", ".join(missing)
                + " too, or none of them"
            )
        return audience

    @field_validator("cors_allow_origins")
    @classmethod
    def _origins(cls, origins: list[str] | None, info: ValidationInfo) -> list[str] | None:
        """Spelled as a browser sends `Origin` (Starlette compares them as strings), so a
        trailing slash or a default port cannot silently lock a frontend out. `*` lets every
        web site's script use a visitor's token, so production must name its frontends."""
        if origins is None:
            return None
        if "*" in origins:
            if info.data.get("environment") != "development":
                raise ValueError(
                    "`*` (any web site) is refused in production: list each frontend's origin, "
                    'e.g. ["https://portal.example.go.id"]'
                )
            return ["*"]
        return [_origin(origin) for origin in origins]

    @field_validator("audit_witnesses")
    @classmethod
    def _witnesses(cls, urls: list[str]) -> list[str]:
        from app.audit.witnesses import check_witness_url

        return [check_witness_url(url) for url in urls]

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """Accept the plain URLs operators already have and pick the async driver for them."""
        for plain, async_url in (
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(plain):
                return async_url + url[len(plain) :]
        return url


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(origin: str) -> str:
    """`scheme://host[:port]` the way a browser writes it in `Origin`."""
    parsed = urlsplit(origin.strip())
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.hostname:
        raise ValueError(f"{origin!r} is not an http(s) origin like https://portal.example.go.id")
    if parsed.path.strip("/") or parsed.query or parsed.fragment or parsed.username:
        raise ValueError(f"{origin!r} must be scheme, host and port only, with no path")
    if parsed.port is not None and parsed.port == _DEFAULT_PORTS[parsed.scheme]:
        return f"{parsed.scheme}://{parsed.netloc.lower().rsplit(':', 1)[0]}"
    return f"{parsed.scheme}://{parsed.netloc.lower()}"


def check_jwks_url(url: str, allowlist: list[str], *, development: bool) -> str:
    """An agency endpoint's rules, read at start: https, unless the operator trusts the host
    (`make run`'s http://127.0.0.1) or runs in development, and an internal address only if
    allow-listed. A host name is judged when connecting, by the HTTP pool's policy."""
    from app.agencies.endpoint_policy import EndpointPolicy, check_url_form

    host = check_url_form(url)
    policy = EndpointPolicy.allowing(allowlist)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and (reason := policy.refusal(host, address)):
        raise ValueError(reason)
    trusted = policy.trusts_host(host) or (
        address is not None and any(address in network for network in policy.networks)
    )
    if urlsplit(url).scheme != "https" and not (development or trusted):
        raise ValueError(
            "must be https: the provider's keys decide who is signed in; plain http only for a "
            "host in SATUPINTU_AGENCY_URL_ALLOWLIST"
        )
    return url


class SettingsRefused(SystemExit):
    """Settings no gateway process can run on. A `SystemExit`, as `InsecureSettings` is, so
    the operator reads one line naming each environment variable and what is wrong with it,
    not a traceback, which could also quote other settings' values."""

    def __init__(self, invalid: ValidationError) -> None:
        mistakes = [
            f"SATUPINTU_{'__'.join(str(part) for part in error['loc']).upper()}: "
            + error["msg"].removeprefix("Value error, ")
            for error in invalid.errors()
        ]
        super().__init__("satupintu refuses to start: " + "; ".join(mistakes))


@lru_cache
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as invalid:
        raise SettingsRefused(invalid) from None
