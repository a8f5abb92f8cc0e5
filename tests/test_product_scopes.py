"""A data product's scope is granted like a built-in one: by the operator, only while the
product is registered; by the token endpoint, only to a client holding it. A scope whose
product is gone stays on its clients and tokens and simply releases nothing."""

import asyncio
import datetime as dt
import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner, Result

from app.auth.scopes import ClientKind, Scope
from app.cli import cli
from app.config import get_settings
from app.db.models import DataProductRecord, DataProductVersion
from tests.conftest import RUN_SECRETS, client_of, credentials
from tests.declared_products import Backend, declaration, register, withdraw
from tests.socket_agencies import SocketAgencies

TOKEN = "/v1/oauth/token"
FAMILY_NIK = "3374091203840001"
BACKEND = Backend()


@pytest.fixture(scope="module")
def backend() -> Iterator[SocketAgencies]:
    with SocketAgencies({"bpjs": BACKEND.app}) as started:
        yield started


@pytest.fixture
def environment(database_url, monkeypatch) -> Iterator[None]:
    """The operator's shell, on the test gateway's database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SATUPINTU_SECRET_KEY", RUN_SECRETS["secret_key"].get_secret_value())
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def product(gateway_app: FastAPI, backend: SocketAgencies) -> FastAPI:
    BACKEND.reset({FAMILY_NIK: {"number": "0001234567890"}})
    services = gateway_app.state.services
    register(
        services.bus.registry,
        services.products,
        declaration("health_insurance", {"bpjs_kesehatan": backend.urls["bpjs"]}),
    )
    return gateway_app


async def _clients(*args: str) -> Result:
    def run() -> Result:
        return CliRunner().invoke(cli, ["clients", *args])

    return await asyncio.to_thread(run)  # the command runs its own event loop


async def _store_product(app: FastAPI, name: str, active: bool) -> None:
    """The product as the declarations store leaves it in the database: what the operator's
    command, in a process of its own, reads."""
    body = declaration(name, {"somewhere": "http://127.0.0.1:9"}).model_dump(
        mode="json", by_alias=True
    )
    now = dt.datetime.now(dt.UTC)
    async with app.state.services.sessions.begin() as session:
        record = await session.get(DataProductRecord, name)
        if record is None:
            session.add(
                DataProductVersion(
                    name=name,
                    version=1,
                    declaration=body,
                    change="register",
                    author="test",
                    created_at=now,
                )
            )
            record = DataProductRecord(name=name, updated_at=now)
            session.add(record)
        record.active_version = 1 if active else None
        record.updated_at = now


async def test_the_operator_grants_a_product_scope_only_while_it_is_registered(
    gateway_app, environment
):
    create = ["create", "Puskesmas", "--kind", "officer", "--scope", "identity:read"]

    before = await _clients(*create, "--scope", "health_insurance:read", "--json")
    await _store_product(gateway_app, "health_insurance", active=True)
    made = await _clients(*create, "--scope", "health_insurance:read", "--json")
    unknown = await _clients(*create, "--scope", "pets:read")

    assert before.exit_code == 2
    assert "no such scope: health_insurance:read" in before.output
    assert made.exit_code == 0, made.output
    client = json.loads(made.stdout)
    assert client["scopes"] == ["health_insurance:read", "identity:read"]
    assert unknown.exit_code == 2
    assert "pets:read" in unknown.output

    client_id = client["client_id"]
    await _store_product(gateway_app, "land_certificates", active=False)
    removed = await _clients("grant", client_id, "--scope", "land_certificates:read")
    await _store_product(gateway_app, "land_certificates", active=True)
    granted = await _clients("grant", client_id, "--scope", "land_certificates:read")
    revoked = await _clients("revoke", client_id, "--scope", "health_insurance:read")

    assert removed.exit_code == 2
    assert granted.exit_code == 0, granted.output
    assert "land_certificates:read" in granted.stdout
    assert revoked.exit_code == 0, revoked.output
    stored = await gateway_app.state.clients.find(client_id)
    assert stored.scopes == {"identity:read", "land_certificates:read"}


async def test_the_token_endpoint_gives_a_product_scope_only_to_a_client_holding_it(product):
    store = product.state.clients
    holder = await store.create(
        "puskesmas", ClientKind.OFFICER, {Scope.IDENTITY_READ, "health_insurance:read"}
    )
    other = await store.create("samsat", ClientKind.OFFICER, {Scope.IDENTITY_READ})
    asked = {"grant_type": "client_credentials", "scope": "health_insurance:read"}

    async with client_of(product, {}) as anonymous:
        given = await anonymous.post(
            TOKEN, data=asked, auth=(holder.client.client_id, holder.secret)
        )
        refused = await anonymous.post(
            TOKEN, data=asked, auth=(other.client.client_id, other.secret)
        )
        token = given.json()["access_token"]
        read = await anonymous.get(
            f"/v1/data-products/health_insurance/records/{FAMILY_NIK}",
            headers={"Authorization": f"Bearer {token}", "X-Purpose": "claim check"},
        )

    assert given.status_code == 200, given.text
    assert given.json()["scope"] == "health_insurance:read"
    assert read.status_code == 200, read.text
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_scope"


async def test_a_scope_nobody_knows_from_the_database_or_a_token_is_tolerated(product):
    store = product.state.clients
    kept = await store.create(
        "old client", ClientKind.OFFICER, {Scope.IDENTITY_READ, "fishing_licences:read", "x"}
    )
    async with client_of(product, {}) as anonymous:
        issued = await anonymous.post(
            TOKEN,
            data={"grant_type": "client_credentials"},
            auth=(kept.client.client_id, kept.secret),
        )
        bearer = {"Authorization": f"Bearer {issued.json()['access_token']}"}
        me = await anonymous.get("/v1/me", headers=bearer)
        profile = await anonymous.get(
            f"/v1/citizens/{FAMILY_NIK}", headers={**bearer, "X-Purpose": "counter service"}
        )

    assert issued.status_code == 200, issued.text
    assert me.status_code == 200, me.text
    assert me.json()["scopes"] == ["fishing_licences:read", "identity:read", "x"]
    assert profile.status_code == 200, profile.text
    assert profile.json()["health_insurance"] is None
    assert "health_insurance" in profile.json()["withheld"]


async def test_a_removed_products_scope_stays_on_the_token_and_releases_nothing(product):
    headers = await credentials(product, {Scope.IDENTITY_READ, "health_insurance:read"})
    services = product.state.services
    withdraw(services.bus.registry, services.products, "health_insurance")

    async with client_of(product, headers) as client:
        me = await client.get("/v1/me")
        records = await client.get(f"/v1/data-products/health_insurance/records/{FAMILY_NIK}")
        profile = await client.get(f"/v1/citizens/{FAMILY_NIK}")

    assert "health_insurance:read" in me.json()["scopes"]
    assert records.status_code == 404
    assert records.json()["type"].endswith("/product-not-found")
    assert profile.status_code == 200
    assert "health_insurance" not in profile.json()
    assert BACKEND.asked == []


async def test_an_officer_states_a_purpose_for_a_product_and_needs_its_scope(product):
    without_purpose = await credentials(product, {"health_insurance:read"}, purpose=None)
    without_scope = await credentials(product, {Scope.IDENTITY_READ})
    path = f"/v1/data-products/health_insurance/records/{FAMILY_NIK}"

    async with client_of(product, without_purpose) as client:
        unstated = await client.get(path)
    async with client_of(product, without_scope) as client:
        unscoped = await client.get(path)
    async with client_of(product, {}) as client:
        anonymous = await client.get("/v1/data-products/no_such_product/records/x")

    assert unstated.status_code == 422
    assert unstated.json()["type"].endswith("/purpose-required")
    assert unscoped.status_code == 403
    assert unscoped.json()["required_scopes"] == ["health_insurance:read"]
    assert anonymous.status_code == 401
    assert BACKEND.asked == []


async def test_the_server_metadata_lists_a_product_scope_while_it_is_registered(product):
    async with client_of(product, {}) as client:
        registered = await client.get("/.well-known/oauth-authorization-server")
        services = product.state.services
        withdraw(services.bus.registry, services.products, "health_insurance")
        removed = await client.get("/.well-known/oauth-authorization-server")

    assert "health_insurance:read" in registered.json()["scopes_supported"]
    assert "identity:read" in registered.json()["scopes_supported"]
    assert "health_insurance:read" not in removed.json()["scopes_supported"]
