"""A scope or an agency code belongs to one data product at most, whichever gateway process
stores it and however close together two registrations run: gateways that have not yet
followed each other's changes share one database, and it decides."""

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from app.auth.scopes import Scope
from app.db.migrate import apply_migrations, revert_migrations
from app.db.models import DataProductClaim, DataProductRecord, DataProductVersion
from app.main import create_app
from app.products import conformance
from app.products import store as product_store
from tests.conftest import AGENCY_HOSTS, SIMULATOR_FACTORIES, client_of, credentials
from tests.conftest import gateway_settings as base_settings
from tests.product_backends import BACKEND, declaration, membership_backend

NEVER_S = 3600.0
"""A refresh interval no test outlives: that gateway follows no other process's change."""


@pytest.fixture
async def agency_http() -> AsyncIterator[httpx.AsyncClient]:
    apps = {code: factory() for code, factory in SIMULATOR_FACTORIES.items()}
    mounts = {AGENCY_HOSTS[code]: httpx.ASGITransport(app=app) for code, app in apps.items()}
    mounts[BACKEND] = httpx.ASGITransport(app=membership_backend())
    async with httpx.AsyncClient(mounts=mounts) as http:
        yield http


@asynccontextmanager
async def _gateway(
    database_url: str, http: httpx.AsyncClient, refresh_s: float | None = None
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """A gateway process and its administrator's client; with `refresh_s`, one that follows
    other processes' changes only that often."""
    settings = base_settings(database_url, agency_url_allowlist=[httpx.URL(BACKEND).host])
    if refresh_s is not None:
        settings = settings.model_copy(update={"agency_refresh_interval_ms": int(refresh_s * 1000)})
    gateway = create_app(settings, http_client=http)
    async with gateway.router.lifespan_context(gateway):
        headers = await credentials(gateway, [Scope.AGENCIES_ADMIN], purpose=None, name="admin")
        async with client_of(gateway, headers) as admin:
            yield gateway, admin


def _other_product(**changes: Any) -> dict[str, Any]:
    """A second product of the same agency's, with a name, a scope and an agency code of its
    own unless `changes` (or `_with_code`) gives it the first one's."""
    body = declaration(**{"name": "health_claims", "scope": "health_claims:read", **changes})
    body["sources"][0]["agency"]["code"] = "bpjs_claims"
    return body


def _with_code(body: dict[str, Any], code: str) -> dict[str, Any]:
    body["sources"][0]["agency"]["code"] = code
    return body


async def _put(admin: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await admin.put(f"/v1/data-products/{body['name']}", json=body)


def _conflict_fields(response: httpx.Response) -> set[str]:
    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("/product-conflict")
    return {error["field"] for error in response.json()["errors"]}


async def _eventually(condition: Callable[[], bool]) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not picked up within 4 s")


@pytest.mark.parametrize(
    ("taken", "field"),
    [
        (_other_product(scope="health_insurance:read"), "scope"),
        (_with_code(_other_product(), "bpjs_kesehatan"), "sources.0.agency.code"),
    ],
    ids=["scope", "agency code"],
)
async def test_a_gateway_that_has_not_followed_a_registration_cannot_give_its_claims_away(
    database_url, agency_http, taken, field
):
    async with (
        _gateway(database_url, agency_http, refresh_s=NEVER_S) as (behind, behind_admin),
        _gateway(database_url, agency_http) as (_, admin),
    ):
        assert (await _put(admin, declaration())).status_code == 201
        assert behind.state.services.products.get("health_insurance") is None

        response = await _put(behind_admin, taken)

        assert _conflict_fields(response) == {field}
        assert "health_insurance" in response.json()["errors"][0]["message"]
        assert behind.state.services.products.get("health_claims") is None
        assert behind.state.services.bus.registry.agency("bpjs_kesehatan") is None


OFFICE_WITH_BPJS_CODE = {
    "code": "bpjs_kesehatan",
    "kind": "vehicle_tax",
    "name": "A vehicle-tax office",
    "base_url": BACKEND,
    "enabled": False,
}
"""An instance registered through the agency API under the code BPJS Kesehatan's product
declares."""


async def test_an_agency_registered_through_the_agency_api_elsewhere_keeps_its_code(
    database_url, agency_http
):
    async with (
        _gateway(database_url, agency_http, refresh_s=NEVER_S) as (behind, behind_admin),
        _gateway(database_url, agency_http) as (_, admin),
    ):
        registered = await admin.post("/v1/agencies", json=OFFICE_WITH_BPJS_CODE)
        assert registered.status_code == 201, registered.text
        assert behind.state.services.bus.registry.agency("bpjs_kesehatan") is None

        response = await _put(behind_admin, declaration())

        assert _conflict_fields(response) == {"sources.0.agency.code"}
        assert behind.state.services.products.get("health_insurance") is None


async def test_an_agency_api_that_has_not_followed_a_product_cannot_take_its_code(
    database_url, agency_http
):
    async with (
        _gateway(database_url, agency_http, refresh_s=NEVER_S) as (behind, behind_admin),
        _gateway(database_url, agency_http) as (_, admin),
    ):
        assert (await _put(admin, declaration())).status_code == 201
        assert behind.state.services.bus.registry.agency("bpjs_kesehatan") is None

        response = await behind_admin.post("/v1/agencies", json=OFFICE_WITH_BPJS_CODE)

        assert response.status_code == 409, response.text
        assert response.json()["type"].endswith("/agency-exists")
        assert "health_insurance" in response.json()["detail"]
        assert behind.state.services.bus.registry.agency("bpjs_kesehatan") is None


async def test_of_two_products_registered_at_once_with_one_agency_code_exactly_one_wins(
    database_url, agency_http, monkeypatch
):
    """Both pass every check before either is stored: each gateway runs its conformance
    suite, then waits for the other's to finish too."""
    met = asyncio.Barrier(2)
    checked = conformance.check_declaration

    async def check_then_meet(*args: Any) -> Any:
        results = await checked(*args)
        async with asyncio.timeout(5):
            await met.wait()
        return results

    monkeypatch.setattr(product_store, "check_declaration", check_then_meet)
    contenders = [declaration(), _with_code(_other_product(), "bpjs_kesehatan")]
    async with (
        _gateway(database_url, agency_http) as (first, first_admin),
        _gateway(database_url, agency_http) as (second, second_admin),
    ):
        responses = await asyncio.gather(
            _put(first_admin, contenders[0]), _put(second_admin, contenders[1])
        )

        assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
        [lost] = [r for r in responses if r.status_code == 409]
        assert _conflict_fields(lost) == {"sources.0.agency.code"}
        [won] = [r.json()["product"]["name"] for r in responses if r.status_code == 201]
        async with first.state.engine.connect() as conn:
            active = (
                await conn.scalars(
                    select(DataProductRecord.name).where(
                        DataProductRecord.active_version.is_not(None)
                    )
                )
            ).all()
        assert active == [won]
        for gateway in (first, second):
            registry = gateway.state.services.bus.registry

            def holds(registry: Any = registry) -> bool:
                agency = registry.agency("bpjs_kesehatan")
                return agency is not None and agency.spec.product == won

            await _eventually(holds)


async def test_a_new_version_lets_go_of_what_it_no_longer_declares(database_url, agency_http):
    async with _gateway(database_url, agency_http) as (_, admin):
        assert (await _put(admin, declaration())).status_code == 201
        moved = _with_code(declaration(), "bpjs_pusat")
        assert (await _put(admin, moved)).status_code == 200

        other = await _put(admin, _with_code(_other_product(), "bpjs_kesehatan"))

        assert other.status_code == 201, other.text


async def test_a_rollback_cannot_take_back_what_another_product_holds_until_it_is_removed(
    database_url, agency_http
):
    async with _gateway(database_url, agency_http) as (gateway, admin):
        assert (await _put(admin, declaration())).status_code == 201
        assert (await _put(admin, _with_code(declaration(), "bpjs_pusat"))).status_code == 200
        assert (
            await _put(admin, _with_code(_other_product(), "bpjs_kesehatan"))
        ).status_code == 201

        refused = await admin.post(
            "/v1/data-products/health_insurance/rollback", json={"version": 1}
        )

        assert _conflict_fields(refused) == {"sources.0.agency.code"}
        agency = gateway.state.services.bus.registry.agency("bpjs_kesehatan")
        assert agency is not None
        assert agency.spec.product == "health_claims"

        assert (await admin.delete("/v1/data-products/health_claims")).status_code == 204
        restored = await admin.post(
            "/v1/data-products/health_insurance/rollback", json={"version": 1}
        )

        assert restored.status_code == 200, restored.text
        agency = gateway.state.services.bus.registry.agency("bpjs_kesehatan")
        assert agency is not None
        assert agency.spec.product == "health_insurance"


async def test_upgrading_claims_what_products_taking_traffic_hold_the_older_first(
    database_url, agency_http
):
    """Two products holding one agency code, stored before claims existed: the one whose
    active version is older keeps it."""
    async with _gateway(database_url, agency_http) as (_, admin):
        assert (await _put(admin, declaration())).status_code == 201
    await revert_migrations(database_url, "0009")
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        first = (await conn.execute(select(DataProductVersion.__table__))).mappings().one()
        later = first["created_at"] + dt.timedelta(seconds=1)
        stored = {**first["declaration"], "name": "health_claims", "scope": "health_claims:read"}
        copied = {column: value for column, value in first.items() if column != "id"}
        copied.update(name="health_claims", declaration=stored, created_at=later)
        await conn.execute(insert(DataProductVersion), [copied])
        await conn.execute(
            insert(DataProductRecord),
            [{"name": "health_claims", "active_version": 1, "updated_at": later}],
        )
    await apply_migrations(database_url)
    async with engine.connect() as conn:
        claims = (await conn.execute(select(DataProductClaim.__table__))).all()
    await engine.dispose()

    assert sorted(claims) == [
        ("agency", "bpjs_kesehatan", "health_insurance"),
        ("scope", "health_claims:read", "health_claims"),
        ("scope", "health_insurance:read", "health_insurance"),
    ]
