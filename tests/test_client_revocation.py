"""A disabled client stops at once, whatever it holds: unexpired tokens included."""

import asyncio

import pytest
from sqlalchemy import update

from app.auth.scopes import ClientKind, Scope
from app.db.models import ApiClient
from tests.conftest import client_of, gateway_settings

TOKEN = "/v1/oauth/token"
CACHE_TTL_S = 0.3


@pytest.fixture
def settings(database_url):
    return gateway_settings(database_url, api_key_cache_ttl_s=CACHE_TTL_S)


async def _token_and_read(gateway_app, nik):
    officer = await gateway_app.state.clients.create(
        "samsat counter", ClientKind.OFFICER, {Scope.IDENTITY_READ}
    )
    async with client_of(gateway_app, {}) as anonymous:
        answer = await anonymous.post(
            TOKEN,
            data={"grant_type": "client_credentials"},
            auth=(officer.client.client_id, officer.secret),
        )
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}", "X-Purpose": "test"}

    async def read():
        async with client_of(gateway_app, headers) as client:
            return await client.get(f"/v1/citizens/{nik}")

    return officer.client.client_id, read


async def test_disabling_a_client_refuses_its_unexpired_token_at_once(gateway_app, personas):
    client_id, read = await _token_and_read(gateway_app, personas["family"].nik)
    assert (await read()).status_code == 200

    await gateway_app.state.clients.set_enabled(client_id, False)
    refused = await read()

    assert refused.status_code == 401
    assert refused.json()["detail"] == "this client has been disabled"
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    assert personas["family"].name not in refused.text


async def test_a_client_disabled_by_another_process_is_refused_within_the_cache_lifetime(
    gateway_app, personas
):
    """The operator's CLI disables in its own process; the gateway learns it from the
    database once its cached answer is older than `api_key_cache_ttl_s`."""
    client_id, read = await _token_and_read(gateway_app, personas["family"].nik)
    assert (await read()).status_code == 200
    async with gateway_app.state.services.sessions.begin() as session:
        await session.execute(
            update(ApiClient).where(ApiClient.client_id == client_id).values(enabled=False)
        )

    await asyncio.sleep(CACHE_TTL_S + 0.1)

    assert (await read()).status_code == 401
