"""Service deadlines count working days in Asia/Jakarta: Monday to Friday, without national
public holidays and collective leave (cuti bersama), from the maintained `holidays` package
(its `public` and `government` categories for Indonesia), not a hand list."""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

JAKARTA = ZoneInfo("Asia/Jakarta")


@lru_cache(maxsize=8)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(
        "ID", years=[year, year + 1], categories=(holidays.PUBLIC, holidays.GOVERNMENT)
    )


@dataclass(frozen=True)
class DayOff:
    day: dt.date
    name_id: str
    name_en: str
    collective_leave: bool


def days_off(year: int) -> list[DayOff]:
    """The year's public holidays and collective leave, with their names: the calendar every
    deadline here is counted on, for a frontend to count the same way."""
    both = (holidays.PUBLIC, holidays.GOVERNMENT)
    named_id = holidays.country_holidays("ID", years=year, categories=both, language="id")
    named_en = holidays.country_holidays("ID", years=year, categories=both, language="en_US")
    leave = holidays.country_holidays("ID", years=year, categories=(holidays.GOVERNMENT,))
    return [
        DayOff(day, named_id[day], named_en.get(day, named_id[day]), day in leave)
        for day in sorted(named_id)
    ]


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The day on which `days` working days after `start` have passed. With 0, the first
    working day from `start` on: a service promised "at once" on a Sunday is due on Monday."""
    day = start
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    for _ in range(days):
        day += dt.timedelta(days=1)
        while not is_working_day(day):
            day += dt.timedelta(days=1)
    return day


def jakarta_today(now: dt.datetime) -> dt.date:
    return now.astimezone(JAKARTA).date()
