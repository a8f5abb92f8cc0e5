"""A data product keyed by NIK is a part of the citizen's profile with no code written for it:
asked by name or by default, released by its own scope, fetched from every source at once
beside the built-in parts, and a broken source costs only its own part."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from app.auth.scopes import Scope
from tests.conftest import client_of, credentials
from tests.declared_products import Backend, declaration, register
from tests.socket_agencies import SocketAgencies

FAMILY_NIK = "3374091203840001"
MEMBERSHIP = {"number": "0001234567890", "nik": FAMILY_NIK, "class": "1"}
CENTRAL_JAVA_LAND = [{"number": "11.01.33.74.1.00017", "nik": FAMILY_NIK}]
JAKARTA_LAND = [{"number": "09.05.31.71.1.00230", "nik": FAMILY_NIK}]
IMMUNISATIONS = [{"number": "BCG-2019-0001", "nik": FAMILY_NIK}]
BACKENDS = {"bpjs": Backend(), "bpn_33": Backend(), "bpn_31": Backend(), "kemenkes": Backend()}
PRODUCT_SCOPES = frozenset(
    {"health_insurance:read", "land_certificates:read", "immunisations:read"}
)
EVERY_SCOPE = frozenset(Scope) | PRODUCT_SCOPES


@pytest.fixture(scope="module")
def backends() -> Iterator[SocketAgencies]:
    with SocketAgencies({code: backend.app for code, backend in BACKENDS.items()}) as started:
        yield started


@pytest.fixture
async def app(gateway_app: FastAPI, backends: SocketAgencies) -> FastAPI:
    """The test gateway with three products by NIK: a membership (`one`, one national
    source), land certificates (`many`, a land office in Central Java and one in Jakarta), and
    immunisations (specific personal data: health)."""
    BACKENDS["bpjs"].reset({FAMILY_NIK: MEMBERSHIP})
    BACKENDS["kemenkes"].reset({FAMILY_NIK: IMMUNISATIONS})
    BACKENDS["bpn_33"].reset({FAMILY_NIK: CENTRAL_JAVA_LAND})
    BACKENDS["bpn_31"].reset({FAMILY_NIK: JAKARTA_LAND})
    services = gateway_app.state.services
    registry, catalog = services.bus.registry, services.products
    register(
        registry,
        catalog,
        declaration("health_insurance", {"bpjs_kesehatan": backends.urls["bpjs"]}),
    )
    register(
        registry,
        catalog,
        declaration(
            "land_certificates",
            {"bpn_33": backends.urls["bpn_33"], "bpn_31": backends.urls["bpn_31"]},
            cardinality="many",
            jurisdictions={"bpn_33": ["33"], "bpn_31": ["31"]},
        ),
    )
    register(
        registry,
        catalog,
        declaration(
            "kis_cards",
            {"bpjs_kis": backends.urls["bpjs"]},
            key={"kind": "own", "name": "card_number", "pattern": "^[0-9]{13}$"},
            subject="nik",
        ),
    )
    register(
        registry,
        catalog,
        declaration(
            "immunisations",
            {"kemenkes": backends.urls["kemenkes"]},
            cardinality="many",
            specific_category="health",
        ),
    )
    return gateway_app


async def test_declared_parts_are_at_the_top_of_the_profile_with_their_sources(app):
    async with client_of(app, await credentials(app, EVERY_SCOPE)) as client:
        response = await client.get(f"/v1/citizens/{FAMILY_NIK}")

    body = response.json()
    assert response.status_code == 200, body
    assert body["health_insurance"] == MEMBERSHIP
    assert sorted(c["number"] for c in body["land_certificates"]) == sorted(
        c["number"] for c in CENTRAL_JAVA_LAND + JAKARTA_LAND
    )
    assert body["vehicles"] is not None
    assert "kis_cards" not in body
    sources = body["sources"]
    assert sources["bpjs_kesehatan"]["status"] == "ok"
    assert sources["bpjs_kesehatan"]["parts"] == ["health_insurance"]
    assert sources["bpn_33"]["parts"] == sources["bpn_31"]["parts"] == ["land_certificates"]
    assert body["complete"] is True
    assert body["withheld"] == []


async def test_include_by_name_asks_only_that_products_sources(app):
    async with client_of(app, await credentials(app, EVERY_SCOPE)) as client:
        response = await client.get(f"/v1/citizens/{FAMILY_NIK}?include=health_insurance")

    body = response.json()
    assert response.status_code == 200, body
    assert body["health_insurance"] == MEMBERSHIP
    assert body["land_certificates"] is None
    assert body["vehicles"] is None
    assert set(body["sources"]) == {"civil_registry", "bpjs_kesehatan"}
    assert BACKENDS["bpn_33"].asked == BACKENDS["bpn_31"].asked == []


async def test_a_part_whose_scope_the_client_lacks_is_withheld_and_never_fetched(app):
    scopes = frozenset(Scope) | {"health_insurance:read"}
    async with client_of(app, await credentials(app, scopes)) as client:
        default = await client.get(f"/v1/citizens/{FAMILY_NIK}")
        named = await client.get(f"/v1/citizens/{FAMILY_NIK}?include=land_certificates")

    body = default.json()
    assert body["land_certificates"] is None
    assert "land_certificates" in body["withheld"]
    assert body["health_insurance"] == MEMBERSHIP
    assert BACKENDS["bpn_33"].asked == BACKENDS["bpn_31"].asked == []
    assert named.status_code == 403
    assert named.json()["required_scopes"] == ["identity:read", "land_certificates:read"]


async def test_a_failing_source_fails_only_its_own_part(app):
    BACKENDS["bpn_31"].down = True
    BACKENDS["bpjs"].delay_s = 1.0  # its timeout is 300 ms
    async with client_of(app, await credentials(app, EVERY_SCOPE)) as client:
        response = await client.get(f"/v1/citizens/{FAMILY_NIK}")

    body = response.json()
    assert response.status_code == 200, body
    assert body["land_certificates"] == CENTRAL_JAVA_LAND
    assert body["sources"]["bpn_31"]["status"] == "unavailable"
    assert body["sources"]["bpn_33"]["status"] == "ok"
    assert body["health_insurance"] is None
    assert body["sources"]["bpjs_kesehatan"]["status"] == "timeout"
    assert body["identity"]["nik"] == FAMILY_NIK
    assert body["family"] is not None
    assert body["complete"] is False


async def test_a_citizen_with_no_membership_is_a_complete_answer_with_a_null_part(app):
    BACKENDS["bpjs"].reset({})
    async with client_of(app, await credentials(app, EVERY_SCOPE)) as client:
        response = await client.get(f"/v1/citizens/{FAMILY_NIK}?include=health_insurance")

    body = response.json()
    assert body["health_insurance"] is None
    assert body["sources"]["bpjs_kesehatan"]["status"] == "not_found"
    assert body["complete"] is True


async def test_an_unknown_include_lists_the_products_among_the_parts(app):
    async with client_of(app, await credentials(app, EVERY_SCOPE)) as client:
        unknown = await client.get(f"/v1/citizens/{FAMILY_NIK}?include=pets")
        other_key = await client.get(f"/v1/citizens/{FAMILY_NIK}?include=kis_cards")

    assert unknown.status_code == 422
    message = unknown.json()["errors"][0]["message"]
    assert "health_insurance" in message
    assert "land_certificates" in message
    assert "kis_cards" not in message
    assert other_key.status_code == 422
    assert "/v1/data-products/kis_cards/records/{key}" in other_key.json()["errors"][0]["message"]
    assert all(backend.asked == [] for backend in BACKENDS.values())


async def test_the_citizens_access_log_names_the_product_released(app):
    async with client_of(app, await credentials(app, EVERY_SCOPE)) as client:
        await client.get(f"/v1/citizens/{FAMILY_NIK}?include=health_insurance")
        log = await client.get(f"/v1/citizens/{FAMILY_NIK}/access-log")

    read = next(e for e in log.json()["items"] if e["operation"] == "citizen.profile")
    assert "health_insurance" in read["released"]
    assert "bpjs_kesehatan" in read["agencies"]


async def test_a_removed_products_scope_releases_nothing(app):
    from tests.declared_products import withdraw

    services = app.state.services
    headers = await credentials(app, EVERY_SCOPE)
    withdraw(services.bus.registry, services.products, "health_insurance")
    async with client_of(app, headers) as client:
        response = await client.get(f"/v1/citizens/{FAMILY_NIK}")
        named = await client.get(f"/v1/citizens/{FAMILY_NIK}?include=health_insurance")

    assert response.status_code == 200
    assert "health_insurance" not in response.json()
    assert BACKENDS["bpjs"].asked == []
    assert named.status_code == 422


async def test_specific_personal_data_comes_only_when_named(app):
    """A client asking for everything it may see is not sent health data it did not ask for:
    the product's agency is not even asked."""
    async with client_of(app, await credentials(app, EVERY_SCOPE)) as client:
        default = await client.get(f"/v1/citizens/{FAMILY_NIK}")
        asked = BACKENDS["kemenkes"].asked.copy()
        named = await client.get(f"/v1/citizens/{FAMILY_NIK}?include=immunisations")

    assert default.status_code == 200, default.text
    assert default.json()["immunisations"] is None
    assert "kemenkes" not in default.json()["sources"]
    assert default.json()["health_insurance"] == MEMBERSHIP
    assert asked == []
    assert named.status_code == 200, named.text
    assert named.json()["immunisations"] == IMMUNISATIONS
    assert named.json()["sources"]["kemenkes"]["status"] == "ok"
    assert BACKENDS["kemenkes"].asked == [FAMILY_NIK]
