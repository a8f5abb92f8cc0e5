"""Agency dates: day first, and nothing else taken for a date."""

import datetime as dt

import pytest

from app.adapters.wire_dates import day_first_date


@pytest.mark.parametrize(
    ("value", "separator", "expected"),
    [("31-12-2026", "-", dt.date(2026, 12, 31)), ("01/02/2020", "/", dt.date(2020, 2, 1))],
)
def test_day_first_dates_are_read(value, separator, expected):
    assert day_first_date(value, separator) == expected


@pytest.mark.parametrize(
    "value",
    ["31/12/2026", "1-2-2020", "31-13-2026", "30-02-2026", "2026-12-31", "31-12-2026 ", ""],
)
def test_anything_else_is_refused_as_a_bad_reply(value):
    with pytest.raises(ValueError, match="date"):
        day_first_date(value, "-")
