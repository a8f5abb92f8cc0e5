"""Portals and kiosks get a citizen's token only by exchanging the ID token the identity
provider issued when that citizen signed in (RFC 8693), and act for someone else only as the
civil registry allows.

The identity provider is the simulator `make run` starts, mounted like the agencies through
httpx's ASGI transport; the gateway fetches its keys over that client as it would over the
network."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import func, select

from app.auth.scopes import ClientKind, Scope
from app.auth.tokens import ActingBasis, Actor, TokenClaims
from app.config import Settings
from app.db.models import UsedSubjectToken
from app.main import create_app
from simulators.identity_provider import CONTROL_KEY_HEADER
from simulators.identity_provider.app import create_app as identity_provider_app
from simulators.identity_provider.clients import Client
from simulators.identity_provider.keys import SigningKey
from simulators.stack import free_port
from tests.conftest import AGENCY_HOSTS, Agencies, client_of, gateway_settings, started_stack

TOKEN = "/v1/oauth/token"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
IDP = "http://identity.test"
IMPOSTOR = "http://impostor.test"
AUDIENCE = "satupintu-portal"
OTHER_APP = "another-relying-party"
CONTROL_KEY = secrets.token_urlsafe(24)
CHILD = "3374091905150001"
"""The youngest child on the `family` persona's card (born 2015): a minor."""
WIFE = "3374096507870001"


def _provider(issuer: str, key: SigningKey) -> FastAPI:
    registered = {
        client_id: Client(client_id=client_id, name=client_id, redirect_uris=(f"{issuer}/cb",))
        for client_id in (AUDIENCE, OTHER_APP)
    }
    return identity_provider_app(
        clients=registered, signing_key=key, issuer=issuer, control_key=CONTROL_KEY
    )


class Providers:
    """The trusted provider and an impostor with a key of its own, beside the agencies."""

    def __init__(self, agencies: Agencies) -> None:
        self.key = SigningKey.generate()
        self.impostor_key = SigningKey.generate()
        mounts: dict[str, httpx.AsyncBaseTransport] = {
            host: httpx.ASGITransport(app=agencies.apps[code])
            for code, host in AGENCY_HOSTS.items()
        }
        mounts[IDP] = httpx.ASGITransport(app=_provider(IDP, self.key))
        mounts[IMPOSTOR] = httpx.ASGITransport(app=_provider(IMPOSTOR, self.impostor_key))
        self.http = httpx.AsyncClient(mounts=mounts)

    async def id_token(
        self, nik: str, *, at: str = IDP, client_id: str = AUDIENCE, expires_in: int = 300
    ) -> str:
        """Through the provider's control endpoint, as if the citizen had signed in."""
        response = await self.http.post(
            f"{at}/_control/id-token",
            json={"nik": nik, "client_id": client_id, "expires_in": expires_in},
            headers={CONTROL_KEY_HEADER: CONTROL_KEY},
        )
        response.raise_for_status()
        token: str = response.json()["id_token"]
        return token

    def signed(self, **claims: Any) -> str:
        """Claims of one's choosing, signed with the trusted provider's own key."""
        now = int(time.time())
        base = {
            "iss": IDP,
            "aud": AUDIENCE,
            "sub": CHILD,
            "nik": CHILD,
            "iat": now,
            "exp": now + 300,
            "jti": secrets.token_hex(16),
        }
        merged = {name: value for name, value in {**base, **claims}.items() if value is not None}
        return self.key.sign(merged)


def _trust(database_url: str, **overrides: Any) -> Settings:
    return gateway_settings(
        database_url,
        **{
            "identity_issuer": IDP,
            "identity_jwks_url": f"{IDP}/jwks.json",
            "identity_audience": AUDIENCE,
            "agency_url_allowlist": ["identity.test"],
            **overrides,
        },
    )


@pytest.fixture
async def providers(agencies) -> AsyncIterator[Providers]:
    made = Providers(agencies)
    yield made
    await made.http.aclose()


@pytest.fixture
async def trusting_app(database_url, providers) -> AsyncIterator[FastAPI]:
    app = create_app(_trust(database_url), http_client=providers.http)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def portal(trusting_app) -> tuple[str, str]:
    made = await trusting_app.state.clients.create("citizen portal", ClientKind.PORTAL, set(Scope))
    return made.client.client_id, made.secret


async def _exchange(
    app: FastAPI, client: tuple[str, str], id_token: str, **extra: str
) -> httpx.Response:
    form = {
        "grant_type": EXCHANGE,
        "subject_token": id_token,
        "subject_token_type": ID_TOKEN,
        **extra,
    }
    async with client_of(app, {}) as anonymous:
        return await anonymous.post(TOKEN, data=form, auth=client)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json(part: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A JWT's header and claims, unverified."""
    header, payload, _ = token.split(".")
    return _json(header), _json(payload)


def _unsigned(token: str) -> str:
    """`alg: none`: the claims as they are, no signature."""
    header, claims = _parts(token)
    header = {**header, "alg": "none"}
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."


def _hmac_with_public_key(token: str, key: SigningKey) -> str:
    """The classic confusion: HS256 keyed with the provider's public key, which anyone has."""
    header, claims = _parts(token)
    public = jwt.PyJWK(key.public_jwk).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    head = _b64(json.dumps({**header, "alg": "HS256"}).encode())
    body = _b64(json.dumps(claims).encode())
    signature = hmac.new(public, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


def _with_claims(token: str, **changes: Any) -> str:
    """The same signature over claims someone changed."""
    header, _, signature = token.split(".")
    _, claims = _parts(token)
    return f"{header}.{_b64(json.dumps({**claims, **changes}).encode())}.{signature}"


def _refused(response: httpx.Response, field: str, error: str = "invalid_grant") -> str:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/invalid-token-request")
    assert problem["error"] == error
    assert problem["errors"][0]["field"] == field
    assert "access_token" not in problem
    detail: str = problem["detail"]
    return detail


async def test_a_portal_gets_a_token_for_the_citizen_who_signed_in_and_reads_no_other(
    trusting_app, providers, portal, personas
):
    family, woman = personas["family"].nik, personas["woman"].nik
    answer = await _exchange(trusting_app, portal, await providers.id_token(family))
    issued = answer.json()
    headers = {"Authorization": f"Bearer {issued['access_token']}"}
    async with client_of(trusting_app, headers) as signed_in:
        own = await signed_in.get(f"/v1/citizens/{family}")
        other = await signed_in.get(f"/v1/citizens/{woman}")
        me = await signed_in.get("/v1/me")

    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert issued["token_type"] == "Bearer"
    assert issued["issued_token_type"] == ACCESS_TOKEN
    assert issued["expires_in"] == 900
    assert _parts(issued["access_token"])[1]["sub"] == family
    assert "act" not in _parts(issued["access_token"])[1]
    assert own.status_code == 200
    assert own.json()["identity"]["full_name"] == personas["family"].name
    assert other.status_code == 404
    assert me.json()["nik"] == family


async def test_a_token_narrowed_by_scope_carries_only_those_scopes(
    trusting_app, providers, portal, personas
):
    nik = personas["family"].nik
    answer = await _exchange(
        trusting_app, portal, await providers.id_token(nik), scope="identity:read"
    )
    async with client_of(
        trusting_app, {"Authorization": f"Bearer {answer.json()['access_token']}"}
    ) as signed_in:
        vehicles = await signed_in.get(f"/v1/citizens/{nik}/vehicles")

    assert answer.json()["scope"] == "identity:read"
    assert vehicles.status_code == 403


async def test_a_client_credentials_token_for_a_nik_is_refused_with_the_way_to_exchange(
    trusting_app, portal, personas
):
    """A portal can no longer obtain a token for a NIK without that citizen's ID token."""
    async with client_of(trusting_app, {}) as anonymous:
        answer = await anonymous.post(
            TOKEN,
            data={"grant_type": "client_credentials", "subject": personas["family"].nik},
            auth=portal,
        )

    detail = _refused(answer, "grant_type", "unauthorized_client")
    assert EXCHANGE in detail
    assert ID_TOKEN in detail


async def test_each_id_token_is_exchanged_once_even_at_another_gateway_process(
    trusting_app, providers, portal, personas, database_url
):
    id_token = await providers.id_token(personas["family"].nik)
    first = await _exchange(trusting_app, portal, id_token)
    again = await _exchange(trusting_app, portal, id_token)
    other_process = create_app(_trust(database_url), http_client=providers.http)
    async with other_process.router.lifespan_context(other_process):
        elsewhere = await _exchange(other_process, portal, id_token)
    async with trusting_app.state.services.sessions() as session:
        remembered = await session.scalar(select(func.count()).select_from(UsedSubjectToken))

    assert first.status_code == 200, first.text
    assert "exchanged already" in _refused(again, "subject_token")
    assert "exchanged already" in _refused(elsewhere, "subject_token")
    assert remembered == 1


async def test_a_used_id_token_is_forgotten_once_it_could_no_longer_be_accepted(
    trusting_app, providers, portal, personas
):
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    async with trusting_app.state.services.sessions.begin() as session:
        session.add(UsedSubjectToken(jti="spent-long-ago", issuer=IDP, expires_at=long_ago))
    id_token = await providers.id_token(CHILD)
    answer = await _exchange(trusting_app, portal, id_token)
    async with trusting_app.state.services.sessions() as session:
        kept = set(await session.scalars(select(UsedSubjectToken.jti)))

    assert answer.status_code == 200, answer.text
    assert kept == {_parts(id_token)[1]["jti"]}


async def test_an_id_token_exchanged_for_acting_refused_stays_usable_for_the_citizen_themself(
    trusting_app, providers, portal, personas
):
    """A refusal spends nothing: the citizen need not sign in again for their own token."""
    family = personas["family"].nik
    id_token = await providers.id_token(family)
    refused = await _exchange(
        trusting_app, portal, id_token, requested_subject=personas["woman"].nik
    )
    own = await _exchange(trusting_app, portal, id_token)

    _refused(refused, "requested_subject")
    assert own.status_code == 200, own.text


def _refused_tokens() -> list[Any]:
    async def impostor(p: Providers) -> str:
        return await p.id_token(CHILD, at=IMPOSTOR)

    async def impostor_key_claiming_the_trusted_issuer(p: Providers) -> str:
        now = int(time.time())
        claims = {"iss": IDP, "aud": AUDIENCE, "sub": CHILD, "nik": CHILD, "iat": now}
        return p.impostor_key.sign({**claims, "exp": now + 300, "jti": secrets.token_hex(8)})

    async def trusted_key_other_issuer(p: Providers) -> str:
        return p.signed(iss=IMPOSTOR)

    async def other_audience(p: Providers) -> str:
        return await p.id_token(CHILD, client_id=OTHER_APP)

    async def expired(p: Providers) -> str:
        return await p.id_token(CHILD, expires_in=-120)

    async def signed_long_ago(p: Providers) -> str:
        now = int(time.time())
        return p.signed(iat=now - 900, exp=now + 300)

    async def not_yet_valid(p: Providers) -> str:
        now = int(time.time())
        return p.signed(iat=now + 600, exp=now + 900)

    async def without_nik(p: Providers) -> str:
        return p.signed(nik=None)

    async def malformed_nik(p: Providers) -> str:
        return p.signed(nik="3374091905150")

    async def without_jti(p: Providers) -> str:
        return p.signed(jti=None)

    async def tampered(p: Providers) -> str:
        return _with_claims(await p.id_token(CHILD), nik=WIFE, sub=WIFE)

    async def alg_none(p: Providers) -> str:
        return _unsigned(await p.id_token(CHILD))

    async def hs256_with_the_public_key(p: Providers) -> str:
        return _hmac_with_public_key(await p.id_token(CHILD), p.key)

    async def not_a_jwt(p: Providers) -> str:
        return "not-a-token"

    cases = {
        "untrusted issuer": (impostor, "issuer is not trusted"),
        "untrusted issuer, trusted key": (trusted_key_other_issuer, "issuer is not trusted"),
        "impostor's key": (impostor_key_claiming_the_trusted_issuer, "does not publish"),
        "another audience": (other_audience, "not meant for this gateway"),
        "expired": (expired, "expired"),
        "signed in long ago": (signed_long_ago, "sign in again"),
        "not valid yet": (not_yet_valid, "not valid yet"),
        "no nik": (without_nik, "`nik`"),
        "malformed nik": (malformed_nik, "`nik` is not a NIK"),
        "no jti": (without_jti, "`jti`"),
        "tampered": (tampered, "signature does not verify"),
        "alg none": (alg_none, "'none' is not accepted"),
        "HS256 keyed with the public key": (hs256_with_the_public_key, "'HS256' is not accepted"),
        "not a JWT": (not_a_jwt, "not a JWT"),
    }
    return [pytest.param(make, said, id=name) for name, (make, said) in cases.items()]


@pytest.mark.parametrize(("make", "said"), _refused_tokens())
async def test_an_id_token_the_gateway_should_not_trust_is_refused(
    trusting_app, providers, portal, make, said
):
    answer = await _exchange(trusting_app, portal, await make(providers))

    assert said in _refused(answer, "subject_token")


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"subject_token_type": ACCESS_TOKEN}, "subject_token_type"),
        ({"subject_token_type": ""}, "subject_token_type"),
        ({"subject_token": ""}, "subject_token"),
        ({"requested_subject": "12345"}, "requested_subject"),
        ({"requested_token_type": ID_TOKEN}, "requested_token_type"),
        ({"subject": CHILD}, "subject"),
    ],
)
async def test_a_malformed_exchange_is_named_before_the_id_token_is_spent(
    trusting_app, providers, portal, form, field
):
    id_token = await providers.id_token(CHILD)
    malformed = await _exchange(trusting_app, portal, id_token, **form)
    afterwards = await _exchange(trusting_app, portal, id_token)

    _refused(malformed, field, "invalid_request")
    assert afterwards.status_code == 200, afterwards.text


@pytest.mark.parametrize("kind", [ClientKind.OFFICER, ClientKind.SYSTEM])
async def test_a_staff_client_cannot_exchange_a_citizens_id_token(trusting_app, providers, kind):
    staff = await trusting_app.state.clients.create("counter", kind, {Scope.IDENTITY_READ})
    answer = await _exchange(
        trusting_app,
        (staff.client.client_id, staff.secret),
        await providers.id_token(CHILD),
    )

    _refused(answer, "grant_type", "unauthorized_client")


async def test_a_wrong_client_secret_is_refused_before_the_id_token_is_looked_at(
    trusting_app, providers, portal
):
    answer = await _exchange(trusting_app, (portal[0], "guess"), await providers.id_token(CHILD))

    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


async def test_a_rotated_provider_key_is_fetched_again_on_its_unknown_kid(
    trusting_app, providers, portal, agencies
):
    before = await _exchange(trusting_app, portal, await providers.id_token(CHILD))
    rotated = Providers(agencies)  # the same issuer, a new key
    trusting_app.state.id_tokens.keys.http = rotated.http
    trusting_app.state.id_tokens.keys.refetch_interval_s = 0
    after = await _exchange(trusting_app, portal, await rotated.id_token(CHILD))
    await rotated.http.aclose()

    assert before.status_code == 200, before.text
    assert after.status_code == 200, after.text


async def test_an_unreachable_identity_provider_is_a_503_problem_not_an_error(
    database_url, providers
):
    port = free_port()
    settings = _trust(
        database_url,
        identity_jwks_url=f"http://127.0.0.1:{port}/jwks.json",
        agency_url_allowlist=["127.0.0.1"],
    )
    app = create_app(settings, http_client=providers.http)
    async with app.router.lifespan_context(app):
        made = await app.state.clients.create("kiosk", ClientKind.KIOSK, {Scope.IDENTITY_READ})
        id_token = await providers.id_token(CHILD)
        answer = await _exchange(app, (made.client.client_id, made.secret), id_token)

    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"]
    assert answer.json()["type"].endswith("/identity-provider-unavailable")
    assert answer.json()["error"] == "temporarily_unavailable"


async def test_a_gateway_trusting_no_provider_refuses_the_exchange(gateway_app, providers):
    made = await gateway_app.state.clients.create("portal", ClientKind.PORTAL, set(Scope))
    answer = await _exchange(
        gateway_app, (made.client.client_id, made.secret), await providers.id_token(CHILD)
    )

    assert "trusts no identity provider" in _refused(answer, "grant_type", "unsupported_grant_type")


async def test_the_metadata_lists_the_exchange_only_where_a_provider_is_trusted(
    trusting_app, gateway_app
):
    path = "/.well-known/oauth-authorization-server"
    async with client_of(trusting_app, {}) as trusting, client_of(gateway_app, {}) as plain:
        with_exchange = (await trusting.get(path)).json()["grant_types_supported"]
        without = (await plain.get(path)).json()["grant_types_supported"]

    assert with_exchange == ["client_credentials", EXCHANGE]
    assert without == ["client_credentials"]


async def test_a_parent_acts_for_a_minor_child_on_the_same_family_card(
    trusting_app, providers, portal, personas
):
    parent = personas["family"].nik
    answer = await _exchange(
        trusting_app, portal, await providers.id_token(parent), requested_subject=CHILD
    )
    token = answer.json()["access_token"]
    async with client_of(trusting_app, {"Authorization": f"Bearer {token}"}) as acting:
        child = await acting.get(f"/v1/citizens/{CHILD}")
        own = await acting.get(f"/v1/citizens/{parent}")

    assert answer.status_code == 200, answer.text
    claims = _parts(token)[1]
    assert claims["sub"] == CHILD
    assert claims["act"]["sub"] == parent
    assert claims["act"]["basis"] == ActingBasis.PARENT
    assert child.status_code == 200
    assert own.status_code == 404, "the token acts for the child only"


@pytest.mark.parametrize(
    "subject",
    [
        pytest.param(WIFE, id="an adult without a mandate"),
        pytest.param("woman", id="someone on another family card"),
    ],
)
async def test_acting_for_someone_the_registry_does_not_allow_is_refused(
    trusting_app, providers, portal, personas, subject
):
    nik = personas[subject].nik if subject in personas else subject
    answer = await _exchange(
        trusting_app,
        portal,
        await providers.id_token(personas["family"].nik),
        requested_subject=nik,
    )

    _refused(answer, "requested_subject")


async def _signed_in(app: FastAPI, client: tuple[str, str], id_token: str, **extra: str) -> str:
    answer = await _exchange(app, client, id_token, **extra)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


async def test_a_mandate_holder_acts_within_the_mandate_until_it_is_withdrawn(
    trusting_app, providers, portal, personas
):
    """The whole path a citizen takes: sign in, grant a mandate with one's own token; the
    holder signs in and exchanges for a token acting for the grantor; the grantor withdraws."""
    grantor, holder = personas["family"].nik, personas["woman"].nik
    own = await _signed_in(trusting_app, portal, await providers.id_token(grantor))
    async with client_of(trusting_app, {"Authorization": f"Bearer {own}"}) as as_grantor:
        granted = await as_grantor.post(
            "/v1/mandates",
            json={
                "grantee_nik": holder,
                "scopes": ["identity:read", "vehicles:read"],
                "purpose": "Mengurus pajak kendaraan selama saya di luar negeri",
                "expires_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat(),
            },
        )
        assert granted.status_code == 201, granted.text
        mandate_id = granted.json()["id"]
        beyond = await _exchange(
            trusting_app, portal, await providers.id_token(holder), requested_subject=grantor
        )
        acting = await _signed_in(
            trusting_app,
            portal,
            await providers.id_token(holder),
            requested_subject=grantor,
            scope="identity:read vehicles:read",
        )
        async with client_of(trusting_app, {"Authorization": f"Bearer {acting}"}) as as_holder:
            read = await as_holder.get(f"/v1/citizens/{grantor}/vehicles")
            withdrawn = await as_grantor.delete(f"/v1/mandates/{mandate_id}")
            after = await as_holder.get(f"/v1/citizens/{grantor}/vehicles")
        again = await _exchange(
            trusting_app,
            portal,
            await providers.id_token(holder),
            requested_subject=grantor,
            scope="identity:read vehicles:read",
        )

    _refused(beyond, "requested_subject")
    act = _parts(acting)[1]["act"]
    assert act == {
        "sub": holder,
        "basis": "mandate",
        "relationship": act["relationship"],
        "mandate_id": mandate_id,
    }
    assert read.status_code == 200, read.text
    assert withdrawn.status_code == 204
    assert after.status_code == 401
    _refused(again, "requested_subject")


async def test_the_actor_travels_in_the_token_and_back(trusting_app):
    issuer = trusting_app.state.token_issuer
    actor = Actor("3374091203840001", ActingBasis.MANDATE, "mandate holder", "m-1")
    claims = TokenClaims("portal-1", ClientKind.PORTAL, frozenset({"identity:read"}), CHILD, actor)

    assert await issuer.read(issuer.issue(claims)) == claims


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"identity_issuer": IDP}, "identity_audience"),
        ({"identity_issuer": IDP, "identity_audience": AUDIENCE}, "identity_audience"),
        (
            {
                "identity_issuer": IDP,
                "identity_jwks_url": "http://idp.example/jwks.json",
                "identity_audience": AUDIENCE,
            },
            "identity_jwks_url",
        ),
        (
            {
                "identity_issuer": IDP,
                "identity_jwks_url": "https://10.1.2.3/jwks.json",
                "identity_audience": AUDIENCE,
            },
            "identity_jwks_url",
        ),
        (
            {
                "identity_issuer": "idp.example",
                "identity_jwks_url": "https://idp.example/jwks.json",
                "identity_audience": AUDIENCE,
            },
            "identity_issuer",
        ),
    ],
)
def test_a_partial_or_unsafe_trust_configuration_is_refused_at_start(overrides, field):
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, **overrides)

    assert {error["loc"][0] for error in refused.value.errors()} == {field}


def test_an_allow_listed_internal_provider_may_use_http():
    settings = Settings(
        _env_file=None,
        identity_issuer="http://127.0.0.1:8112",
        identity_jwks_url="http://127.0.0.1:8112/jwks.json",
        identity_audience=AUDIENCE,
        agency_url_allowlist=["127.0.0.1"],
    )

    assert settings.identity_jwks_url == "http://127.0.0.1:8112/jwks.json"


def test_in_the_running_system_a_portal_exchanges_a_signed_in_citizens_id_token(tmp_path, personas):
    """`make run`'s processes: the gateway fetches the provider's keys over a socket, with
    the trust settings the stack gives it."""
    nik = personas["family"].nik
    with started_stack(tmp_path, agencies=False) as stack:
        portal = stack.credentials["demo-portal"]
        auth = (portal["client_id"], portal["client_secret"])
        form = {"grant_type": EXCHANGE, "subject_token_type": ID_TOKEN}
        token_url = f"{stack.gateway.url}{TOKEN}"
        id_token = stack.id_token(nik)
        issued = httpx.post(token_url, data={**form, "subject_token": id_token}, auth=auth)
        replayed = httpx.post(token_url, data={**form, "subject_token": id_token}, auth=auth)
        named = httpx.post(
            token_url, data={"grant_type": "client_credentials", "subject": nik}, auth=auth
        )
        me = httpx.get(
            f"{stack.gateway.url}/v1/me",
            headers={"Authorization": f"Bearer {issued.json()['access_token']}"},
        )

    assert issued.status_code == 200, issued.text
    assert me.json()["nik"] == nik
    assert "exchanged already" in _refused(replayed, "subject_token")
    _refused(named, "grant_type", "unauthorized_client")
