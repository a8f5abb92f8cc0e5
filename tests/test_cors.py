"""CORS for real deployments: production allows the frontends it names and no other origin,
development any; a browser script may send the headers the API reads and read the ones it
needs (where a new resource is, when to retry, the quota left)."""

import httpx
import pytest
from pydantic import ValidationError

from app.config import Settings, get_settings
from app.main import create_app
from tests.conftest import GATEWAY_URL, credentials, gateway_settings

PORTAL = "https://portal.example.go.id"
FOREIGN = "https://phishing.example.com"


def _preflight(origin: str, headers: str = "authorization,x-purpose") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": headers,
    }


async def _ask(app, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=GATEWAY_URL) as client,
    ):
        return await client.request(method, path, headers=headers)


async def test_a_named_frontend_may_send_what_the_api_reads(database_url, agencies):
    app = create_app(gateway_settings(database_url, cors_allow_origins=[PORTAL]), agencies.http)
    sent = "authorization,content-type,idempotency-key,x-purpose,accept-language,x-request-id"
    response = await _ask(app, "OPTIONS", "/v1/service-requests", _preflight(PORTAL, sent))

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PORTAL
    allowed = {
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    }
    assert set(sent.split(",")) <= allowed
    assert "access-control-allow-credentials" not in response.headers


async def test_a_header_the_api_does_not_read_is_not_allowed(database_url, agencies):
    app = create_app(gateway_settings(database_url, cors_allow_origins=[PORTAL]), agencies.http)
    response = await _ask(
        app, "OPTIONS", "/v1/service-requests", _preflight(PORTAL, "authorization,x-debug-as")
    )

    assert response.status_code == 400
    assert "x-debug-as" not in response.headers.get("access-control-allow-headers", "").lower()


async def test_a_named_frontend_can_read_location_retry_after_and_the_quota(database_url, agencies):
    app = create_app(gateway_settings(database_url, cors_allow_origins=[PORTAL]), agencies.http)
    async with app.router.lifespan_context(app):
        headers = {**await credentials(app), "Origin": PORTAL}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=GATEWAY_URL, headers=headers
        ) as client:
            response = await client.get("/v1/agencies")

    assert response.headers["access-control-allow-origin"] == PORTAL
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert {
        "location",
        "retry-after",
        "ratelimit",
        "ratelimit-policy",
        "x-request-id",
        "traceparent",
        "www-authenticate",
        "content-language",
    } <= exposed
    assert "origin" in response.headers["vary"].lower()


async def test_a_foreign_origin_gets_no_allow_origin_in_production(database_url, agencies):
    app = create_app(gateway_settings(database_url, cors_allow_origins=[PORTAL]), agencies.http)
    preflight = await _ask(app, "OPTIONS", "/v1/service-requests", _preflight(FOREIGN))
    simple = await _ask(app, "GET", "/healthz", {"Origin": FOREIGN})

    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert simple.status_code == 200
    assert "access-control-allow-origin" not in simple.headers


async def test_production_allows_no_origin_until_one_is_named(database_url, agencies):
    settings = gateway_settings(database_url).model_copy(update={"cors_allow_origins": None})
    app = create_app(settings, agencies.http)
    preflight = await _ask(app, "OPTIONS", "/v1/service-requests", _preflight(PORTAL))

    assert "access-control-allow-origin" not in preflight.headers


async def test_development_allows_any_origin_by_default(database_url, agencies):
    settings = gateway_settings(database_url, environment="development").model_copy(
        update={"cors_allow_origins": None}
    )
    app = create_app(settings, agencies.http)
    preflight = await _ask(app, "OPTIONS", "/v1/service-requests", _preflight(FOREIGN))

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"


def test_production_refuses_any_origin_at_start():
    with pytest.raises(ValidationError, match="cors_allow_origins") as refused:
        Settings(environment="production", cors_allow_origins=["*"])

    assert "list each frontend's origin" in str(refused.value)
    assert Settings(environment="development", cors_allow_origins=["*"]).cors_allow_origins == ["*"]


def test_a_gateway_started_with_any_origin_refuses_in_one_line(monkeypatch):
    monkeypatch.setenv("SATUPINTU_CORS_ALLOW_ORIGINS", '["*"]')
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as refused:
            get_settings()
    finally:
        get_settings.cache_clear()

    message = str(refused.value)
    assert message.startswith("satupintu refuses to start: SATUPINTU_CORS_ALLOW_ORIGINS: `*`")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("configured", "as_sent"),
    [
        ("https://Portal.Example.go.id/", "https://portal.example.go.id"),
        ("https://portal.example.go.id:443", "https://portal.example.go.id"),
        ("http://localhost:5173", "http://localhost:5173"),
    ],
)
def test_origins_are_kept_as_a_browser_spells_them(configured, as_sent):
    assert Settings(cors_allow_origins=[configured]).cors_allow_origins == [as_sent]


@pytest.mark.parametrize(
    "configured", ["portal.example.go.id", "https://portal.example.go.id/app", "ftp://x.id"]
)
def test_a_value_that_is_no_origin_is_refused(configured):
    with pytest.raises(ValidationError, match="cors_allow_origins"):
        Settings(cors_allow_origins=[configured])
