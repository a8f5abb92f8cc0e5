"""Agencies join and change their endpoints through the admin API; the catalogue follows."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, inspect, select
from sqlalchemy.ext.asyncio import create_async_engine

from app.adapters.vehicle_tax import VehicleTaxAdapter
from app.agencies.conformance import check_agency, run_checks
from app.auth.scopes import Scope
from app.bus.registry import AdapterRegistry, InstanceSpec
from app.config import AgencyEndpoint
from app.db.models import AgencySettingChange, AgencySettingRecord
from app.main import create_app
from simulators.world import default_world
from tests.conftest import (
    AGENCY_HOSTS,
    SPARE_VEHICLE_TAX,
    client_of,
    credentials,
    gateway_settings,
)

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
async def forget_endpoint_changes(database_url) -> AsyncIterator[None]:
    """Endpoint changes are durable by design; on a database shared by the whole run (CI's
    PostgreSQL) they must not follow this test into the next one."""
    yield
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        if AgencySettingRecord.__tablename__ in tables:
            await conn.execute(delete(AgencySettingChange))
            await conn.execute(delete(AgencySettingRecord))
    await engine.dispose()


@pytest.fixture
async def admin_gateway(database_url, agencies) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway whose operator allow-listed the test agencies' private host names."""
    allowlist = [httpx.URL(h).host for h in (*AGENCY_HOSTS.values(), SPARE_VEHICLE_TAX)]
    app = create_app(
        gateway_settings(database_url, agency_url_allowlist=allowlist), http_client=agencies.http
    )
    async with (
        app.router.lifespan_context(app),
        client_of(app) as client,
    ):
        client.app = app  # type: ignore[attr-defined]
        yield client


async def test_every_agency_is_listed_with_its_adapter_and_health(gateway):
    body = (await gateway.get("/v1/agencies")).json()
    agencies = {a["code"]: a for a in body["items"]}

    assert set(agencies) >= set(AGENCY_HOSTS)
    vehicle_tax = agencies["vehicle_tax"]
    assert "vehicle.lookup" in vehicle_tax["capabilities"]
    assert vehicle_tax["services"] == ["vehicle-tax-renewal"]
    assert vehicle_tax["endpoint"]["base_url"] == AGENCY_HOSTS["vehicle_tax"]
    assert vehicle_tax["health"]["status"] == "up"
    assert vehicle_tax["adapter_version"]
    assert agencies["civil_registry"]["endpoint"]["password_set"] is True
    assert "satupintu-demo" not in str(body)


async def test_unknown_agency_is_404(gateway):
    response = await gateway.get("/v1/agencies/land_registry")

    assert response.status_code == 404
    assert response.json()["type"].endswith("/agency-not-found")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://127.0.0.1:8102", "loopback"),
        ("http://10.0.0.5/samsat", "private"),
        ("http://[::1]:8102", "loopback"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("http://samsat:secret@vehicle-tax.test", "credentials"),
        ("gopher://vehicle-tax.test", "scheme 'gopher'"),
        ("http://100.100.100.200/latest/meta-data", "carrier-grade NAT"),
        ("http://198.18.0.1", "benchmarking"),
        ("http://0.0.0.0:8102", "this-network"),
        ("http://192.0.2.10", "documentation"),
        ("http://[2001:db8::1]", "documentation"),
        ("http://[::ffff:169.254.169.254]", "in IPv4-mapped form of 169.254.169.254"),
        ("http://[64:ff9b::a9fe:a9fe]", "in NAT64 form of 169.254.169.254"),
        ("http://[2002:7f00:1::]", "loopback, in 6to4 form of 127.0.0.1"),
        ("http://[fd00::1]", "unique local"),
        ("http://vehicle-tax.test:0", "port '0'"),
        ("http://vehicle-tax.test:99999", "port '99999'"),
        ("http://vehicle-tax.test/ samsat", "whitespace"),
        ("http://vehicle-tax.test ", "whitespace"),
        (" http://vehicle-tax.test", "whitespace"),
        ("http://vehicle-tax.test/#status", "fragment"),
        ("http://vehicle-tax.test/?debug=1", "query string"),
        ("http://\u24e5ehicle-tax.test", "ASCII"),
        ("http://\uff11\uff12\uff17.0.0.1", "ASCII"),
        ("http://2130706433", "dotted-quad"),
        ("http://0x7f.0.0.1", "dotted-quad"),
        ("http://vehicle-tax.test\\@127.0.0.1", "'\\\\'"),
    ],
)
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
async def test_ssrf_style_endpoints_are_refused_and_change_nothing(
    gateway, agencies, url, reason, method
):
    response = await gateway.request(method, "/v1/agencies/vehicle_tax", json={"base_url": url})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("/endpoint-refused")
    assert response.json()["errors"][0]["field"] == "base_url"
    assert reason in response.json()["detail"]
    current = (await gateway.get("/v1/agencies/vehicle_tax")).json()
    assert current["endpoint"]["base_url"] == AGENCY_HOSTS["vehicle_tax"]


async def test_an_allow_listed_endpoint_that_passes_takes_traffic_without_restart(
    admin_gateway, agencies, personas
):
    response = await admin_gateway.put(
        "/v1/agencies/vehicle_tax",
        json={"base_url": SPARE_VEHICLE_TAX, "timeout_ms": 1500},
        headers=await credentials(
            admin_gateway.app, [Scope.AGENCIES_ADMIN], purpose=None, name="samsat admin"
        ),
    )

    assert response.status_code == 200, response.text
    assert response.json()["endpoint"]["base_url"] == SPARE_VEHICLE_TAX
    assert response.json()["updated_by"].startswith("samsat-admin-")
    before = agencies.called("spare_vehicle_tax")
    vehicle = await admin_gateway.get(f"/v1/vehicles/{personas['family'].plates[0]}")
    assert vehicle.status_code == 200
    assert agencies.called("spare_vehicle_tax") == before + 1


async def test_an_endpoint_failing_conformance_cannot_be_enabled(admin_gateway, agencies, personas):
    response = await admin_gateway.put(
        "/v1/agencies/vehicle_tax", json={"base_url": AGENCY_HOSTS["civil_registry"]}
    )

    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/conformance-failed")
    failed = {f["check"] for f in problem["failures"]}
    assert "health" in failed
    assert "vehicle.lookup: known plate" in failed
    current = (await admin_gateway.get("/v1/agencies/vehicle_tax")).json()
    assert current["endpoint"]["base_url"] == AGENCY_HOSTS["vehicle_tax"]
    assert (
        await admin_gateway.get(f"/v1/vehicles/{personas['family'].plates[0]}")
    ).status_code == 200


async def test_patch_records_who_changed_what_and_keeps_the_password_secret(admin_gateway):
    response = await admin_gateway.patch(
        "/v1/agencies/civil_registry",
        json={"timeout_ms": 900, "password": "satupintu-demo"},
        headers=await credentials(
            admin_gateway.app, [Scope.AGENCIES_ADMIN], purpose=None, name="dukcapil admin"
        ),
    )

    assert response.status_code == 200, response.text
    assert response.json()["endpoint"]["timeout_ms"] == 900
    assert response.json()["endpoint"]["password_set"] is True
    assert "satupintu-demo" not in response.text
    engine = admin_gateway.app.state.engine
    async with engine.connect() as conn:
        stored = (await conn.execute(select(AgencySettingRecord))).one()
        change = (await conn.execute(select(AgencySettingChange))).one()
    assert stored.password_encrypted
    assert "satupintu-demo" not in stored.password_encrypted
    assert change.changed_by == response.json()["updated_by"]
    assert change.changed_by.startswith("dukcapil-admin-")
    assert change.changes == {"timeout_ms": 900, "password": "(changed)"}


async def test_a_disabled_agency_serves_nothing_and_its_service_goes_offline(gateway, personas):
    response = await gateway.patch("/v1/agencies/vehicle_tax", json={"enabled": False})
    assert response.status_code == 200
    assert response.json()["health"]["status"] == "disabled"

    profile = (await gateway.get(f"/v1/citizens/{personas['family'].nik}")).json()
    assert profile["sources"]["vehicle_tax"]["status"] == "unavailable"
    assert profile["sources"]["vehicle_tax"]["detail"] == "agency is disabled"
    renewal = (await gateway.get("/v1/services/vehicle-tax-renewal")).json()
    assert renewal["online"] is False


async def test_another_gateway_process_picks_up_the_change(database_url, agencies, personas):
    allowlist = [httpx.URL(SPARE_VEHICLE_TAX).host]
    first = create_app(
        gateway_settings(database_url, agency_url_allowlist=allowlist), http_client=agencies.http
    )
    second = create_app(gateway_settings(database_url), http_client=agencies.http)
    async with first.router.lifespan_context(first), second.router.lifespan_context(second):
        async with client_of(first) as a:
            changed = await a.put("/v1/agencies/vehicle_tax", json={"base_url": SPARE_VEHICLE_TAX})
            assert changed.status_code == 200
        for _ in range(100):
            agency = second.state.agency_admin.registry.agency("vehicle_tax")
            if agency.endpoint.base_url == SPARE_VEHICLE_TAX:
                break
            await asyncio.sleep(0.02)
        assert agency.endpoint.base_url == SPARE_VEHICLE_TAX


async def test_catalogue_lists_every_declared_service_with_its_agencies(gateway):
    services = {s["code"]: s for s in (await gateway.get("/v1/services")).json()["items"]}

    assert set(services) >= {"vehicle-tax-renewal", "business-registration", "address-change"}
    renewal = services["vehicle-tax-renewal"]
    assert renewal["agencies"] == ["vehicle_tax", "civil_registry"]
    assert renewal["online"] is True
    assert renewal["working_days"] == 1
    assert renewal["legal_basis"]
    assert services["address-change"]["agencies"] == [
        "civil_registry",
        "vehicle_tax",
        "investment_licensing",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"agency": "investment_licensing"}, {"business-registration", "address-change"}),
        ({"category": "vehicles"}, {"vehicle-tax-renewal"}),
        ({"agency": "nobody"}, set()),
    ],
)
async def test_catalogue_filters(gateway, query, expected):
    items = (await gateway.get("/v1/services", params=query)).json()["items"]

    assert {s["code"] for s in items} == expected


async def test_unknown_service_is_404(gateway):
    response = await gateway.get("/v1/services/passport-renewal")

    assert response.status_code == 404
    assert response.json()["type"].endswith("/service-not-found")


async def test_builtin_adapters_pass_the_conformance_suite(agencies):
    configured = gateway_settings("sqlite://").agencies
    specs = {c: InstanceSpec.from_settings(c, a) for c, a in configured.items()}
    registry = AdapterRegistry.discover(specs.values(), agencies.http)
    for code in AGENCY_HOSTS:
        results = await check_agency(registry, specs[code])
        assert all(r.passed for r in results), (code, [r for r in results if not r.passed])
        assert any(r.name == "a timeout is reported as timeout" for r in results)


class SwallowingVehicleTax(VehicleTaxAdapter):
    """A careless adapter: every trouble becomes 'no vehicles'."""

    async def list_vehicles_by_owner(self, nik: str):
        try:
            return await super().list_vehicles_by_owner(nik)
        except Exception:
            return []


async def test_an_adapter_that_swallows_timeouts_fails_conformance(agencies):
    from app.adapters.base import AdapterContext
    from app.agencies.conformance import AlwaysTimesOut

    endpoint = AgencyEndpoint(base_url=AGENCY_HOSTS["vehicle_tax"])
    adapter = SwallowingVehicleTax(AdapterContext("vehicle_tax", endpoint, agencies.http))
    async with httpx.AsyncClient(transport=AlwaysTimesOut()) as dead:
        probe = SwallowingVehicleTax(AdapterContext("vehicle_tax", endpoint, dead))
        results = {r.name: r for r in await run_checks(adapter, probe)}

    assert results["vehicle.lookup: known plate"].passed
    assert not results["a timeout is reported as timeout"].passed


def _bali(**changes: object) -> dict[str, object]:
    """Bali's office on the spare vehicle-tax backend, with a Bali plate of the demo world."""
    return {
        "code": "bapenda_51",
        "kind": "vehicle_tax",
        "name": "Bapenda Provinsi Bali (SAMSAT)",
        "jurisdiction": ["51"],
        "base_url": SPARE_VEHICLE_TAX,
        "conformance": {
            "known_nik": BALI_OWNER,
            "known_plate_number": BALI_PLATE,
            "unknown_plate_number": "DK 1 QQQ",
        },
        **changes,
    }


BALI_PLATE = min(p for p, v in default_world().vehicles.items() if v.regency_code[:2] == "51")
BALI_OWNER = default_world().vehicles[BALI_PLATE].owner_nik


async def test_an_instance_registered_at_run_time_serves_its_jurisdiction(admin_gateway, agencies):
    registered = await admin_gateway.post("/v1/agencies", json=_bali())
    assert registered.status_code == 201, registered.text
    assert registered.headers["location"] == "/v1/agencies/bapenda_51"
    view = registered.json()
    assert (view["kind"], view["jurisdiction"], view["level"]) == (
        "vehicle_tax",
        ["51"],
        "provincial",
    )
    assert view["registered_at_run_time"] is True

    before = agencies.called("spare_vehicle_tax")
    vehicle = await admin_gateway.get(f"/v1/vehicles/{BALI_PLATE}")
    assert vehicle.status_code == 200
    assert agencies.called("spare_vehicle_tax") == before + 1  # the closest office, not national

    profile = (await admin_gateway.get(f"/v1/citizens/{BALI_OWNER}?include=vehicles")).json()
    assert profile["sources"]["bapenda_51"]["status"] == "ok"
    assert profile["sources"]["vehicle_tax"]["status"] == "ok"
    plates = [v["plate_number"] for v in profile["vehicles"]]
    assert plates.count(BALI_PLATE) == 1  # two instances held it: one vehicle

    listed = (await admin_gateway.get("/v1/agencies?kind=vehicle_tax")).json()
    assert sorted(a["code"] for a in listed["items"]) == ["bapenda_51", "vehicle_tax"]
    engine = admin_gateway.app.state.engine
    async with engine.connect() as conn:
        [change] = (await conn.execute(select(AgencySettingChange))).all()
    assert change.code == "bapenda_51"
    assert change.changed_by.startswith("dukcapil-admin-") or change.changed_by
    assert change.changes["jurisdiction"] == ["51"]


async def test_a_removed_instance_stops_serving_and_its_removal_is_recorded(admin_gateway):
    assert (await admin_gateway.post("/v1/agencies", json=_bali())).status_code == 201

    removed = await admin_gateway.delete("/v1/agencies/bapenda_51")

    assert removed.status_code == 204
    assert (await admin_gateway.get("/v1/agencies/bapenda_51")).status_code == 404
    assert (await admin_gateway.delete("/v1/agencies/bapenda_51")).status_code == 404
    engine = admin_gateway.app.state.engine
    async with engine.connect() as conn:
        changes = (await conn.execute(select(AgencySettingChange))).all()
        [stored] = (await conn.execute(select(AgencySettingRecord))).all()
    assert [c.changes.get("removed") for c in changes] == [None, True]
    assert stored.removed is True
    again = await admin_gateway.post("/v1/agencies", json=_bali())
    assert again.status_code == 201, again.text


@pytest.mark.parametrize(
    ("changes", "status", "problem", "field"),
    [
        ({"kind": "land_registry"}, 422, "validation-error", "kind"),
        ({"jurisdiction": ["99"]}, 422, "validation-error", "jurisdiction"),
        ({"jurisdiction": ["51", "51"]}, 422, "validation-error", "jurisdiction"),
        ({"code": "Bapenda Bali"}, 422, "validation-error", "code"),
        ({"code": "vehicle_tax"}, 409, "agency-exists", None),
        ({"base_url": "http://169.254.169.254"}, 422, "endpoint-refused", "base_url"),
        ({"conformance": {"known_plate_number": "DK 9999 ZZZ"}}, 422, "conformance-failed", None),
    ],
)
async def test_a_registration_that_would_not_work_is_refused_and_nothing_changes(
    admin_gateway, changes, status, problem, field
):
    response = await admin_gateway.post("/v1/agencies", json=_bali(**changes))

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith(f"/{problem}")
    if field:
        assert field in {e["field"].split(".")[0] for e in response.json()["errors"]}
    assert (await admin_gateway.get("/v1/agencies/bapenda_51")).status_code == 404
    engine = admin_gateway.app.state.engine
    async with engine.connect() as conn:
        assert (await conn.execute(select(AgencySettingChange))).all() == []


async def test_a_watcher_round_that_read_before_a_removal_does_not_bring_it_back(
    admin_gateway, monkeypatch
):
    """The watcher reads the table, an administrator removes the instance in this process
    meanwhile, then the watcher would apply what it read: it must not put Bali back."""
    from app.services import agencies as agency_service

    assert (await admin_gateway.post("/v1/agencies", json=_bali())).status_code == 201
    admin = admin_gateway.app.state.agency_admin
    watcher = agency_service.EndpointWatcher(
        admin.sessions, admin.registry, admin.secrets, admin.configured, interval_s=60
    )
    read_before_removal = agency_service.effective_instances
    removals: list[httpx.Response] = []

    async def removed_while_reading(*args: Any, **kwargs: Any) -> Any:
        """The first read, this watcher's or the gateway's own, sees the removal happen
        meanwhile; later reads are as usual."""
        wanted = await read_before_removal(*args, **kwargs)
        if not removals:
            removals.append(await admin_gateway.delete("/v1/agencies/bapenda_51"))
            assert "bapenda_51" in wanted
            assert removals[0].status_code == 204
        return wanted

    monkeypatch.setattr(agency_service, "effective_instances", removed_while_reading)
    await watcher.sync()
    monkeypatch.setattr(agency_service, "effective_instances", read_before_removal)

    assert admin.registry.agency("bapenda_51") is None
    again = await admin_gateway.post("/v1/agencies", json=_bali())
    assert again.status_code == 201, again.text
