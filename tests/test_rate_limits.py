"""Per-client limits: 429 with Retry-After, and one shared count across gateway processes
when Redis is configured."""

import socket

import pytest

from app.main import create_app
from tests.conftest import client_of, credentials, gateway_settings

REDIS = ("127.0.0.1", 6379)


def _redis_running() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
    except OSError:
        return False
    return True


async def test_a_client_over_its_limit_gets_429_with_retry_after(database_url, agencies):
    app = create_app(gateway_settings(database_url, rate_limit="3/minute"), agencies.http)
    async with app.router.lifespan_context(app):
        busy, other = await credentials(app, name="busy"), await credentials(app, name="calm")
        async with client_of(app, busy) as client:
            answers = [await client.get("/v1/agencies") for _ in range(4)]
        async with client_of(app, other) as calm:
            unaffected = await calm.get("/v1/agencies")

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/rate-limited")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert unaffected.status_code == 200


@pytest.mark.skipif(not _redis_running(), reason="needs Redis on 127.0.0.1:6379")
async def test_two_gateway_processes_share_one_limit_through_redis(database_url, agencies):
    settings = gateway_settings(
        database_url, rate_limit="4/minute", redis_url="redis://127.0.0.1:6379/15"
    )
    first, second = create_app(settings, agencies.http), create_app(settings, agencies.http)
    async with first.router.lifespan_context(first), second.router.lifespan_context(second):
        headers = await credentials(first, name="shared")
        async with client_of(first, headers) as a, client_of(second, headers) as b:
            statuses = [
                (await client.get("/v1/agencies")).status_code for client in (a, b, a, b, a, b)
            ]

    assert statuses == [200, 200, 200, 200, 429, 429]
