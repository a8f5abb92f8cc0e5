"""Calendar arithmetic shared by the world generator and the tax rules.

Month and year steps clamp to the last day of the month, the way a 31 January due date falls
on 28/29 February a month later.
"""

import calendar
import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")


def add_months(day: date, months: int) -> date:
    total = day.year * 12 + (day.month - 1) + months
    year, month_index = divmod(total, 12)
    month = month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def reference_date() -> date:
    """The simulators' "today": ``SIM_TODAY`` (YYYY-MM-DD) when set, else today in Jakarta."""
    raw = os.environ.get("SIM_TODAY", "").strip()
    if raw:
        return date.fromisoformat(raw)
    return datetime.now(JAKARTA).date()


def jakarta_now() -> datetime:
    """Wall-clock time in Jakarta, with the date moved to :func:`reference_date`."""
    now = datetime.now(JAKARTA)
    today = reference_date()
    return now.replace(year=today.year, month=today.month, day=today.day)
