"""`GET /v1/data-products/{name}/records/{key}`: the key checked against the product's key kind
before any agency is asked, routed like the built-in reads, and each record released only to
whoever may see the citizen it is about."""

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.auth.scopes import ClientKind, Scope
from app.db.models import AccessRecord
from tests.conftest import client_of, credentials
from tests.declared_products import Backend, declaration, register
from tests.socket_agencies import SocketAgencies

FAMILY_NIK = "3374091203840001"
OTHER_NIK = "3174101704820001"
MEMBERSHIP = {"number": "0001234567890", "nik": FAMILY_NIK}
OTHER_CARD = "0009876543210"
INSURED_VEHICLE = {"number": "JR-33-0001", "nik": FAMILY_NIK}
FAMILY_CARD = "AB1234"
BACKENDS = {"bpjs": Backend(), "jr_31": Backend(), "jr_33": Backend()}
SCOPES = {
    "health_insurance:read",
    "kis_cards:read",
    "road_insurance:read",
    "kis_joined:read",
    "family_cards:read",
    "repeated_keys:read",
}


@pytest.fixture(scope="module")
def backends() -> Iterator[SocketAgencies]:
    with SocketAgencies({code: backend.app for code, backend in BACKENDS.items()}) as started:
        yield started


@pytest.fixture
def app(gateway_app: FastAPI, backends: SocketAgencies) -> FastAPI:
    """Three products: a membership by NIK, a card by its own number naming its holder, and a
    road-accident insurance by plate held by two provinces' offices."""
    BACKENDS["bpjs"].reset(
        {
            FAMILY_NIK: MEMBERSHIP,
            MEMBERSHIP["number"]: MEMBERSHIP,
            OTHER_CARD: {"number": OTHER_CARD, "nik": OTHER_NIK},
        }
    )
    BACKENDS["jr_33"].reset({"H 1524 Z": [INSURED_VEHICLE]})
    BACKENDS["jr_31"].reset({})
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
            "road_insurance",
            {"jasa_raharja_31": backends.urls["jr_31"], "jasa_raharja_33": backends.urls["jr_33"]},
            cardinality="many",
            key={"kind": "plate_number"},
            subject="nik",
            jurisdictions={"jasa_raharja_31": ["31"], "jasa_raharja_33": ["33"]},
        ),
    )
    register(
        registry,
        catalog,
        declaration(
            "kis_joined",
            {"bpjs_joined": backends.urls["bpjs"]},
            key={"kind": "own", "name": "card_number", "pattern": "^[0-9]{13}$"},
            subject="join('', nik)",  # fails on every record: `nik` is a string, not an array
        ),
    )
    register(
        registry,
        catalog,
        declaration(
            "family_cards",
            {"dukcapil_a": backends.urls["bpjs"], "dukcapil_b": backends.urls["jr_31"]},
            cardinality="many",
            key={"kind": "own", "name": "family_card", "pattern": "^[A-Z]{2}[0-9]{4}$"},
            subject="nik",
        ),
    )
    register(
        registry,
        catalog,
        declaration(
            "repeated_keys",
            {"repeated_office": backends.urls["jr_33"]},
            key={"kind": "own", "name": "repeated", "pattern": "^(a|aa)+$"},
            subject="nik",
        ),
    )
    return gateway_app


async def _recorded(app: FastAPI, response: Any) -> list[tuple[str | None, str, int]]:
    """The access records of one answer: subject, outcome and the status sent."""
    query = select(AccessRecord.subject_nik, AccessRecord.outcome, AccessRecord.http_status)
    async with app.state.engine.connect() as conn:
        rows = await conn.execute(
            query.where(AccessRecord.request_id == response.headers["x-request-id"])
        )
        return [tuple(row) for row in rows]


def _asked() -> dict[str, list[str]]:
    return {code: backend.asked for code, backend in BACKENDS.items() if backend.asked}


async def test_an_officer_reads_a_membership_by_nik(app):
    async with client_of(app, await credentials(app, SCOPES | {Scope.AUDIT_READ})) as client:
        response = await client.get(f"/v1/data-products/health_insurance/records/{FAMILY_NIK}")
        log = await client.get(f"/v1/citizens/{FAMILY_NIK}/access-log")

    body = response.json()
    assert response.status_code == 200, body
    assert body["product"] == "health_insurance"
    assert body["records"] == MEMBERSHIP
    assert body["sources"]["bpjs_kesehatan"]["status"] == "ok"
    assert body["complete"] is True
    entry = log.json()["items"][0]
    assert entry["operation"] == "data_product.health_insurance"
    assert entry["released"] == ["health_insurance"]


async def test_a_portal_reaches_only_its_own_citizen_and_no_agency_hears_of_another(app):
    portal = await credentials(app, SCOPES, subject_nik=FAMILY_NIK)
    async with client_of(app, portal) as client:
        own = await client.get(f"/v1/data-products/health_insurance/records/{FAMILY_NIK}")
        other = await client.get(f"/v1/data-products/health_insurance/records/{OTHER_NIK}")

    assert own.status_code == 200
    assert other.status_code == 404
    assert other.json()["type"].endswith("/product-record-not-found")
    assert _asked() == {"bpjs": [FAMILY_NIK]}


async def test_by_another_key_the_records_subject_decides_who_may_see_it(app):
    portal = await credentials(app, SCOPES, subject_nik=FAMILY_NIK)
    officer = await credentials(app, SCOPES)
    async with client_of(app, portal) as client:
        own = await client.get(f"/v1/data-products/kis_cards/records/{MEMBERSHIP['number']}")
        other = await client.get(f"/v1/data-products/kis_cards/records/{OTHER_CARD}")
        missing = await client.get("/v1/data-products/kis_cards/records/0000000000001")
    async with client_of(app, officer) as client:
        read_by_officer = await client.get(f"/v1/data-products/kis_cards/records/{OTHER_CARD}")

    assert own.status_code == 200
    assert own.json()["records"] == MEMBERSHIP
    assert other.status_code == missing.status_code == 404
    assert other.json()["type"] == missing.json()["type"]
    assert "nik" not in other.text
    assert read_by_officer.status_code == 200
    assert read_by_officer.json()["records"]["nik"] == OTHER_NIK


async def test_the_other_citizen_sees_the_refused_attempt_in_their_log(app):
    portal = await credentials(app, SCOPES, subject_nik=FAMILY_NIK)
    async with client_of(app, portal) as client:
        await client.get(f"/v1/data-products/kis_cards/records/{OTHER_CARD}")
    victim = await credentials(app, {Scope.IDENTITY_READ}, subject_nik=OTHER_NIK)
    async with client_of(app, victim) as client:
        log = await client.get(f"/v1/citizens/{OTHER_NIK}/access-log")

    entry = log.json()["items"][0]
    assert entry["operation"] == "data_product.kis_cards"
    assert entry["outcome"] == "refused"
    assert entry["released"] == []


@pytest.mark.parametrize(
    ("product", "key"),
    [
        ("health_insurance", "3374091203840000"),  # serial 0000
        ("health_insurance", "33740912038400"),
        ("kis_cards", "12345"),
        ("kis_cards", "١٢٣٤٥٦٧٨٩٠١٢٣"),  # Arabic-Indic digits match \d, not the key
        ("road_insurance", "XX 1 A"),
    ],
)
async def test_a_key_that_cannot_be_one_is_refused_before_any_agency_is_asked(app, product, key):
    async with client_of(app, await credentials(app, SCOPES)) as client:
        response = await client.get(f"/v1/data-products/{product}/records/{key}")

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["key"]
    assert _asked() == {}


async def test_a_plate_is_asked_of_the_office_of_its_region_only(app):
    async with client_of(app, await credentials(app, SCOPES)) as client:
        found = await client.get("/v1/data-products/road_insurance/records/h1524z")
        unserved = await client.get("/v1/data-products/road_insurance/records/DK 1 A")

    assert found.status_code == 200, found.text
    assert found.json()["key"] == "H 1524 Z"
    assert found.json()["records"] == [INSURED_VEHICLE]
    assert set(found.json()["sources"]) == {"jasa_raharja_33"}
    assert unserved.status_code == 503
    assert unserved.json()["type"].endswith("/jurisdiction-not-served")
    assert _asked() == {"jr_33": ["H 1524 Z"]}


async def test_no_record_is_a_404_and_a_failing_agency_its_own_problem(app):
    async with client_of(app, await credentials(app, SCOPES)) as client:
        none = await client.get(f"/v1/data-products/health_insurance/records/{OTHER_NIK}")
        empty = await client.get("/v1/data-products/road_insurance/records/B 1 A")
        BACKENDS["bpjs"].down = True
        down = await client.get(f"/v1/data-products/health_insurance/records/{FAMILY_NIK}")
        unknown = await client.get(f"/v1/data-products/pets/records/{FAMILY_NIK}")

    assert none.status_code == 404
    assert none.json()["type"].endswith("/product-record-not-found")
    assert none.json()["sources"]["bpjs_kesehatan"]["status"] == "not_found"
    assert empty.status_code == 404
    assert empty.json()["sources"]["jasa_raharja_31"]["status"] == "ok"
    assert down.status_code == 503
    assert down.json()["sources"]["bpjs_kesehatan"]["status"] == "unavailable"
    assert unknown.status_code == 404
    assert unknown.json()["type"].endswith("/product-not-found")


async def test_a_kiosk_is_bound_like_a_portal(app):
    kiosk = await credentials(app, SCOPES, kind=ClientKind.KIOSK, subject_nik=OTHER_NIK)
    async with client_of(app, kiosk) as client:
        response = await client.get("/v1/data-products/road_insurance/records/H1524Z")

    assert response.status_code == 404


@pytest.mark.parametrize("subject_nik", [None, FAMILY_NIK], ids=["officer", "portal"])
async def test_a_record_whose_subject_fails_is_never_released_and_the_read_is_logged(
    app, subject_nik
):
    """The subject is evaluated on what the agency sent, which conformance never saw: a
    mapping failing on it is that source's bad reply, not the gateway's 500."""
    headers = await credentials(app, SCOPES, subject_nik=subject_nik)
    async with client_of(app, headers) as client:
        response = await client.get(f"/v1/data-products/kis_joined/records/{MEMBERSHIP['number']}")

    assert response.status_code == 502, response.text
    assert response.json()["type"].endswith("/agency-bad-reply")
    assert response.json()["sources"]["bpjs_joined"]["status"] == "error"
    assert FAMILY_NIK not in response.text
    assert await _recorded(app, response) == [(None, "failed", 502)]


@pytest.mark.parametrize(
    "named",
    ["3174101704820001999", "not a nik", 3174101704820001, None],
    ids=["too long", "text", "number", "null"],
)
async def test_a_source_whose_record_names_no_citizen_fails_alone(app, named):
    """Such a record can be neither checked against a portal's citizen nor logged against
    one, so it is withheld even from an officer, and the other office's records still come.
    It is what the office holds for this card, not the office failing: it is not asked again,
    though reads it answered well have earned a retry."""
    BACKENDS["bpjs"].records[FAMILY_CARD] = [{"number": FAMILY_CARD, "nik": FAMILY_NIK}]
    BACKENDS["jr_31"].records[FAMILY_CARD] = [{"number": "AB1234-B", "nik": named}]
    BACKENDS["jr_31"].records["AB0001"] = [{"number": "AB0001", "nik": FAMILY_NIK}]
    async with client_of(app, await credentials(app, SCOPES)) as client:
        for _ in range(12):  # each call earns a tenth of a retry
            assert (await client.get("/v1/data-products/family_cards/records/AB0001")).is_success
        BACKENDS["jr_31"].asked.clear()
        response = await client.get(f"/v1/data-products/family_cards/records/{FAMILY_CARD}")

    body = response.json()
    assert response.status_code == 200, body
    assert body["records"] == [{"number": FAMILY_CARD, "nik": FAMILY_NIK}]
    assert body["complete"] is False
    assert body["sources"]["dukcapil_a"]["status"] == "ok"
    assert body["sources"]["dukcapil_b"]["status"] == "error"
    assert "`subject` gives no 16-digit NIK" in body["sources"]["dukcapil_b"]["detail"]
    assert await _recorded(app, response) == [(FAMILY_NIK, "partial", 200)]
    assert BACKENDS["jr_31"].asked == [FAMILY_CARD], "what it holds is no reason to ask again"


async def test_an_own_key_pattern_cannot_hold_a_worker(app):
    """`^(a|aa)+$` backtracks exponentially in Python's `re` (seconds at 35 characters,
    doubling with each one); the key is checked in time linear in its length."""
    async with client_of(app, await credentials(app, SCOPES)) as client:
        started = time.perf_counter()
        refused = await client.get(f"/v1/data-products/repeated_keys/records/{'a' * 37}b")
        elapsed = time.perf_counter() - started
        accepted = await client.get(f"/v1/data-products/repeated_keys/records/{'a' * 37}")

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["key"]
    assert elapsed < 1.0
    assert accepted.status_code == 404
    assert _asked() == {"jr_33": ["a" * 37]}
