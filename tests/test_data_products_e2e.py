"""Issue 17's acceptance, in the whole system as `make run` starts it: an agency of a kind the
gateway has never seen joins with one admin call, shows up everywhere a built-in agency does,
and leaves again, all in the same gateway process; a declaration that does not fit its backend
is refused, and a mapping that explodes on live data costs only its own part.
"""

import copy
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from simulators.stack import Stack, declaration_for
from tests.conftest import started_stack

pytestmark = pytest.mark.e2e

MEMBER = "3374091203840001"
"""A family head: BPJS member (class 3, PBI) and owner of a vehicle and a business."""
LAND_OWNER = "3174101704820001"
"""Holds land in both declared land offices (Jakarta Selatan and Bandung)."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory, _fresh_external_database) -> Iterator[Stack]:
    with started_stack(tmp_path_factory.mktemp("products")) as started:
        yield started


def _client(stack: Stack) -> httpx.Client:
    return httpx.Client(base_url=stack.gateway.url, headers=stack.officer_headers(), timeout=30)


def _put(stack: Stack, declaration: dict[str, Any]) -> httpx.Response:
    with _client(stack) as client:
        return client.put(f"/v1/data-products/{declaration['name']}", json=declaration)


def _delete(stack: Stack, name: str) -> None:
    with _client(stack) as client:
        client.delete(f"/v1/data-products/{name}")


def test_a_declared_agency_joins_shows_everywhere_and_leaves_without_a_restart(
    stack: Stack,
) -> None:
    gateway_pid = stack.gateway.popen.pid if stack.gateway.popen else None
    declaration = declaration_for("health_insurance", stack)

    joined = _put(stack, declaration)

    assert joined.status_code == 201, joined.text
    assert joined.headers["Location"] == "/v1/data-products/health_insurance"
    with _client(stack) as client:
        profile = client.get(f"/v1/citizens/{MEMBER}", params={"include": "health_insurance"})
        assert profile.status_code == 200, profile.text
        body = profile.json()
        assert body["health_insurance"]["card_number"] == "0001234567890"
        assert body["health_insurance"]["status"] == "active"
        assert body["health_insurance"]["care_class"] == 3
        assert body["sources"]["bpjs_kesehatan"]["status"] == "ok"
        assert body["complete"] is True

        access_log = client.get(f"/v1/citizens/{MEMBER}/access-log").json()
        assert any("health_insurance" in entry["released"] for entry in access_log["items"])

    with _client(stack) as client:
        catalogue = client.get("/v1/data-products").json()
        assert "health_insurance" in [p["name"] for p in catalogue["items"]]
        agencies = {a["code"]: a for a in client.get("/v1/agencies").json()["items"]}
        assert agencies["bpjs_kesehatan"]["kind"] == "declared:health_insurance"
        assert agencies["bpjs_kesehatan"]["health"]["status"] == "up"
        services = client.get("/v1/services").json()["items"]
        assert "bpjs_kesehatan" in {
            code
            for s in services
            if s["code"] == "jkn-membership-information"
            for code in s["agencies"]
        }
        document = client.get("/openapi.json").json()
        assert "HealthInsuranceRecord" in document["components"]["schemas"]
        profile_schema = document["components"]["schemas"]["CitizenProfile"]
        assert "health_insurance" in profile_schema["properties"]

        complaint = client.post(
            "/v1/complaints",
            json={
                "nik": MEMBER,
                "subject": "Kartu Indonesia Sehat ditolak",
                "description": "Kartu Indonesia Sehat saya ditolak di faskes tingkat pertama.",
            },
        )
        assert complaint.status_code == 201, complaint.text
        assert complaint.json()["agency"] == "bpjs_kesehatan"

        left = client.delete("/v1/data-products/health_insurance")
        assert left.status_code == 204, left.text
        refused = client.get(f"/v1/citizens/{MEMBER}", params={"include": "health_insurance"})
        assert refused.status_code == 422
        assert "bpjs_kesehatan" not in {
            a["code"] for a in client.get("/v1/agencies").json()["items"]
        }
        document = client.get("/openapi.json").json()
        assert "HealthInsuranceRecord" not in document["components"]["schemas"]

    assert stack.gateway.popen is not None
    assert stack.gateway.popen.poll() is None, "the gateway kept running"
    assert stack.gateway.popen.pid == gateway_pid


def test_land_offices_declared_at_start_answer_as_a_federation(stack: Stack) -> None:
    with _client(stack) as client:
        body = client.get(
            f"/v1/citizens/{LAND_OWNER}", params={"include": "land_certificates"}
        ).json()

    offices = {code for code in body["sources"] if code.startswith("kantah_")}
    assert len(offices) == 2
    assert all(body["sources"][code]["status"] == "ok" for code in offices)
    regencies = {c["certificate_number"][:5] for c in body["land_certificates"]}
    assert len(regencies) == 2, "certificates from both offices, merged"


def test_a_declaration_that_does_not_fit_its_backend_is_refused(stack: Stack) -> None:
    declaration = declaration_for("health_insurance", stack)
    declaration["fetch"]["response"]["records"] = "response.member"

    refused = _put(stack, declaration)

    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("/conformance-failed")
    assert any("found key gives records" in f["check"] for f in refused.json()["failures"])
    with _client(stack) as client:
        assert client.get("/v1/data-products/health_insurance").status_code == 404


def test_a_mapping_that_explodes_on_live_data_fails_only_its_part(stack: Stack) -> None:
    """The fixtures map cleanly, so conformance admits it; this one member's data makes the
    mapping grow without bound, and the bound stops it."""
    declaration = declaration_for("health_insurance", stack)
    records = declaration["fetch"]["response"]["records"]
    explosive = "[@,@,@,@][][@,@,@,@][][@,@,@,@][][@,@,@,@][][@,@,@,@][][@,@,@,@][][@,@,@,@][]"
    exploding = copy.deepcopy(declaration)
    exploding["fetch"]["response"]["records"] = (
        f"(response.peserta.nik == '{LAND_OWNER}' && {explosive}) || {records}"
    )
    assert _put(stack, exploding).status_code == 201
    try:
        with _client(stack) as client:
            started = time.perf_counter()
            # Health insurance is specific personal data: a profile has it only by name.
            answer = client.get(
                f"/v1/citizens/{LAND_OWNER}", params={"include": "health_insurance,vehicles"}
            )
            elapsed = time.perf_counter() - started
            fine = client.get(f"/v1/citizens/{MEMBER}", params={"include": "health_insurance"})
    finally:
        _delete(stack, "health_insurance")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["health_insurance"] is None
    assert body["sources"]["bpjs_kesehatan"]["status"] == "error"
    assert body["identity"]["nik"] == LAND_OWNER
    assert body["vehicles"], "the other parts arrive"
    assert body["complete"] is False
    assert elapsed < 5
    assert fine.json()["health_insurance"]["status"] == "active"
