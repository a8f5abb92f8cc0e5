"""The satisfaction survey and its index, computed as PermenPANRB 14/2017 does.

The regulation gives the method (per-element means, equal weights of 1/9, the sum times 25)
and the table of intervals and grades, but no numeric worked example; the example here is
computed by hand with that method and written out in full, so it can be checked on paper:

| respondent | U1 | U2 | U3 | U4 | U5 | U6 | U7 | U8 | U9 |
|------------|----|----|----|----|----|----|----|----|----|
| 1          | 4  | 3  | 4  | 4  | 3  | 3  | 4  | 3  | 3  |
| 2          | 3  | 3  | 3  | 4  | 3  | 3  | 3  | 3  | 3  |
| 3          | 3  | 2  | 3  | 4  | 3  | 3  | 3  | 2  | 3  |
| 4          | 3  | 4  | 3  | 4  | 4  | 3  | 4  | 3  | 3  |
| NRR        |3.25|3.00|3.25|4.00|3.25|3.00|3.50|2.75|3.00|

Sum of the means 29.00; IKM = 29/9 = 3.2222; converted 3.2222... x 25 = 80.56, grade B
(76.61-88.30, baik). U1 weighted 3.25/9 = 0.361; U8 2.75 x 25 = 68.75, grade C.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import ROUND_HALF_UP, Decimal

import httpx
import pytest
from fastapi import FastAPI

from app.auth.scopes import ClientKind, Scope
from app.reports.skm import ELEMENTS, grade_of, satisfaction_index
from tests.conftest import client_of, credentials
from tests.service_request_helpers import submit, wait_for

PROBLEM = "application/problem+json"
FIELDS = [e.field for e in ELEMENTS]
WORKED_EXAMPLE = [
    [4, 3, 4, 4, 3, 3, 4, 3, 3],
    [3, 3, 3, 4, 3, 3, 3, 3, 3],
    [3, 2, 3, 4, 3, 3, 3, 2, 3],
    [3, 4, 3, 4, 4, 3, 4, 3, 3],
]


def _answers(scores: list[int]) -> dict[str, int]:
    return dict(zip(FIELDS, scores, strict=True))


def test_the_hand_computed_example_to_the_published_decimals():
    result = satisfaction_index([_answers(row) for row in WORKED_EXAMPLE])

    assert result is not None
    assert [str(e.mean) for e in result.elements] == [
        "3.25", "3.00", "3.25", "4.00", "3.25", "3.00", "3.50", "2.75", "3.00",
    ]  # fmt: skip
    assert str(result.elements[0].weighted) == "0.361"
    assert [e.grade.letter for e in result.elements] == [
        "B",
        "C",
        "B",
        "A",
        "B",
        "C",
        "B",
        "C",
        "C",
    ]
    assert str(result.index) == "3.2222"
    assert str(result.converted) == "80.56"
    assert (result.grade.letter, result.grade.name_id) == ("B", "Baik")


@pytest.mark.parametrize(
    ("scores", "converted", "grade"),
    [
        ([4] * 9, "100.00", "A"),
        ([1] * 9, "25.00", "D"),
        # 8 x 4 + 3 = 35 -> 35/9 x 25 = 97.22
        ([4] * 8 + [3], "97.22", "A"),
        # 3 x 4 + 6 x 3 = 30 -> 83.33, inside B
        ([4, 4, 4, 3, 3, 3, 3, 3, 3], "83.33", "B"),
        # 27 + ... : all 3 is 75.00, inside C (65.00-76.60)
        ([3] * 9, "75.00", "C"),
        # 6 x 3 + 3 x 2 = 24 -> 66.67, C; 5 x 3 + 4 x 2 = 23 -> 63.89, D
        ([3, 3, 3, 3, 3, 3, 2, 2, 2], "66.67", "C"),
        ([3, 3, 3, 3, 3, 2, 2, 2, 2], "63.89", "D"),
    ],
)
def test_grades_follow_the_regulations_intervals(scores, converted, grade):
    result = satisfaction_index([_answers(scores)])

    assert result is not None
    assert (str(result.converted), result.grade.letter) == (converted, grade)


def test_exact_ninths_not_the_rounded_0_111_near_the_a_b_boundary():
    """The regulation's weight is 1 divided by the number of elements, exactly 1/9; many
    spreadsheets round it to 0.111, which moves this case across the A/B boundary.

    Five respondents: four answer 4,4,4,4,4,3,3,3,3 (32 points), one 4,4,4,4,3,3,3,3,3 (31).
    Element means: U1-U4 4.00; U5 (4+4+4+4+3)/5 = 3.80; U6-U9 3.00. Sum 16 + 3.8 + 12 = 31.8.
    Exact: 31.8 / 9 = 3.5333..., x 25 = 88.333... -> 88.33 >= 88.31: A (sangat baik).
    Rounded: 31.8 x 0.111 = 3.5298 (under 3.5324, B on the 1-4 scale too), x 25 = 88.245
    -> 88.25 (half up), inside B's 76.61-88.30: B (baik).
    """
    four_fours = [4, 4, 4, 4, 4, 3, 3, 3, 3]
    last = [4, 4, 4, 4, 3, 3, 3, 3, 3]
    result = satisfaction_index([_answers(four_fours)] * 4 + [_answers(last)])

    assert result is not None
    assert [str(e.mean) for e in result.elements] == [
        "4.00", "4.00", "4.00", "4.00", "3.80", "3.00", "3.00", "3.00", "3.00",
    ]  # fmt: skip
    assert (str(result.index), str(result.converted), result.grade.letter) == (
        "3.5333",
        "88.33",
        "A",
    )
    # The spreadsheet's figures, by the same published rounding: a grade lower.
    rounded = (Decimal("31.8") * Decimal("0.111") * 25).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    assert (str(rounded), grade_of(rounded).letter) == ("88.25", "B")


def test_no_respondents_is_no_index():
    assert satisfaction_index([]) is None


@asynccontextmanager
async def _citizen(
    app: FastAPI, nik: str, kind: ClientKind = ClientKind.PORTAL
) -> AsyncIterator[httpx.AsyncClient]:
    """The citizen at their portal (or at a kiosk): who answers a survey."""
    headers = await credentials(app, {Scope.REQUESTS_WRITE}, kind, nik, purpose=None)
    async with client_of(app, headers) as client:
        yield client


async def _completed_registration(gateway, nik: str, name: str) -> str:
    created = await submit(
        gateway,
        "business-registration",
        nik,
        business_name=name,
        kbli=["56102"],
        address={"street": "Jl. Malioboro No. 5", "village_code": "34.71.07.1001"},
    )
    await wait_for(gateway, created["id"], {"completed"})
    return str(created["id"])


async def test_surveys_of_completed_requests_make_the_agencys_index(gateway, gateway_app, personas):
    nik = personas["nothing"].nik
    async with _citizen(gateway_app, nik) as citizen:
        for number, row in enumerate(WORKED_EXAMPLE):
            request_id = await _completed_registration(gateway, nik, f"Warung Nomor {number}")
            response = await citizen.post(
                f"/v1/service-requests/{request_id}/survey", json=_answers(row)
            )
            assert response.status_code == 201, response.text
            assert response.json()["agency"] == "investment_licensing"

    report = await gateway.get(
        "/v1/reports/satisfaction", params={"agency": "investment_licensing"}
    )

    assert report.status_code == 200
    body = report.json()
    assert body["respondents"] == 4
    assert [e["mean"] for e in body["elements"]] == [
        "3.25", "3.00", "3.25", "4.00", "3.25", "3.00", "3.50", "2.75", "3.00",
    ]  # fmt: skip
    assert (body["index"], body["converted_index"], body["grade"]) == ("3.2222", "80.56", "B")
    other = await gateway.get("/v1/reports/satisfaction", params={"service": "vehicle-tax-renewal"})
    assert other.json()["respondents"] == 0
    assert other.json()["grade"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [({"fee": 0}, "fee"), ({"facilities": 5}, "facilities"), ({"product": "4"}, "product")],
)
async def test_scores_outside_1_to_4_are_422_naming_the_element(
    gateway, gateway_app, personas, change, field
):
    nik = personas["nothing"].nik
    request_id = await _completed_registration(gateway, nik, "Kedai Uji")

    async with _citizen(gateway_app, nik) as citizen:
        response = await citizen.post(
            f"/v1/service-requests/{request_id}/survey", json={**_answers([3] * 9), **change}
        )

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_a_missing_element_a_second_survey_and_an_unfinished_request_are_refused(
    gateway, gateway_app, personas
):
    nik = personas["nothing"].nik
    request_id = await _completed_registration(gateway, nik, "Kedai Uji")
    answers = _answers([3] * 9)

    async with _citizen(gateway_app, nik) as citizen:
        missing = await citizen.post(
            f"/v1/service-requests/{request_id}/survey",
            json={k: v for k, v in answers.items() if k != "staff_behaviour"},
        )
        assert missing.status_code == 422
        assert [e["field"] for e in missing.json()["errors"]] == ["staff_behaviour"]

        first = await citizen.post(f"/v1/service-requests/{request_id}/survey", json=answers)
        second = await citizen.post(f"/v1/service-requests/{request_id}/survey", json=answers)
        assert first.status_code == 201
        assert second.status_code == 409
        assert second.json()["type"].endswith("/survey-already-submitted")

        unknown = await citizen.post("/v1/service-requests/no-such-request/survey", json=answers)
        assert unknown.status_code == 404

    owner = personas["several_vehicles_overdue"]
    pending = await submit(gateway, "vehicle-tax-renewal", owner.nik, plate_number=owner.plates[0])
    async with _citizen(gateway_app, owner.nik) as citizen:
        early = await citizen.post(f"/v1/service-requests/{pending['id']}/survey", json=answers)
    assert early.status_code == 409
    assert early.json()["type"].endswith("/invalid-state")


async def _system_client(app: FastAPI) -> dict[str, str]:
    issued = await app.state.clients.create(
        "agency back office", ClientKind.SYSTEM, {Scope.REQUESTS_WRITE}, api_key_enabled=True
    )
    assert issued.api_key is not None
    return {"X-API-Key": issued.api_key, "X-Purpose": "rating our own service"}


@pytest.mark.parametrize(
    ("kind", "status", "problem"),
    [
        (ClientKind.PORTAL, 201, None),
        (ClientKind.KIOSK, 201, None),
        (ClientKind.OFFICER, 403, "citizen-only"),
        (ClientKind.SYSTEM, 403, "citizen-only"),
    ],
)
async def test_only_the_citizen_at_a_portal_or_kiosk_answers_the_survey(
    gateway, gateway_app, personas, kind, status, problem
):
    nik = personas["nothing"].nik
    request_id = await _completed_registration(gateway, nik, "Kedai Jujur")
    if kind is ClientKind.SYSTEM:
        headers = await _system_client(gateway_app)
    elif kind is ClientKind.OFFICER:
        headers = await credentials(gateway_app, set(Scope), kind, purpose="staff rating")
    else:
        headers = await credentials(gateway_app, {Scope.REQUESTS_WRITE}, kind, nik, purpose=None)

    async with client_of(gateway_app, headers) as client:
        response = await client.post(
            f"/v1/service-requests/{request_id}/survey", json=_answers([4] * 9)
        )
    report = await gateway.get(
        "/v1/reports/satisfaction", params={"agency": "investment_licensing"}
    )

    assert response.status_code == status, response.text
    if problem:
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"].endswith(f"/{problem}")
    assert report.json()["respondents"] == (1 if status == 201 else 0)


async def test_a_kiosk_acting_for_one_citizen_cannot_rate_anothers_request(
    gateway, gateway_app, personas
):
    request_id = await _completed_registration(gateway, personas["nothing"].nik, "Kedai Lain")

    async with _citizen(gateway_app, personas["woman"].nik, ClientKind.KIOSK) as kiosk:
        response = await kiosk.post(
            f"/v1/service-requests/{request_id}/survey", json=_answers([1] * 9)
        )

    assert response.status_code == 404
    assert response.json()["type"].endswith("/service-request-not-found")
