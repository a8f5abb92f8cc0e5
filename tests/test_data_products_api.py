"""Data products registered, changed, rolled back and removed through the admin API, against
a live backend of the test's own (a small BPJS-like membership service)."""

import asyncio
import copy
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import create_async_engine

from app.auth.scopes import Scope
from app.db.models import DataProductVersion
from app.main import create_app
from app.products.declaration import ProductDeclaration
from app.products.declared_adapter import validate_declaration
from app.products.store import ProductStore
from app.products.watcher import ProductWatcher
from tests.conftest import (
    AGENCY_HOSTS,
    SIMULATOR_FACTORIES,
    client_of,
    credentials,
    gateway_settings,
)
from tests.product_backends import API_KEY, BACKEND, FOUND, declaration, membership_backend

PROBLEM = "application/problem+json"
OTHER_BACKEND = "http://bpjs-b.test"


@pytest.fixture
async def agency_http() -> AsyncIterator[httpx.AsyncClient]:
    """The built-in simulators plus two releases of the membership backend: the second
    calls the card number `nomorKartu`, which the first declaration's mapping does not read."""
    apps = {host: factory() for host, factory in _hosts().items()}
    async with httpx.AsyncClient(
        mounts={host: httpx.ASGITransport(app=app) for host, app in apps.items()}
    ) as http:
        yield http


def _hosts() -> dict[str, Any]:
    return {
        **{AGENCY_HOSTS[code]: factory for code, factory in SIMULATOR_FACTORIES.items()},
        BACKEND: membership_backend,
        OTHER_BACKEND: lambda: membership_backend("nomorKartu"),
    }


def _app(database_url: str, http: httpx.AsyncClient) -> FastAPI:
    allowlist = [httpx.URL(h).host for h in (BACKEND, OTHER_BACKEND)]
    return create_app(
        gateway_settings(database_url, agency_url_allowlist=allowlist), http_client=http
    )


@pytest.fixture
async def app(database_url, agency_http) -> AsyncIterator[FastAPI]:
    gateway = _app(database_url, agency_http)
    async with gateway.router.lifespan_context(gateway):
        yield gateway


async def _register(admin: httpx.AsyncClient, body: dict[str, Any] | None = None) -> Any:
    response = await admin.put("/v1/data-products/health_insurance", json=body or declaration())
    assert response.status_code == 201, response.text
    return response


async def test_registering_stores_version_one_and_puts_its_sources_on_the_bus(app, admin):
    response = await _register(admin)

    assert response.headers["Location"] == "/v1/data-products/health_insurance"
    body = response.json()
    assert body["stored"] is True
    assert body["product"]["version"] == 1
    assert body["product"]["change"] == "registered"
    assert body["product"]["author"].startswith("bpjs-admin-")
    assert body["checks"]
    assert all(check["passed"] for check in body["checks"])
    agency = (await admin.get("/v1/agencies/bpjs_kesehatan")).json()
    assert agency["kind"] == "declared:health_insurance"
    assert "product:health_insurance" in agency["capabilities"]
    assert agency["health"]["status"] == "up"


async def test_a_registered_product_is_read_by_its_scope_until_it_is_removed(app, admin):
    await _register(admin)
    reader = await credentials(app, ["health_insurance:read"], name="puskesmas officer")

    async with client_of(app, reader) as client:
        found = await client.get(f"/v1/data-products/health_insurance/records/{FOUND}")
        await admin.delete("/v1/data-products/health_insurance")
        gone = await client.get(f"/v1/data-products/health_insurance/records/{FOUND}")

    assert found.status_code == 200, found.text
    assert found.json()["records"] == {"card_number": "0001234567890", "class": 2}
    assert gone.status_code == 404
    assert gone.json()["type"].endswith("/product-not-found")


async def test_no_view_shows_an_inline_secret_and_the_database_holds_it_sealed(app, admin):
    await _register(admin)

    full = await admin.get("/v1/data-products/health_insurance")
    catalogue = await admin.get("/v1/data-products")

    assert full.status_code == 200
    auth = full.json()["declaration"]["sources"][0]["auth"]
    assert auth["key"] == {"value_set": True}
    assert auth["name"] == "X-Cons-Key"
    assert full.json()["declaration"]["sources"][0]["base_url"] == BACKEND
    for response in (full, catalogue):
        assert API_KEY not in response.text
    async with app.state.engine.connect() as conn:
        stored = (await conn.execute(select(DataProductVersion.declaration))).scalar_one()
    assert API_KEY not in str(stored)


async def test_the_catalogue_shows_the_contract_to_any_client_and_no_endpoint(app, admin):
    await _register(admin)
    reader = await credentials(app, [Scope.IDENTITY_READ], name="portal reader")

    async with client_of(app, reader) as client:
        response = await client.get("/v1/data-products")

    assert response.status_code == 200
    [product] = response.json()["items"]
    assert product["name"] == "health_insurance"
    assert product["scope"] == "health_insurance:read"
    assert product["classification"] == "specific"
    assert product["schema"]["required"] == ["card_number", "class"]
    assert product["sources"] == [
        {"code": "bpjs_kesehatan", "name": "BPJS Kesehatan", "level": "central", "jurisdiction": []}
    ]
    assert product["version"] == 1
    assert BACKEND not in response.text
    assert "X-Cons-Key" not in response.text


async def test_a_client_without_the_admin_scope_cannot_change_or_read_declarations(app, admin):
    await _register(admin)
    officer = await credentials(
        app, [scope for scope in Scope if scope is not Scope.AGENCIES_ADMIN], name="officer"
    )

    async with client_of(app, officer) as client:
        refused = [
            await client.put("/v1/data-products/health_insurance", json=declaration()),
            await client.get("/v1/data-products/health_insurance"),
            await client.get("/v1/data-products/health_insurance/versions"),
            await client.post("/v1/data-products/health_insurance/rollback", json={"version": 1}),
            await client.delete("/v1/data-products/health_insurance"),
        ]

    assert {r.status_code for r in refused} == {403}
    assert refused[0].json()["type"].endswith("/insufficient-scope")
    assert (
        len((await admin.get("/v1/data-products/health_insurance/versions")).json()["items"]) == 1
    )


async def test_a_new_version_keeps_the_stored_secret_and_answers_200(app, admin):
    await _register(admin)
    changed = declaration(title="JKN-KIS membership")
    changed["sources"][0]["auth"]["key"] = {}

    response = await admin.put("/v1/data-products/health_insurance", json=changed)

    assert response.status_code == 200, response.text
    assert "Location" not in response.headers
    assert response.json()["product"]["version"] == 2
    assert response.json()["product"]["change"] == "updated"
    assert response.json()["product"]["declaration"]["sources"][0]["auth"]["key"] == {
        "value_set": True
    }
    assert all(check["passed"] for check in response.json()["checks"])
    assert app.state.services.products.get("health_insurance").version == 2


async def test_the_same_declaration_sent_again_stores_no_new_version(app, admin):
    """A deployment applies its files on every start: an unchanged one is no change."""
    await _register(admin)

    again = await admin.put("/v1/data-products/health_insurance", json=declaration())

    assert again.status_code == 200, again.text
    assert again.json()["stored"] is False
    assert again.json()["product"]["version"] == 1
    assert again.json()["checks"] == []
    history = (await admin.get("/v1/data-products/health_insurance/versions")).json()
    assert [v["version"] for v in history["items"]] == [1]


async def test_a_secret_never_given_is_refused_naming_it(admin):
    body = declaration()
    body["sources"][0]["auth"]["key"] = {}

    response = await admin.put("/v1/data-products/health_insurance", json=body)

    assert response.status_code == 422
    assert response.json()["type"].endswith("/validation-error")
    assert [e["field"] for e in response.json()["errors"]] == ["sources.0.auth.key"]


async def test_versions_rollback_and_removal_are_each_a_version_with_its_author(app, admin):
    await _register(admin)
    moved = declaration()
    moved["sources"][0]["base_url"] = OTHER_BACKEND
    moved["fetch"]["response"]["records"] = "peserta.{card_number: nomorKartu, class: kelas}"
    assert (await admin.put("/v1/data-products/health_insurance", json=moved)).status_code == 200

    rolled = await admin.post("/v1/data-products/health_insurance/rollback", json={"version": 1})

    assert rolled.status_code == 200, rolled.text
    assert rolled.json()["product"]["version"] == 3
    assert rolled.json()["product"]["rolled_back_from"] == 1
    assert rolled.json()["product"]["declaration"]["sources"][0]["base_url"] == BACKEND
    agency = app.state.services.bus.registry.agency("bpjs_kesehatan")
    assert agency.endpoint.base_url == BACKEND

    removed = await admin.delete("/v1/data-products/health_insurance")

    assert removed.status_code == 204
    history = (await admin.get("/v1/data-products/health_insurance/versions")).json()["items"]
    assert [(v["version"], v["change"]) for v in history] == [
        (1, "registered"),
        (2, "updated"),
        (3, "rolled_back"),
        (4, "removed"),
    ]
    assert {v["author"] for v in history} == {rolled.json()["product"]["author"]}
    assert (await admin.get("/v1/data-products/health_insurance")).status_code == 404
    assert (await admin.get("/v1/agencies/bpjs_kesehatan")).status_code == 404
    assert (await admin.get("/v1/data-products")).json()["items"] == []


async def test_unknown_products_and_versions_are_404(admin):
    missing = [
        await admin.get("/v1/data-products/land_certificates"),
        await admin.get("/v1/data-products/land_certificates/versions"),
        await admin.delete("/v1/data-products/land_certificates"),
        await admin.post("/v1/data-products/land_certificates/rollback", json={"version": 1}),
    ]
    assert {r.json()["type"].rsplit("/", 1)[1] for r in missing} == {"product-not-found"}
    assert {r.status_code for r in missing} == {404}

    await _register(admin)
    response = await admin.post("/v1/data-products/health_insurance/rollback", json={"version": 7})

    assert response.status_code == 404
    assert response.json()["type"].endswith("/product-version-not-found")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scope": "vehicles:read"}, "scope"),
        ({"agency": {"code": "vehicle_tax", "name": "SAMSAT", "level": "provincial"}}, "code"),
    ],
)
async def test_an_agency_code_or_scope_already_taken_is_409(admin, change, field):
    body = declaration()
    if "scope" in change:
        body.update(change)
    else:
        body["sources"][0].update(change)

    response = await admin.put("/v1/data-products/health_insurance", json=body)

    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("/product-conflict")
    [error] = response.json()["errors"]
    assert error["field"].endswith(field)
    assert (await admin.get("/v1/data-products")).json()["items"] == []


async def test_another_products_scope_is_taken(admin):
    await _register(admin)
    other = declaration(name="health_claims")

    response = await admin.put("/v1/data-products/health_claims", json=other)

    assert response.status_code == 409
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "health_insurance" in fields["scope"]
    assert "health_insurance" in fields["sources.0.agency.code"]


def _bad_expression(body: dict[str, Any]) -> None:
    body["fetch"]["response"]["records"] = "peserta.[["


def _bad_placeholder(body: dict[str, Any]) -> None:
    body["fetch"]["request"]["path"] = "/peserta/{nik}"


def _bad_schema(body: dict[str, Any]) -> None:
    body["schema"] = {"type": "object", "properties": {"card_number": {"type": "strang"}}}


def _private_url(body: dict[str, Any]) -> None:
    body["sources"][0]["base_url"] = "http://127.0.0.1:8110"


@pytest.mark.parametrize(
    ("spoil", "field"),
    [
        (_bad_expression, "fetch.response.records"),
        (_bad_placeholder, "fetch.request.path"),
        (_bad_schema, "schema.properties.card_number.type"),
        (_private_url, "sources.0.base_url"),
    ],
)
async def test_a_declaration_that_cannot_work_is_422_naming_the_field(admin, spoil, field):
    body = copy.deepcopy(declaration())
    spoil(body)

    response = await admin.put("/v1/data-products/health_insurance", json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert field in {e["field"] for e in response.json()["errors"]}
    assert (await admin.get("/v1/data-products")).json()["items"] == []


async def test_the_path_name_must_be_the_declarations(admin):
    response = await admin.put("/v1/data-products/health_claims", json=declaration())

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


async def test_a_mapping_the_backend_does_not_match_fails_conformance_and_changes_nothing(
    app, admin
):
    await _register(admin)
    moved = declaration()
    moved["sources"][0]["base_url"] = OTHER_BACKEND

    response = await admin.put("/v1/data-products/health_insurance", json=moved)

    assert response.status_code == 422
    assert response.json()["type"].endswith("/conformance-failed")
    assert "bpjs_kesehatan: found key gives records" in {
        f["check"] for f in response.json()["failures"]
    }
    current = (await admin.get("/v1/data-products/health_insurance")).json()
    assert current["version"] == 1
    agency = app.state.services.bus.registry.agency("bpjs_kesehatan")
    assert agency.endpoint.base_url == BACKEND


async def test_a_dry_run_checks_everything_and_stores_nothing(app, admin):
    response = await admin.put(
        "/v1/data-products/health_insurance", params={"dry_run": "true"}, json=declaration()
    )

    assert response.status_code == 200, response.text
    assert response.json()["stored"] is False
    assert response.json()["product"]["version"] == 1
    assert all(check["passed"] for check in response.json()["checks"])
    assert (await admin.get("/v1/data-products/health_insurance")).status_code == 404
    assert app.state.services.bus.registry.agency("bpjs_kesehatan") is None


async def test_the_agency_admin_api_refuses_to_change_a_declared_agency(admin):
    await _register(admin)

    patched = await admin.patch("/v1/agencies/bpjs_kesehatan", json={"timeout_ms": 500})
    removed = await admin.delete("/v1/agencies/bpjs_kesehatan")
    registered = await admin.post(
        "/v1/agencies",
        json={
            "code": "bpjs_jateng",
            "kind": "declared:health_insurance",
            "name": "BPJS Kesehatan Jawa Tengah",
            "base_url": BACKEND,
        },
    )

    for refused in (patched, removed):
        assert refused.status_code == 409
        assert refused.json()["type"].endswith("/agency-declared")
        assert "/v1/data-products/health_insurance" in refused.json()["detail"]
    assert registered.status_code == 422
    assert registered.json()["errors"][0]["field"] == "kind"
    assert (await admin.get("/v1/agencies/bpjs_kesehatan")).status_code == 200


async def test_another_gateway_process_follows_every_change(database_url, agency_http, app, admin):
    second = _app(database_url, agency_http)
    async with second.router.lifespan_context(second):
        registry = second.state.services.bus.registry
        catalog = second.state.services.products

        await _register(admin)
        await _eventually(lambda: catalog.get("health_insurance") is not None)
        agency = registry.agency("bpjs_kesehatan")
        assert agency is not None
        assert agency.spec.product == "health_insurance"

        await admin.delete("/v1/data-products/health_insurance")
        await _eventually(lambda: catalog.get("health_insurance") is None)
        assert registry.agency("bpjs_kesehatan") is None
        assert registry.kind("declared:health_insurance") is None


async def test_a_restarted_gateway_loads_the_active_version_before_serving(
    database_url, agency_http, admin
):
    await _register(admin)

    restarted = _app(database_url, agency_http)
    async with restarted.router.lifespan_context(restarted):
        product = restarted.state.services.products.get("health_insurance")
        agency = restarted.state.services.bus.registry.agency("bpjs_kesehatan")

    assert product is not None
    assert product.version == 1
    assert agency is not None


async def _eventually(condition: Any) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not picked up within 4 s")


async def test_the_documented_example_is_a_declaration_the_engine_accepts(admin):
    document = (await admin.get("/openapi.json")).json()
    put = document["paths"]["/v1/data-products/{name}"]["put"]
    [example] = put["requestBody"]["content"]["application/json"]["examples"].values()

    declared = ProductDeclaration.model_validate(example["value"])

    assert validate_declaration(declared) == []


async def test_a_watcher_round_that_read_before_a_removal_does_not_bring_it_back(app, admin):
    """The watcher reads the store, an administrator removes the product in this process
    meanwhile, then the watcher would apply what it read: the product must stay removed, and
    its agency code free for the next declaration. Only this watcher's reads are slowed: the
    gateway's own watcher goes on as usual."""
    await _register(admin)
    store = app.state.product_store

    class RemovedWhileReading(ProductStore):
        async def every(self) -> Any:
            active = await super().every()
            assert [v.name for v in active] == ["health_insurance"]
            assert (await admin.delete("/v1/data-products/health_insurance")).status_code == 204
            return active

    shared = {f.name: getattr(store, f.name) for f in dataclasses.fields(store)}
    await ProductWatcher(RemovedWhileReading(**shared), interval_s=60).sync()

    assert store.catalog.get("health_insurance") is None
    assert store.registry.agency("bpjs_kesehatan") is None
    again = await admin.put("/v1/data-products/health_insurance", json=declaration())
    assert again.status_code == 201, again.text


async def test_a_version_stored_before_the_processing_basis_existed_still_loads_and_changes(
    database_url, agency_http, admin
):
    """Versions stored before declarations stated their UU 27/2022 ground and category: a
    restarted gateway serves them, an administrator reads them, and sending a declaration that
    states its own stores it as the next version, not a 500."""
    await _register(admin)
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        row = (await conn.execute(select(DataProductVersion.__table__))).mappings().one()
        older = {
            k: v
            for k, v in row["declaration"].items()
            if k not in {"processing_basis", "specific_category"}
        }
        await conn.execute(
            update(DataProductVersion)
            .where(DataProductVersion.id == row["id"])
            .values(declaration=older)
        )
    await engine.dispose()

    restarted = _app(database_url, agency_http)
    async with restarted.router.lifespan_context(restarted):
        product = restarted.state.services.products.get("health_insurance")
        assert product is not None
        assert product.declaration.processing_basis == "public_task"
        assert product.declaration.specific_category == "other"
        headers = await credentials(restarted, [Scope.AGENCIES_ADMIN], purpose=None, name="a")
        async with client_of(restarted, headers) as again:
            shown = await again.get("/v1/data-products/health_insurance")
            assert shown.status_code == 200, shown.text
            stated = await again.put("/v1/data-products/health_insurance", json=declaration())
            assert stated.status_code == 200, stated.text
            assert stated.json()["product"]["version"] == 2
            current = (await again.get("/v1/data-products/health_insurance")).json()
            assert current["declaration"]["specific_category"] == "health"
