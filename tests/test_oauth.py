"""The token endpoint and API keys, as a client library would use them."""

import asyncio
import base64

import pytest

from app.auth.scopes import ClientKind, Scope
from app.auth.tokens import InvalidToken, TokenClaims, TokenIssuer
from app.main import create_app
from tests.conftest import client_of, gateway_settings

TOKEN = "/v1/oauth/token"


@pytest.fixture
async def clients(gateway_app):
    store = gateway_app.state.clients
    return {
        "officer": await store.create(
            "samsat counter", ClientKind.OFFICER, {Scope.IDENTITY_READ, Scope.VEHICLES_READ}
        ),
        "system": await store.create(
            "bpjs back office", ClientKind.SYSTEM, {Scope.IDENTITY_READ}, api_key_enabled=True
        ),
    }


async def test_client_credentials_over_basic_auth_give_a_bearer_token_that_works(
    gateway_app, clients, personas
):
    officer = clients["officer"]
    async with client_of(gateway_app, {}) as anonymous:
        answer = await anonymous.post(
            TOKEN,
            data={"grant_type": "client_credentials"},
            auth=(officer.client.client_id, officer.secret),
        )
        token = answer.json()
        read = await anonymous.get(
            f"/v1/citizens/{personas['family'].nik}",
            headers={
                "Authorization": f"Bearer {token['access_token']}",
                "X-Purpose": "renewal",
            },
        )

    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 900
    assert token["scope"] == "identity:read vehicles:read"
    assert read.status_code == 200
    assert read.json()["identity"]["full_name"] == personas["family"].name


async def test_a_token_narrowed_by_scope_carries_only_those_scopes(gateway_app, clients, personas):
    officer = clients["officer"]
    async with client_of(gateway_app, {}) as anonymous:
        token = (
            await anonymous.post(
                TOKEN,
                data={
                    "grant_type": "client_credentials",
                    "client_id": officer.client.client_id,
                    "client_secret": officer.secret,
                    "scope": "identity:read",
                },
            )
        ).json()
        vehicles = await anonymous.get(
            f"/v1/citizens/{personas['family'].nik}/vehicles",
            headers={"Authorization": f"Bearer {token['access_token']}", "X-Purpose": "x-ray"},
        )

    assert token["scope"] == "identity:read"
    assert vehicles.status_code == 403


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "scope": "agencies:admin"}, 400, "invalid_scope"),
        (
            {"grant_type": "client_credentials", "subject": "3374091203840001"},
            400,
            "invalid_request",
        ),
    ],
)
async def test_bad_token_requests_get_oauth_errors_in_a_problem(
    gateway_app, clients, form, status, error
):
    officer = clients["officer"]
    async with client_of(gateway_app, {}) as anonymous:
        answer = await anonymous.post(
            TOKEN, data=form, auth=(officer.client.client_id, officer.secret)
        )

    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["error"] == error


async def test_a_wrong_secret_is_invalid_client(gateway_app, clients):
    async with client_of(gateway_app, {}) as anonymous:
        answer = await anonymous.post(
            TOKEN,
            data={"grant_type": "client_credentials"},
            auth=(clients["officer"].client.client_id, "guess"),
        )

    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert answer.headers["www-authenticate"].startswith("Basic")


@pytest.fixture
async def development_app(database_url, agencies):
    """A gateway run with `SATUPINTU_ENVIRONMENT=development`, where a portal may still name
    a NIK without the citizen's sign-in, for trying things out."""
    app = create_app(
        gateway_settings(database_url, environment="development"), http_client=agencies.http
    )
    async with app.router.lifespan_context(app):
        yield app


@pytest.mark.parametrize("kind", [ClientKind.PORTAL, ClientKind.KIOSK])
async def test_in_development_a_citizen_bound_client_names_its_citizen_and_reaches_no_other(
    development_app, personas, kind
):
    bound = await development_app.state.clients.create(f"mall {kind}", kind, set(Scope))
    family, woman = personas["family"].nik, personas["woman"].nik
    async with client_of(development_app, {}) as anonymous:
        auth = (bound.client.client_id, bound.secret)
        missing = await anonymous.post(TOKEN, data={"grant_type": "client_credentials"}, auth=auth)
        malformed = await anonymous.post(
            TOKEN, data={"grant_type": "client_credentials", "subject": "123"}, auth=auth
        )
        issued = await anonymous.post(
            TOKEN, data={"grant_type": "client_credentials", "subject": family}, auth=auth
        )
        headers = {"Authorization": f"Bearer {issued.json()['access_token']}"}
        own = await anonymous.get(f"/v1/citizens/{family}", headers=headers)
        other = await anonymous.get(f"/v1/citizens/{woman}", headers=headers)

    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "subject"
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["field"] == "subject"
    assert own.status_code == 200, "acts for the citizen: no X-Purpose needed"
    assert other.status_code == 404
    assert other.json()["type"].endswith("/citizen-not-found")


async def test_a_system_client_uses_its_api_key_until_it_is_rotated(gateway_app, clients, personas):
    system = clients["system"]
    url = f"/v1/citizens/{personas['family'].nik}"
    async with client_of(gateway_app, {}) as anonymous:
        headers = {"X-API-Key": system.api_key, "X-Purpose": "membership check"}
        before = await anonymous.get(url, headers=headers)
        await gateway_app.state.clients.rotate(system.client.client_id)
        after = await anonymous.get(url, headers=headers)

    assert before.status_code == 200
    assert after.status_code == 401


async def test_an_officer_cannot_have_an_api_key(gateway_app):
    from app.auth.clients import ClientError

    with pytest.raises(ClientError):
        await gateway_app.state.clients.create(
            "counter", ClientKind.OFFICER, {Scope.IDENTITY_READ}, api_key_enabled=True
        )


async def test_a_remembered_token_is_refused_once_it_expires(gateway_app):
    """The issuer remembers verified tokens so as not to check each signature again; that
    must never outlive the token itself."""
    app_issuer = gateway_app.state.token_issuer
    issuer = TokenIssuer(app_issuer.keys, app_issuer.issuer, ttl_s=1)
    claims = TokenClaims("counter-1", ClientKind.OFFICER, frozenset({Scope.IDENTITY_READ}), None)
    token = issuer.issue(claims)
    assert await issuer.read(token) == claims
    assert await issuer.read(token) == claims
    await asyncio.sleep(2.1)
    with pytest.raises(InvalidToken, match="expired"):
        await issuer.read(token)


async def test_a_token_altered_after_a_good_one_was_remembered_is_refused(gateway_app):
    issuer = gateway_app.state.token_issuer
    claims = TokenClaims("counter-1", ClientKind.OFFICER, frozenset({Scope.IDENTITY_READ}), None)
    token = issuer.issue(claims)
    await issuer.read(token)
    header, payload, signature = token.split(".")
    # Flip a bit of the signature's bytes: editing base64 text can leave them unchanged, since
    # the last character's low bits are padding.
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 0x01
    altered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert altered != signature
    with pytest.raises(InvalidToken):
        await issuer.read(f"{header}.{payload}.{altered}")


@pytest.mark.parametrize("kind", [ClientKind.PORTAL, ClientKind.KIOSK])
@pytest.mark.parametrize("subject", [None, "3374091203840001"])
async def test_a_citizen_bound_client_gets_no_token_by_client_credentials(
    gateway_app, kind, subject
):
    """A portal can no longer obtain a token for a NIK without that citizen's ID token."""
    bound = await gateway_app.state.clients.create(f"mall {kind}", kind, set(Scope))
    form = {"grant_type": "client_credentials", **({"subject": subject} if subject else {})}
    async with client_of(gateway_app, {}) as anonymous:
        answer = await anonymous.post(TOKEN, data=form, auth=(bound.client.client_id, bound.secret))

    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["error"] == "unauthorized_client"
    assert answer.json()["errors"][0]["field"] == "grant_type"
    assert "urn:ietf:params:oauth:grant-type:token-exchange" in answer.json()["detail"]
    assert "access_token" not in answer.json()


@pytest.mark.parametrize("kind", [ClientKind.OFFICER, ClientKind.SYSTEM])
async def test_a_staff_client_may_not_name_a_subject(gateway_app, personas, kind):
    staff = await gateway_app.state.clients.create(f"staff {kind}", kind, {Scope.IDENTITY_READ})
    async with client_of(gateway_app, {}) as anonymous:
        answer = await anonymous.post(
            TOKEN,
            data={"grant_type": "client_credentials", "subject": personas["family"].nik},
            auth=(staff.client.client_id, staff.secret),
        )

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "subject"
