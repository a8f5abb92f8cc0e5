"""Service requests over the real simulators: each service end to end, and every way it can
go wrong."""

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select, update

from app.db.models import ServiceRequestRecord
from app.workflows.calendar import add_working_days, is_working_day
from tests.conftest import credentials
from tests.service_request_helpers import steps, submit, wait_for

PROBLEM = "application/problem+json"


def _overdue_plate(agencies, persona) -> str:
    from simulators.world import default_world

    world = default_world()
    plate: str = next(p for p in persona.plates if world.vehicles[p].pkb_due < world.reference_date)
    return plate


async def test_vehicle_tax_renewal_from_payment_code_to_receipt(gateway, agencies, personas):
    persona = personas["several_vehicles_overdue"]
    plate = _overdue_plate(agencies, persona)
    before = (await gateway.get(f"/v1/vehicles/{plate}")).json()["vehicle"]["tax"]
    response = await gateway.post(
        "/v1/service-requests",
        json={
            "service": "vehicle-tax-renewal",
            "nik": persona.nik,
            "data": {"plate_number": plate},
        },
    )

    assert response.status_code == 202
    created = response.json()
    assert response.headers["location"].endswith(f"/v1/service-requests/{created['id']}")
    assert [s["name"] for s in created["steps"]] == [
        "verify_owner",
        "issue_payment_code",
        "pay_tax",
    ]
    assert created["status"] == "submitted"
    assert is_working_day(dt.date.fromisoformat(created["sla_deadline"]))

    awaiting = await wait_for(gateway, created["id"], {"awaiting_payment"})
    payment = awaiting["payment"]
    assert payment["amount"] == before["total"]
    assert len(payment["payment_code"]) == 16

    paid = await gateway.post(
        f"/v1/service-requests/{created['id']}/payment",
        json={"payment_code": payment["payment_code"], "amount": payment["amount"]},
    )
    assert paid.status_code == 202
    done = await wait_for(gateway, created["id"], {"completed"})

    receipt = done["product"]["receipt"]
    assert receipt["receipt_number"]
    assert receipt["amount"] == before["total"]
    due = dt.date.fromisoformat(before["due_date"])
    assert receipt["next_due_date"] == due.replace(year=due.year + 1).isoformat()
    after = (await gateway.get(f"/v1/vehicles/{plate}")).json()["vehicle"]["tax"]
    assert after["status"] == "paid"
    assert done["timeline"][0]["status"] == "submitted"
    assert done["timeline"][-1]["status"] == "completed"
    assert all(s["agency_reference"] for s in done["steps"] if s["name"] != "verify_owner")


async def test_renewal_of_someone_elses_vehicle_is_rejected(gateway, personas):
    plate = personas["several_vehicles_overdue"].plates[0]
    created = await submit(
        gateway, "vehicle-tax-renewal", personas["family"].nik, plate_number=plate
    )
    rejected = await wait_for(gateway, created["id"], {"rejected"})

    assert "not registered to this NIK" in rejected["rejection_reason"]
    assert steps(rejected) == {
        "verify_owner": "failed",
        "issue_payment_code": "skipped",
        "pay_tax": "skipped",
    }


async def test_renewal_for_a_deceased_owner_is_rejected(gateway, personas):
    persona = personas["deceased"]
    created = await submit(
        gateway, "vehicle-tax-renewal", persona.nik, plate_number=persona.plates[0]
    )
    rejected = await wait_for(gateway, created["id"], {"rejected"})

    assert "deceased" in rejected["rejection_reason"]


async def test_wrong_payment_is_refused_and_changes_nothing(gateway, agencies, personas):
    persona = personas["several_vehicles_overdue"]
    created = await submit(
        gateway,
        "vehicle-tax-renewal",
        persona.nik,
        plate_number=_overdue_plate(agencies, persona),
    )
    awaiting = await wait_for(gateway, created["id"], {"awaiting_payment"})
    code = awaiting["payment"]["payment_code"]

    wrong = await gateway.post(
        f"/v1/service-requests/{created['id']}/payment",
        json={"payment_code": code, "amount": awaiting["payment"]["amount"] - 1},
    )
    assert wrong.status_code == 422
    assert wrong.json()["type"].endswith("/payment-mismatch")
    still = (await gateway.get(f"/v1/service-requests/{created['id']}")).json()
    assert still["status"] == "awaiting_payment"


async def test_cancelling_voids_the_payment_code_at_samsat(gateway, agencies, personas):
    persona = personas["several_vehicles_overdue"]
    created = await submit(
        gateway,
        "vehicle-tax-renewal",
        persona.nik,
        plate_number=_overdue_plate(agencies, persona),
    )
    awaiting = await wait_for(gateway, created["id"], {"awaiting_payment"})

    cancel = await gateway.post(f"/v1/service-requests/{created['id']}/cancel")
    assert cancel.status_code == 202
    cancelled = await wait_for(gateway, created["id"], {"cancelled"})

    assert steps(cancelled)["pay_tax"] == "skipped"
    assert steps(cancelled)["void_payment_code"] == "done"
    log = (await agencies.http.get(f"{_host(agencies, 'vehicle_tax')}/_control/requests")).json()
    assert [r["path"] for r in log].count("/samsat/batal") == 1
    late = await gateway.post(
        f"/v1/service-requests/{created['id']}/payment",
        json={"payment_code": awaiting["payment"]["payment_code"], "amount": 1},
    )
    assert late.status_code == 409
    assert late.json()["type"].endswith("/invalid-state")
    again = await gateway.post(f"/v1/service-requests/{created['id']}/cancel")
    assert again.status_code == 409


def _host(agencies, code: str) -> str:
    from tests.conftest import AGENCY_HOSTS

    return AGENCY_HOSTS[code]


async def test_low_risk_business_gets_its_nib_at_once(gateway, personas):
    nik = personas["nothing"].nik
    created = await submit(
        gateway,
        "business-registration",
        nik,
        business_name="Warung Kopi Senja",
        kbli=["56102"],
        address={"street": "Jl. Malioboro No. 5", "village_code": "34.71.07.1001"},
    )
    done = await wait_for(gateway, created["id"], {"completed"})

    assert done["product"]["risk_level"] == "low"
    assert done["product"]["permit"] == {
        "kind": None,
        "status": "not_required",
        "number": None,
        "decided_at": done["product"]["permit"]["decided_at"],
        "reason": None,
        "deadline": None,
    }
    nib = done["product"]["nib"]
    assert len(nib) == 13
    businesses = (await gateway.get(f"/v1/citizens/{nik}/businesses")).json()["items"]
    assert nib in [b["nib"] for b in businesses]


async def test_high_risk_business_waits_for_verification_then_completes(
    gateway, agencies, personas
):
    await agencies.set_faults("investment_licensing", verification_seconds=0.5)
    created = await submit(
        gateway,
        "business-registration",
        personas["nothing"].nik,
        business_name="Klinik Pratama Sehat",
        kbli=["86105"],
        address={"street": "Jl. Kaliurang Km 5", "village_code": "34.71.07.1001"},
    )
    waiting = await wait_for(gateway, created["id"], {"awaiting_agency"})
    assert steps(waiting)["await_decision"] == "waiting"

    done = await wait_for(gateway, created["id"], {"completed"})
    product = done["product"]
    assert product["risk_level"] == "high"
    assert len(product["nib"]) == 13
    permit = product["permit"]
    assert (permit["kind"], permit["status"], permit["reason"]) == ("licence", "issued", None)
    assert permit["number"] == product["nib"] + "0001"
    assert permit["decided_at"] is not None
    # OSS's verification deadline: 10 working days from submission, within the request's 11.
    assert permit["deadline"] <= done["sla_deadline"]


async def test_a_refused_permit_keeps_the_nib_and_completes_the_request(
    gateway, agencies, personas
):
    """OSS issues the NIB at registration for every risk level; a refusal refuses the licence
    only. The citizen receives a product (the NIB), so the request ends completed, and the
    product's permit says refused, with the authority's reason."""
    nik = personas["nothing"].nik
    await agencies.set_faults("investment_licensing", verification_seconds=0.2)
    created = await submit(
        gateway,
        "business-registration",
        nik,
        business_name="Klinik DITOLAK",
        kbli=["86105"],
        address={"street": "Jl. Kaliurang Km 5", "village_code": "34.71.07.1001"},
    )
    done = await wait_for(gateway, created["id"], {"completed"})

    assert done["rejection_reason"] is None
    permit = done["product"]["permit"]
    assert (permit["kind"], permit["status"]) == ("licence", "refused")
    assert "verifikasi" in permit["reason"].lower()
    businesses = (await gateway.get(f"/v1/citizens/{nik}/businesses")).json()["items"]
    [business] = [b for b in businesses if b["nib"] == done["product"]["nib"]]
    assert [(p["type"], p["status"]) for p in business["activities"][0]["permits"]] == [
        ("nib", "issued"),
        ("licence", "rejected"),
    ]


async def test_unknown_kbli_is_rejected_by_the_agency(gateway, personas):
    created = await submit(
        gateway,
        "business-registration",
        personas["nothing"].nik,
        business_name="Usaha Misterius",
        kbli=["99999"],
        address={"street": "Jl. Mawar 1", "village_code": "34.71.07.1001"},
    )
    rejected = await wait_for(gateway, created["id"], {"rejected"})

    assert "99999" in rejected["rejection_reason"]


async def test_address_change_is_acknowledged_by_every_agency(gateway, personas):
    persona = personas["family"]
    created = await submit(
        gateway,
        "address-change",
        persona.nik,
        street="Jl. Pandanaran No. 10",
        rt="002",
        rw="004",
        village_code="33.74.09.1001",
    )
    done = await wait_for(gateway, created["id"], {"completed"})

    acknowledged = done["product"]["acknowledged_by"]
    assert acknowledged["vehicle_tax"]["records_updated"] == len(persona.plates)
    assert acknowledged["investment_licensing"]["records_updated"] == len(persona.nibs)
    assert done["product"]["registration_number"]
    identity = (await gateway.get(f"/v1/citizens/{persona.nik}?include=family")).json()
    assert identity["identity"]["address"]["street"] == "JL. PANDANARAN NO. 10"
    assert identity["identity"]["address"]["village"]["code"] == "33.74.09.1001"


async def test_a_down_agency_is_retried_until_it_answers(gateway, agencies, personas):
    await agencies.set_faults("investment_licensing", down=True)
    created = await submit(
        gateway,
        "business-registration",
        personas["nothing"].nik,
        business_name="Warung Retry",
        kbli=["56102"],
        address={"street": "Jl. Mawar 2", "village_code": "34.71.07.1001"},
    )
    for _ in range(200):
        body = (await gateway.get(f"/v1/service-requests/{created['id']}")).json()
        submit_step = next(s for s in body["steps"] if s["name"] == "submit_registration")
        if submit_step["attempts"] >= 1 and submit_step["state"] == "pending":
            break
        await asyncio.sleep(0.05)
    assert body["status"] == "in_progress"
    assert "503" in submit_step["detail"]

    await agencies.set_faults("investment_licensing", down=False)
    done = await wait_for(gateway, created["id"], {"completed"}, timeout_s=20)
    assert next(s for s in done["steps"] if s["name"] == "submit_registration")["attempts"] >= 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"service": "vehicle-tax-renewal", "nik": "3174101704820001", "data": {}},
            "data.plate_number",
        ),
        (
            {
                "service": "vehicle-tax-renewal",
                "nik": "3174101704820001",
                "data": {"plate_number": "1234"},
            },
            "data.plate_number",
        ),
        (
            {
                "service": "vehicle-tax-renewal",
                "nik": "3174101704820001",
                "data": {"plate_number": "B 1 A", "colour": "red"},
            },
            "data.colour",
        ),
        (
            {"service": "vehicle-tax-renewal", "nik": "123", "data": {"plate_number": "B 1 A"}},
            "nik",
        ),
        ({"service": "passport", "nik": "3174101704820001", "data": {}}, "service"),
        (
            {
                "service": "address-change",
                "nik": "3174101704820001",
                "data": {
                    "street": "Jl. A",
                    "rt": "1",
                    "rw": "002",
                    "village_code": "31.74.10.1004",
                },
            },
            "data.rt",
        ),
    ],
)
async def test_bad_input_is_a_problem_naming_the_field_and_nothing_is_stored(
    gateway, gateway_app, agencies, body, field
):
    async def stored() -> int:
        async with gateway_app.state.engine.connect() as conn:
            count = await conn.scalar(select(func.count()).select_from(ServiceRequestRecord))
        return int(count or 0)

    before = await stored()
    response = await gateway.post("/v1/service-requests", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]
    assert await stored() == before
    assert agencies.total_calls() == 0


async def test_unknown_request_is_404(gateway):
    response = await gateway.get("/v1/service-requests/00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404
    assert response.json()["type"].endswith("/service-request-not-found")


async def test_replaying_a_post_100_times_at_once_creates_one_request(
    gateway, gateway_app, personas
):
    body = {
        "service": "address-change",
        "nik": personas["woman"].nik,
        "data": {
            "street": "Jl. Sudirman 1",
            "rt": "001",
            "rw": "001",
            "village_code": "14.71.10.1002",
        },
    }
    responses = await asyncio.gather(
        *(
            gateway.post("/v1/service-requests", json=body, headers={"Idempotency-Key": "k-100"})
            for _ in range(100)
        )
    )

    assert {r.status_code for r in responses} == {202}
    assert len({r.json()["id"] for r in responses}) == 1
    async with gateway_app.state.engine.connect() as conn:
        stored = await conn.scalar(
            select(func.count())
            .select_from(ServiceRequestRecord)
            .where(ServiceRequestRecord.nik == personas["woman"].nik)
        )
    assert stored == 1


async def test_same_key_with_another_body_is_refused(gateway, personas):
    first = {
        "service": "vehicle-tax-renewal",
        "nik": personas["family"].nik,
        "data": {"plate_number": personas["family"].plates[0]},
    }
    second = {**first, "data": {"plate_number": "B 1 A"}}
    headers = {"Idempotency-Key": "k-reused"}

    assert (
        await gateway.post("/v1/service-requests", json=first, headers=headers)
    ).status_code == 202
    refused = await gateway.post("/v1/service-requests", json=second, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("/idempotency-key-reused")


async def test_requests_are_listed_newest_first_by_cursor(gateway, personas):
    nik = personas["every_risk_business"].nik
    created = [
        await submit(
            gateway,
            "address-change",
            nik,
            street=f"Jl. Nomor {i}",
            rt="001",
            rw="001",
            village_code="14.71.10.1002",
        )
        for i in range(3)
    ]
    first = (await gateway.get("/v1/service-requests", params={"nik": nik, "limit": 2})).json()
    second = (
        await gateway.get(
            "/v1/service-requests", params={"nik": nik, "limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()

    listed = [r["id"] for r in first["items"] + second["items"]]
    assert listed == [r["id"] for r in reversed(created)]
    assert second["next_cursor"] is None
    renewals = (
        await gateway.get(
            "/v1/service-requests", params={"nik": nik, "service": "vehicle-tax-renewal"}
        )
    ).json()
    assert renewals["items"] == []
    bad = await gateway.get("/v1/service-requests", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"


def test_deadlines_skip_weekends_public_holidays_and_collective_leave():
    # Lebaran 2026: Nyepi on 19 March, collective leave 18, 20, 23 and 24 March.
    assert add_working_days(dt.date(2026, 3, 17), 1) == dt.date(2026, 3, 25)
    # Friday + 1 working day is Monday; on a Saturday, "at once" means Monday.
    assert add_working_days(dt.date(2026, 11, 20), 1) == dt.date(2026, 11, 23)
    assert add_working_days(dt.date(2026, 11, 21), 0) == dt.date(2026, 11, 23)
    # Independence Day, 17 August 2026, a Monday.
    assert add_working_days(dt.date(2026, 8, 14), 1) == dt.date(2026, 8, 18)


async def test_an_unknown_village_is_refused_before_any_agency_is_asked(
    gateway, agencies, personas
):
    response = await gateway.post(
        "/v1/service-requests",
        json={
            "service": "address-change",
            "nik": personas["woman"].nik,
            "data": {
                "street": "Jl. A 1",
                "rt": "001",
                "rw": "001",
                "village_code": "14.71.10.1001",
            },
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "data.village_code"
    assert agencies.total_calls() == 0


async def test_who_submitted_and_read_a_request_is_recorded(gateway, gateway_app, personas):
    from app.db.models import AccessRecord

    nik = personas["family"].nik
    created = await gateway.post(
        "/v1/service-requests",
        json={
            "service": "vehicle-tax-renewal",
            "nik": nik,
            "data": {"plate_number": personas["family"].plates[0]},
        },
        headers=await credentials(gateway_app, name="samsat online", purpose="renewal"),
    )
    read = await gateway.get(
        f"/v1/service-requests/{created.json()['id']}",
        headers=await credentials(gateway_app, name="portal", subject_nik=nik, purpose=None),
    )

    async with gateway_app.state.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    AccessRecord.client_id,
                    AccessRecord.purpose,
                    AccessRecord.operation,
                    AccessRecord.subject_nik,
                )
                .where(
                    AccessRecord.request_id.in_(
                        [created.headers["x-request-id"], read.headers["x-request-id"]]
                    )
                )
                .order_by(AccessRecord.id)
            )
        ).all()
    (submitter, *submitted), (reader, *read_by) = rows
    assert submitter.startswith("samsat-online-")
    assert submitted == ["renewal", "service_request.submit", nik]
    assert reader.startswith("portal-")
    assert read_by == ["citizen self-service", "service_request.read", nik]


async def test_an_unpaid_code_that_expires_ends_the_request_and_is_voided(
    gateway, gateway_app, agencies, personas, monkeypatch
):
    from app.workflows import steps as workflow_steps

    persona = personas["several_vehicles_overdue"]
    created = await submit(
        gateway,
        "vehicle-tax-renewal",
        persona.nik,
        plate_number=_overdue_plate(agencies, persona),
    )
    awaiting = await wait_for(gateway, created["id"], {"awaiting_payment"})
    valid_until = dt.datetime.fromisoformat(awaiting["payment"]["valid_until"])
    monkeypatch.setattr(workflow_steps, "_now", lambda: valid_until + dt.timedelta(seconds=1))
    # the citizen looks again after expiry: nudging the request makes the worker re-check it
    async with gateway_app.state.engine.begin() as conn:
        await conn.execute(
            update(ServiceRequestRecord)
            .where(ServiceRequestRecord.id == created["id"])
            .values(next_run_at=dt.datetime.now(dt.UTC))
        )
    expired = await wait_for(gateway, created["id"], {"rejected"})

    assert expired["rejection_reason"] == "the payment code expired before it was paid"
    assert steps(expired)["void_payment_code"] == "done"
