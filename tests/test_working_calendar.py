"""The working-day calendar a frontend counts deadlines on is the one the gateway counts them
on: counting with what the endpoint gives reproduces the gateway's own deadlines."""

import datetime as dt
from typing import Any

import httpx

from app.workflows.calendar import add_working_days
from tests.conftest import client_of


def _count_with(calendar: dict[str, Any], start: dt.date, days: int) -> dt.date:
    """How a frontend would count `days` working days from `start` with only the answer."""
    off = {dt.date.fromisoformat(d["date"]) for d in calendar["days_off"]}

    def working(day: dt.date) -> bool:
        return day.weekday() < 5 and day not in off

    day = start
    while not working(day):
        day += dt.timedelta(days=1)
    for _ in range(days):
        day += dt.timedelta(days=1)
        while not working(day):
            day += dt.timedelta(days=1)
    return day


async def test_anyone_gets_the_year_with_its_holidays_and_collective_leave(gateway_app):
    async with client_of(gateway_app, headers={}) as anonymous:
        response = await anonymous.get("/v1/reference/working-calendar/2026")

    assert response.status_code == 200
    assert "public" in response.headers["cache-control"]
    calendar = response.json()
    by_date = {d["date"]: d for d in calendar["days_off"]}
    assert by_date["2026-03-20"]["kind"] == "collective_leave"
    assert by_date["2026-03-20"]["name_id"] == "Cuti Bersama Hari Raya Idul Fitri"
    assert by_date["2026-03-21"]["kind"] == "public_holiday"
    assert by_date["2026-08-17"]["name_en"]
    assert "2026-03-25" not in by_date
    assert calendar["weekend"] == ["saturday", "sunday"]


async def test_counting_with_it_gives_the_gateways_deadlines(gateway_app):
    async with client_of(gateway_app, headers={}) as anonymous:
        calendar = (await anonymous.get("/v1/reference/working-calendar/2026")).json()

    # Tuesday before Nyepi and Lebaran: one working day later is the Wednesday after.
    assert _count_with(calendar, dt.date(2026, 3, 17), 1) == dt.date(2026, 3, 25)
    for start in (dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(0, 320, 3)):
        for days in (0, 1, 3, 5, 10):
            assert _count_with(calendar, start, days) == add_working_days(start, days)


async def test_a_year_out_of_range_is_a_problem_naming_it(gateway_app):
    async with client_of(gateway_app, headers={}) as anonymous:
        response: httpx.Response = await anonymous.get("/v1/reference/working-calendar/1850")

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "year"
