"""What lands in a citizen's access log: an officer's list that showed their record, and a
refused attempt on their data, each under the request's id; and the refusal tells the caller
nothing the answer for a citizen who does not exist would not."""

import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from app.db.models import AccessRecord
from tests.conftest import client_of, credentials
from tests.service_request_helpers import submit

CITIZENS = ("family", "woman", "several_vehicles_overdue")


async def _records(app: Any, response: httpx.Response) -> list[Any]:
    async with app.state.engine.connect() as conn:
        rows = await conn.execute(
            select(AccessRecord)
            .where(AccessRecord.request_id == response.headers["x-request-id"])
            .order_by(AccessRecord.seq)
        )
        return list(rows)


def _complaint(nik: str) -> dict[str, Any]:
    return {
        "nik": nik,
        "service": "vehicle-tax-renewal",
        "subject": "Antrean SAMSAT terlalu lama",
        "description": "Saya menunggu tiga jam di kantor SAMSAT untuk perpanjangan STNK.",
    }


async def _seen_by(app: Any, nik: str, request_id: str) -> list[dict[str, Any]]:
    """The entries of `request_id` in `nik`'s access log, read as the citizen reads it."""
    async with client_of(app, await credentials(app, subject_nik=nik)) as portal:
        log = await portal.get(f"/v1/citizens/{nik}/access-log", params={"page_size": 100})
    assert log.status_code == 200, log.text
    return [e for e in log.json()["items"] if e["request_id"] == request_id]


async def test_an_officer_list_is_in_the_access_log_of_every_citizen_it_shows(
    gateway, gateway_app, personas
):
    niks = [personas[name].nik for name in CITIZENS]
    for nik in niks:
        await submit(gateway, "vehicle-tax-renewal", nik, plate_number="B 1234 XYZ")
        await submit(gateway, "vehicle-tax-renewal", nik, plate_number="B 1234 XYZ")
        assert (await gateway.post("/v1/complaints", json=_complaint(nik))).status_code == 201

    for path, operation in (
        ("/v1/service-requests", "service_request.search"),
        ("/v1/complaints", "complaint.search"),
    ):
        listed = await gateway.get(path, params={"limit": 100})
        assert listed.status_code == 200, listed.text
        shown = {item["nik"] for item in listed.json()["items"]}
        assert shown == set(niks)

        records = await _records(gateway_app, listed)
        assert sorted(r.subject_nik for r in records) == sorted(niks), "one record per citizen"
        assert {r.operation for r in records} == {operation}
        for nik in niks:
            entries = await _seen_by(gateway_app, nik, listed.headers["x-request-id"])
            assert [e["operation"] for e in entries] == [operation]


async def test_a_list_that_shows_nobody_still_leaves_one_record(gateway, gateway_app):
    listed = await gateway.get("/v1/service-requests", params={"status": "completed"})

    assert listed.json()["items"] == []
    assert [r.subject_nik for r in await _records(gateway_app, listed)] == [None]


async def test_a_portal_asking_for_another_citizen_is_in_that_citizens_log(
    gateway, gateway_app, personas
):
    victim, prober = personas["family"].nik, personas["woman"].nik
    portal_headers = await credentials(gateway_app, subject_nik=prober, name="prober portal")
    async with client_of(gateway_app, portal_headers) as portal:
        tried = await portal.get(f"/v1/citizens/{victim}")

    assert tried.status_code == 404
    [entry] = await _seen_by(gateway_app, victim, tried.headers["x-request-id"])
    assert entry["outcome"] == "refused"
    assert entry["client_name"] == "prober portal"
    assert entry["operation"] == "citizen.profile"
    assert entry["released"] == []


async def test_a_refusal_answers_exactly_as_if_the_record_did_not_exist(
    gateway, gateway_app, personas
):
    victim, prober = personas["family"].nik, personas["woman"].nik
    request = await submit(gateway, "vehicle-tax-renewal", victim, plate_number="B 1234 XYZ")
    complaint = (await gateway.post("/v1/complaints", json=_complaint(victim))).json()
    nobody = str(uuid.uuid4())
    async with client_of(gateway_app, await credentials(gateway_app, subject_nik=prober)) as p:
        for path in ("/v1/service-requests/{}", "/v1/complaints/{}"):
            theirs = await p.get(
                path.format(request["id"] if "service" in path else complaint["id"])
            )
            missing = await p.get(path.format(nobody))

            assert theirs.status_code == missing.status_code == 404
            same = ("type", "title", "status")
            assert {k: theirs.json()[k] for k in same} == {k: missing.json()[k] for k in same}
            assert theirs.headers.keys() == missing.headers.keys()
            assert [r.outcome for r in await _records(gateway_app, theirs)] == ["refused"]
            assert [(r.outcome, r.subject_nik) for r in await _records(gateway_app, missing)] == [
                ("not_found", None)
            ]


def test_no_use_case_decides_ownership_itself():
    """`Caller.acts_for` answers the question; only the refusal helpers may act on it, since
    they are what records the refusal. A new endpoint that asks it directly fails here."""
    app = Path(__file__).parents[1] / "app"
    asking = sorted(
        str(path.relative_to(app))
        for path in app.rglob("*.py")
        if ".acts_for(" in path.read_text(encoding="utf-8")
    )
    assert asking == ["services/reads.py"]
