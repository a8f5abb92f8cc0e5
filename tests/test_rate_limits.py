"""Per-client limits: 429 with Retry-After, the IETF RateLimit header fields on every counted
response, and one shared count across gateway processes when Redis is configured."""

import re
import socket

import httpx
import pytest

from app.main import create_app
from tests.conftest import client_of, credentials, gateway_settings

REDIS = ("127.0.0.1", 6379)
QUOTA = re.compile(r'"default";r=(\d+);t=(\d+)')


def _quota(response: httpx.Response) -> tuple[int, int]:
    """`RateLimit`'s remaining requests and seconds to reset; fails unless it is well formed."""
    found = QUOTA.fullmatch(response.headers["ratelimit"])
    assert found, response.headers["ratelimit"]
    return int(found[1]), int(found[2])


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
    assert _quota(refused)[0] == 0
    assert unaffected.status_code == 200
    assert _quota(unaffected)[0] == 2


async def test_every_counted_response_tells_the_client_its_quota(database_url, agencies):
    # An hour's window: a minute's could turn over between requests and blur the counts.
    app = create_app(gateway_settings(database_url, rate_limit="5/hour"), agencies.http)
    async with app.router.lifespan_context(app):
        async with client_of(app, await credentials(app)) as client:
            answers = [await client.get("/v1/agencies") for _ in range(3)]
            missing = await client.get("/v1/agencies/bapenda_99")
            refused = [await client.get("/v1/agencies") for _ in range(2)]
        async with client_of(app, {}) as anonymous:
            unauthenticated = await anonymous.get("/v1/agencies")

    assert [a.status_code for a in (*answers, missing, *refused)] == [200, 200, 200, 404, 200, 429]
    assert {a.headers["ratelimit-policy"] for a in (*answers, missing, *refused)} == {
        '"default";q=5;w=3600'
    }
    assert [_quota(a)[0] for a in (*answers, missing, *refused)] == [4, 3, 2, 1, 0, 0]
    assert all(0 <= _quota(a)[1] <= 3600 for a in (*answers, missing, *refused))
    reset_in, retry_after = _quota(refused[-1])[1], int(refused[-1].headers["retry-after"])
    assert 1 <= retry_after <= 3600
    assert reset_in == retry_after
    assert "ratelimit" not in unauthenticated.headers


@pytest.mark.skipif(not _redis_running(), reason="needs Redis on 127.0.0.1:6379")
async def test_two_gateway_processes_share_one_limit_through_redis(database_url, agencies):
    settings = gateway_settings(
        database_url, rate_limit="4/minute", redis_url="redis://127.0.0.1:6379/15"
    )
    first, second = create_app(settings, agencies.http), create_app(settings, agencies.http)
    async with first.router.lifespan_context(first), second.router.lifespan_context(second):
        headers = await credentials(first, name="shared")
        async with client_of(first, headers) as a, client_of(second, headers) as b:
            answers = [await client.get("/v1/agencies") for client in (a, b, a, b, a, b)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 429, 429]
    assert [_quota(answer)[0] for answer in answers] == [3, 2, 1, 0, 0, 0]
