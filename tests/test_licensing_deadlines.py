"""PP 28/2025's per-stage deadlines and deemed approval, end to end through the gateway: the
catalogue's stages, a request waiting with both deadlines named, the permit deemed approved
(fiktif positif) once OSS's calendar passes the verification deadline, and one the authority
decides in time.

Hand-computed fixture (2026 calendar; public holidays and collective leave as the `holidays`
package lists them): submitted Tuesday 3 March 2026; ten working days are Wed 4, Thu 5, Fri 6,
Mon 9 - Fri 13, Mon 16, Tue 17 March: the verification deadline is Tuesday 17 March. Wed 18
(Nyepi collective leave), Thu 19 (Nyepi), Fri 20 (Idul Fitri collective leave), Sat 21 and
Sun 22 (Idul Fitri), Mon 23 and Tue 24 (collective leave) are all off, so OSS deems the
undecided certificate approved at the start of Wednesday 25 March 2026, 00:00 WIB, the
eleventh working day, which is also the request's deadline.
"""

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.workflows.calendar import JAKARTA
from tests.conftest import AGENCY_HOSTS
from tests.service_request_helpers import steps, submit, wait_for

OSS = AGENCY_HOSTS["investment_licensing"]
SUBMITTED = "2026-03-03T09:30:00+07:00"
WAREHOUSE = {
    "business_name": "Gudang Sembako Lebaran",
    "kbli": ["52101"],  # warehousing: medium-high risk, a standard certificate to verify
    "address": {"street": "Jl. Kaliurang Km 5", "village_code": "34.71.07.1001"},
}


@pytest.fixture
async def oss_calendar(agencies: Any) -> AsyncIterator[Any]:
    """Sets OSS's calendar for the test, and returns it to the real one afterwards."""

    async def set_to(moment: str) -> None:
        response = await agencies.http.put(f"{OSS}/_control/calendar", json={"now": moment})
        response.raise_for_status()

    yield set_to
    (await agencies.http.delete(f"{OSS}/_control/calendar")).raise_for_status()


async def test_the_catalogue_shows_each_stage_and_its_working_days(gateway: httpx.AsyncClient):
    services = (await gateway.get("/v1/services")).json()["items"]
    [registration] = [s for s in services if s["code"] == "business-registration"]
    stages = registration["stages"]
    assert [(s["working_days"], s["deemed_approval"]) for s in stages] == [
        (0, False),  # the NIB, at once for every risk level
        (10, True),  # the authority's verification; past it, OSS issues the permit
        (1, False),  # the working day on which OSS issues it
    ]
    assert sum(s["working_days"] for s in stages) == registration["working_days"] == 11
    assert "fiktif positif" in stages[2]["name_id"]


async def test_an_undecided_permit_is_deemed_approved_the_working_day_after_lebaran(
    gateway: httpx.AsyncClient, agencies: Any, personas: Any, oss_calendar: Any
):
    await agencies.set_faults("investment_licensing", verification_seconds=86400)
    await oss_calendar(SUBMITTED)
    created = await submit(gateway, "business-registration", personas["nothing"].nik, **WAREHOUSE)
    waiting = await wait_for(gateway, created["id"], {"awaiting_agency"})
    [decision] = [s for s in waiting["steps"] if s["name"] == "await_decision"]
    assert decision["state"] == "waiting"
    assert "due by 2026-03-17" in decision["detail"]
    assert "deemed approved on 2026-03-25" in decision["detail"]

    await oss_calendar("2026-03-25T08:00:00+07:00")
    done = await wait_for(gateway, created["id"], {"completed"})
    product = done["product"]
    assert product["risk_level"] == "medium_high"
    permit = product["permit"]
    assert (permit["kind"], permit["status"], permit["reason"]) == (
        "standard_certificate",
        "deemed_approved",
        None,
    )
    assert permit["deadline"] == "2026-03-17"
    assert permit["number"] == product["nib"] + "0001"
    assert dt.datetime.fromisoformat(permit["decided_at"]) == dt.datetime(
        2026, 3, 25, tzinfo=JAKARTA
    )
    assert steps(done)["await_decision"] == "done"
    businesses = (await gateway.get(f"/v1/citizens/{personas['nothing'].nik}/businesses")).json()[
        "items"
    ]
    [business] = [b for b in businesses if b["nib"] == product["nib"]]
    assert [(p["type"], p["status"]) for p in business["activities"][0]["permits"]] == [
        ("nib", "issued"),
        ("standard_certificate", "issued"),
    ]


async def test_a_permit_decided_in_time_is_the_authoritys_not_deemed(
    gateway: httpx.AsyncClient, agencies: Any, personas: Any, oss_calendar: Any
):
    await agencies.set_faults("investment_licensing", verification_seconds=0.2)
    await oss_calendar(SUBMITTED)
    created = await submit(gateway, "business-registration", personas["nothing"].nik, **WAREHOUSE)
    done = await wait_for(gateway, created["id"], {"completed"})
    permit = done["product"]["permit"]
    assert (permit["status"], permit["deadline"]) == ("issued", "2026-03-17")
    assert dt.datetime.fromisoformat(permit["decided_at"]).astimezone(JAKARTA).date() == (
        dt.date(2026, 3, 3)
    )
