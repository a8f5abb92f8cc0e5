"""Complaints at any door, over the real simulators: classified, forwarded to the agency
responsible through its adapter, answered by its simulator, with stage deadlines."""

import datetime as dt

import pytest
from sqlalchemy import update

from app.db.models import ComplaintRecord
from app.workflows.calendar import add_working_days, jakarta_today
from tests.complaint_helpers import file, kinds, wait_for_status
from tests.conftest import client_of, credentials, gateway_settings
from tests.service_request_helpers import submit

PROBLEM = "application/problem+json"


@pytest.fixture
def settings(database_url):
    return gateway_settings(database_url, complaint_recheck_ms=50)


@pytest.fixture
async def quick_agencies(agencies):
    for code in ("civil_registry", "vehicle_tax", "investment_licensing"):
        await agencies.set_faults(code, complaint_answer_seconds=0.2)
    return agencies


async def test_a_vehicle_tax_complaint_sent_to_the_civil_registry_ends_at_vehicle_tax(
    gateway, quick_agencies, personas
):
    nik = personas["several_vehicles_overdue"].nik
    response = await gateway.post(
        "/v1/complaints",
        json={
            "nik": nik,
            "addressed_to": "civil_registry",
            "subject": "Kode bayar tidak terbit",
            "description": "Perpanjangan pajak tahunan saya tidak bisa diproses sejak kemarin.",
            "service": "vehicle-tax-renewal",
        },
    )

    assert response.status_code == 201, response.text
    filed = response.json()
    assert response.headers["location"].endswith(f"/v1/complaints/{filed['id']}")
    assert filed["agency"] == "vehicle_tax"
    assert filed["routing"]["routed_by"] == "service"
    assert "vehicle-tax-renewal" in filed["routing"]["reason"]
    assert kinds(filed) == ["received", "verified", "forwarded"]
    forwarded = filed["history"][2]
    assert "from civil_registry to vehicle_tax" in forwarded["message"]
    filed_on = jakarta_today(dt.datetime.fromisoformat(filed["filed_at"]))
    assert filed["deadline"] == add_working_days(filed_on, 3).isoformat()
    assert filed["overdue"] is False

    done = await wait_for_status(gateway, filed["id"], "resolved")

    assert kinds(done) == ["received", "verified", "forwarded", "dispatched", "resolved"]
    assert done["agency_reference"].startswith("SAMSAT-ADU-")
    assert "SAMSAT" in done["answer"]
    assert done["deadline"] is None
    dispatched_on = jakarta_today(dt.datetime.fromisoformat(done["history"][3]["at"]))
    assert done["stage_deadlines"]["follow_up"] == add_working_days(dispatched_on, 5).isoformat()
    journal = (await quick_agencies.http.get("http://vehicle-tax.test/_control/requests")).json()
    assert [e["path"] for e in journal] == ["/samsat/pengaduan"]
    civil = (await quick_agencies.http.get("http://civil-registry.test/_control/requests")).json()
    assert civil == []


@pytest.mark.parametrize(
    ("body", "agency", "routed_by", "ticket"),
    [
        (
            {
                "subject": "NIB belum terbit",
                "description": "Permohonan izin usaha di OSS belum ada kabar.",
            },
            "investment_licensing",
            "keywords",
            "ADU-OSS-",
        ),
        (
            {
                "subject": "Data di KTP salah",
                "description": "Alamat saya belum diperbarui di kartu keluarga.",
                "addressed_to": "investment_licensing",
            },
            "civil_registry",
            "keywords",
            "DKC-ADU-",
        ),
        (
            {
                "subject": "Pelayanan lambat",
                "description": "Petugas tidak memberi penjelasan yang jelas kepada saya.",
                "category": "vehicles",
            },
            "vehicle_tax",
            "category",
            "SAMSAT-ADU-",
        ),
        (
            {
                "subject": "Pelayanan lambat",
                "description": "Petugas tidak memberi penjelasan yang jelas kepada saya.",
                "addressed_to": "investment_licensing",
            },
            "investment_licensing",
            "addressed_agency",
            "ADU-OSS-",
        ),
    ],
)
async def test_every_door_reaches_the_agency_the_evidence_points_to(
    gateway, quick_agencies, personas, body, agency, routed_by, ticket
):
    filed = await file(gateway, nik=personas["family"].nik, **body)

    assert (filed["agency"], filed["routing"]["routed_by"]) == (agency, routed_by)
    done = await wait_for_status(gateway, filed["id"], "resolved")
    assert done["agency_reference"].startswith(ticket)


async def test_a_complaint_about_a_service_request_goes_to_its_agency(
    gateway, quick_agencies, personas
):
    persona = personas["nothing"]
    submitted = await gateway.post(
        "/v1/service-requests",
        json={
            "service": "business-registration",
            "nik": persona.nik,
            "data": {
                "business_name": "Warung Kopi Senja",
                "kbli": ["56102"],
                "address": {"street": "Jl. Malioboro No. 5", "village_code": "34.71.07.1001"},
            },
        },
    )
    request_id = submitted.json()["id"]

    filed = await file(
        gateway,
        nik=persona.nik,
        addressed_to="vehicle_tax",
        subject="Permohonan saya lama",
        description="Tolong dicek, saya menunggu terlalu lama untuk hasilnya.",
        service_request_id=request_id,
    )

    assert filed["agency"] == "investment_licensing"
    assert filed["routing"]["routed_by"] == "service_request"
    assert request_id in filed["routing"]["reason"]


async def test_an_agency_that_is_down_delays_a_complaint_but_never_loses_it(
    gateway, quick_agencies, personas
):
    await quick_agencies.set_faults("vehicle_tax", down=True)
    filed = await file(
        gateway,
        nik=personas["several_vehicles_overdue"].nik,
        subject="STNK belum disahkan",
        description="Pajak kendaraan sudah saya bayar tetapi STNK belum disahkan.",
    )
    assert filed["agency"] == "vehicle_tax"
    await wait_for_status(gateway, filed["id"], "verified", timeout_s=1)

    await quick_agencies.set_faults("vehicle_tax", down=False)

    done = await wait_for_status(gateway, filed["id"], "resolved", timeout_s=15)
    assert kinds(done)[-2:] == ["dispatched", "resolved"]


async def test_a_stage_past_its_deadline_is_flagged_overdue(
    gateway, gateway_app, agencies, personas
):
    await agencies.set_faults("civil_registry", down=True)
    filed = await file(
        gateway,
        nik=personas["woman"].nik,
        subject="KTP-el belum jadi",
        description="Perekaman KTP-el saya sudah lama tetapi kartu belum dicetak.",
    )
    async with gateway_app.state.requests.sessions.begin() as session:
        await session.execute(
            update(ComplaintRecord)
            .where(ComplaintRecord.id == filed["id"])
            .values(verification_due=dt.date(2026, 1, 5))
        )

    found = (await gateway.get(f"/v1/complaints/{filed['id']}")).json()

    assert found["status"] == "verified"
    assert found["overdue"] is True
    assert found["deadline"] == "2026-01-05"


async def test_only_overdue_complaints_are_listed_and_disclosed_when_asked(
    gateway, gateway_app, agencies, personas
):
    await agencies.set_faults("civil_registry", down=True)
    nik = personas["woman"].nik
    late, in_time = [
        await file(gateway, nik=nik, subject=subject, description=text)
        for subject, text in (
            ("KTP-el belum jadi", "Perekaman KTP-el saya sudah lama tetapi kartu belum dicetak."),
            ("KK belum diperbarui", "Kartu keluarga saya belum diperbarui setelah menikah."),
        )
    ]
    async with gateway_app.state.requests.sessions.begin() as session:
        await session.execute(
            update(ComplaintRecord)
            .where(ComplaintRecord.id == late["id"])
            .values(verification_due=dt.date(2026, 1, 5))
        )

    overdue = (await gateway.get("/v1/complaints", params={"nik": nik, "overdue": "true"})).json()
    timely = (await gateway.get("/v1/complaints", params={"nik": nik, "overdue": "false"})).json()

    assert [c["id"] for c in overdue["items"]] == [late["id"]]
    assert overdue["items"][0]["overdue"] is True
    assert [c["id"] for c in timely["items"]] == [in_time["id"]]
    bad = await gateway.get("/v1/complaints", params={"overdue": "sometimes"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "overdue"


async def test_lists_filter_by_citizen_status_and_agency(gateway, quick_agencies, personas):
    nik = personas["several_vehicles_overdue"].nik
    about_tax = await file(
        gateway,
        nik=nik,
        subject="Pajak kendaraan",
        description="Pajak kendaraan saya salah hitung.",
    )
    about_id = await file(
        gateway, nik=nik, subject="KTP hilang", description="Saya butuh KTP-el pengganti segera."
    )
    await file(
        gateway,
        nik=personas["family"].nik,
        subject="Pajak kendaraan",
        description="Pajak kendaraan keluarga kami terlambat diproses.",
    )

    mine = (await gateway.get("/v1/complaints", params={"nik": nik})).json()
    assert {c["id"] for c in mine["items"]} == {about_tax["id"], about_id["id"]}
    tax = (await gateway.get("/v1/complaints", params={"nik": nik, "agency": "vehicle_tax"})).json()
    assert [c["id"] for c in tax["items"]] == [about_tax["id"]]
    first = (await gateway.get("/v1/complaints", params={"nik": nik, "limit": 1})).json()
    rest = (
        await gateway.get(
            "/v1/complaints", params={"nik": nik, "limit": 1, "cursor": first["next_cursor"]}
        )
    ).json()
    assert [c["id"] for c in first["items"] + rest["items"]] == [about_id["id"], about_tax["id"]]
    await wait_for_status(gateway, about_tax["id"], "resolved")
    resolved = (
        await gateway.get("/v1/complaints", params={"status": "resolved", "nik": nik})
    ).json()
    assert about_tax["id"] in {c["id"] for c in resolved["items"]}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"nik": "3171073102900001"}, "nik"),
        ({"addressed_to": "ministry_of_magic"}, "addressed_to"),
        ({"service": "passport-renewal"}, "service"),
        ({"category": "astrology"}, "category"),
        ({"service_request_id": "no-such-request"}, "service_request_id"),
        ({"service_date": "2020-01-01"}, "service_date"),
        ({"subject": "hi"}, "subject"),
        ({"description": None}, "description"),
    ],
)
async def test_bad_complaints_are_problems_naming_the_field(
    gateway, agencies, personas, changes, field
):
    body = {
        "nik": personas["family"].nik,
        "subject": "Pajak kendaraan",
        "description": "Pajak kendaraan keluarga kami terlambat diproses.",
        **changes,
    }

    response = await gateway.post("/v1/complaints", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert field in {e["field"] for e in response.json()["errors"]}
    assert agencies.total_calls() == 0


async def test_a_complaint_nothing_points_anywhere_asks_for_a_service_or_agency(gateway, personas):
    response = await gateway.post(
        "/v1/complaints",
        json={
            "nik": personas["family"].nik,
            "subject": "Pelayanan lambat",
            "description": "Petugas tidak memberi penjelasan yang jelas kepada saya.",
        },
    )

    assert response.status_code == 422
    assert "name a service, a category or an agency" in response.json()["detail"]


async def test_an_unknown_complaint_is_a_404_problem(gateway):
    response = await gateway.get("/v1/complaints/4f1c8a5e-0000-0000-0000-000000000000")

    assert response.status_code == 404
    assert response.json()["type"].endswith("/complaint-not-found")


async def test_a_portal_cannot_learn_that_another_citizens_request_exists(
    gateway, gateway_app, personas
):
    owner, other = personas["family"], personas["woman"]
    created = await submit(gateway, "vehicle-tax-renewal", owner.nik, plate_number=owner.plates[0])
    body = {
        "nik": other.nik,
        "subject": "Permohonan lambat",
        "description": "Permohonan saya belum selesai diproses sampai hari ini.",
    }
    portal = await credentials(gateway_app, subject_nik=other.nik, purpose=None)

    async with client_of(gateway_app, portal) as citizen:
        someone_elses = await citizen.post(
            "/v1/complaints", json={**body, "service_request_id": created["id"]}
        )
        unknown = await citizen.post(
            "/v1/complaints",
            json={**body, "service_request_id": "00000000-0000-0000-0000-000000000000"},
        )

    assert someone_elses.status_code == unknown.status_code == 422
    assert someone_elses.json()["errors"] == unknown.json()["errors"]
