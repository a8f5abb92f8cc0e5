"""`GET /v1/me`: a frontend learns who it is without decoding its token."""

import datetime as dt

from app.auth.scopes import ClientKind, Scope
from app.auth.tokens import TokenClaims
from tests.conftest import client_of, credentials


async def test_an_officer_sees_its_id_name_kind_scopes_and_token_expiry(gateway_app):
    before = dt.datetime.now(dt.UTC)
    headers = await credentials(gateway_app, {Scope.VEHICLES_READ, Scope.IDENTITY_READ})
    async with client_of(gateway_app, headers) as officer:
        response = await officer.get("/v1/me")

    assert response.status_code == 200
    me = response.json()
    client = await gateway_app.state.clients.find(me["client_id"])
    assert client is not None
    assert me["name"] == "test officer"
    assert me["kind"] == "officer"
    assert me["scopes"] == ["identity:read", "vehicles:read"]
    assert me["nik"] is None
    assert me["credential"] == "bearer_token"
    expires = dt.datetime.fromisoformat(me["expires_at"])
    ttl = dt.timedelta(seconds=gateway_app.state.settings.token_ttl_s)
    assert (
        before + ttl - dt.timedelta(seconds=2) <= expires <= before + ttl + dt.timedelta(seconds=5)
    )


async def test_a_portal_token_names_the_citizen_it_acts_for(gateway_app, personas):
    nik = personas["family"].nik
    headers = await credentials(
        gateway_app, {Scope.IDENTITY_READ}, subject_nik=nik, name="Portal Warga", purpose=None
    )
    async with client_of(gateway_app, headers) as portal:
        me = (await portal.get("/v1/me")).json()

    assert (me["name"], me["kind"], me["nik"]) == ("Portal Warga", "portal", nik)
    assert me["scopes"] == ["identity:read"]


async def test_a_kiosk_token_names_its_citizen_too(gateway_app, personas):
    nik = personas["nothing"].nik
    issued = await gateway_app.state.clients.create(
        "MPP Kota Yogyakarta", ClientKind.KIOSK, {Scope.REQUESTS_WRITE}
    )
    claims = TokenClaims(issued.client.client_id, ClientKind.KIOSK, issued.client.scopes, nik)
    token = gateway_app.state.token_issuer.issue(claims)
    async with client_of(gateway_app, {"Authorization": f"Bearer {token}"}) as kiosk:
        me = (await kiosk.get("/v1/me")).json()

    assert (me["kind"], me["nik"], me["client_id"]) == ("kiosk", nik, issued.client.client_id)


async def test_an_api_key_caller_sees_its_client_and_no_expiry(gateway_app):
    issued = await gateway_app.state.clients.create(
        "BPJS back office", ClientKind.SYSTEM, {Scope.IDENTITY_READ}, api_key_enabled=True
    )
    async with client_of(gateway_app, {"X-API-Key": issued.api_key or ""}) as system:
        response = await system.get("/v1/me")

    assert response.status_code == 200
    me = response.json()
    assert me["client_id"] == issued.client.client_id
    assert (me["name"], me["kind"], me["nik"]) == ("BPJS back office", "system", None)
    assert (me["credential"], me["expires_at"]) == ("api_key", None)


async def test_without_credentials_it_is_a_401_problem_with_a_challenge(gateway_app):
    async with client_of(gateway_app, {}) as anonymous:
        response = await anonymous.get("/v1/me")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_disabled_clients_token_no_longer_says_who_it_is(gateway_app):
    headers = await credentials(gateway_app, {Scope.IDENTITY_READ})
    async with client_of(gateway_app, headers) as officer:
        client_id = (await officer.get("/v1/me")).json()["client_id"]
        await gateway_app.state.clients.set_enabled(client_id, False)
        response = await officer.get("/v1/me")

    assert response.status_code == 401
