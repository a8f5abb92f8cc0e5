"""Guessing client secrets is limited per client id and address and per address over every
client id, and the owner of a secret is never locked out by a stranger's failures."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from app.auth.rate_limit import address_bucket
from app.auth.scopes import ClientKind, Scope
from tests.conftest import gateway_settings

TOKEN = "/v1/oauth/token"
GRANT = {"grant_type": "client_credentials"}
NAT = "203.0.113.7"


@asynccontextmanager
async def _from(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


@pytest.fixture
def settings(database_url):
    """The default counts over an hour instead of a minute: the sliding window forgets the
    previous window gradually, and on a busy machine a minute-long test would see it do so."""
    return gateway_settings(
        database_url, token_failure_limit="10/hour", token_failure_limit_per_address="30/hour"
    )


@pytest.fixture
async def owner(gateway_app):
    return await gateway_app.state.clients.create(
        "samsat counter", ClientKind.OFFICER, {Scope.VEHICLES_READ}
    )


def _refused_guesses() -> float:
    total = 0.0
    for metric in REGISTRY.collect():
        if metric.name == "satupintu_client_guesses_refused":
            total += sum(s.value for s in metric.samples if s.name.endswith("_total"))
    return total


async def test_wrong_secrets_get_429_but_the_owner_still_gets_a_token(gateway_app, owner, caplog):
    client_id = owner.client.client_id
    refused_before = _refused_guesses()
    async with _from(gateway_app, NAT) as stranger:
        wrong = [
            await stranger.post(TOKEN, data=GRANT, auth=(client_id, f"guess-{n}"))
            for n in range(35)
        ]
        right = await stranger.post(TOKEN, data=GRANT, auth=(client_id, owner.secret))

    statuses = [r.status_code for r in wrong]
    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}
    refused = wrong[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/rate-limited")
    assert refused.json()["error"] == "invalid_client"
    assert 1 <= int(refused.headers["retry-after"]) <= 3600
    assert right.status_code == 200, right.text
    assert right.json()["access_token"]
    assert _refused_guesses() - refused_before == 25
    warnings = [r for r in caplog.records if "guessing refused" in r.getMessage()]
    assert len(warnings) == 1, "one warning per address and window, not one per guess"


async def test_cycling_client_ids_from_one_address_is_limited_and_others_are_not(
    gateway_app, owner
):
    async with _from(gateway_app, NAT) as cycler:
        cycled = [
            await cycler.post(TOKEN, data=GRANT, auth=(f"client-{n}", "guess")) for n in range(40)
        ]
        owner_there = await cycler.post(
            TOKEN, data=GRANT, auth=(owner.client.client_id, owner.secret)
        )
    async with _from(gateway_app, "198.51.100.20") as elsewhere:
        mistaken = await elsewhere.post(TOKEN, data=GRANT, auth=("client-1", "guess"))
        owner_elsewhere = await elsewhere.post(
            TOKEN, data=GRANT, auth=(owner.client.client_id, owner.secret)
        )

    statuses = [r.status_code for r in cycled]
    assert statuses[:30] == [401] * 30
    assert set(statuses[30:]) == {429}
    assert owner_there.status_code == 200
    assert mistaken.status_code == 401, "another address has its own count"
    assert owner_elsewhere.status_code == 200


async def test_guessing_api_keys_is_limited_like_token_requests(gateway_app):
    system = await gateway_app.state.clients.create(
        "bpjs back office", ClientKind.SYSTEM, {Scope.AGENCIES_ADMIN}, api_key_enabled=True
    )
    assert system.api_key is not None
    async with _from(gateway_app, NAT) as guesser:
        guesses = [
            await guesser.get("/v1/agencies", headers={"X-API-Key": f"system-{n}.guess"})
            for n in range(31)
        ]
        owner = await guesser.get("/v1/agencies", headers={"X-API-Key": system.api_key})

    assert [r.status_code for r in guesses] == [401] * 30 + [429]
    assert guesses[-1].headers["retry-after"]
    assert owner.status_code == 200


@pytest.mark.parametrize(
    ("address", "bucket"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("testclient", "testclient"),
    ],
)
def test_an_ipv6_host_cannot_escape_the_count_by_moving_within_its_64(address, bucket):
    assert address_bucket(address) == bucket
