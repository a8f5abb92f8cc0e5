"""PP 28/2025's service levels as OSS applies them to a verification, in working days.

PP 28/2025 (Penyelenggaraan Perizinan Berusaha Berbasis Risiko, in force 5 June 2025,
replacing PP 5/2021) gives every stage of a licence a service level (SLA: registration,
document assessment, verification, issuance) and, when the authority lets a stage's period
pass without a decision, deems the permit approved: the OSS system issues it itself
("fiktif positif"). Sources (secondary; the regulation's own text was not reachable):

- jakarta365.net, "PP 28 Tahun 2025 Terbit, Layanan Penerbitan Izin Usaha Bakal Ada Tenggat
  Waktunya" (30 June 2025, quoting the Coordinating Ministry's secretary): an SLA on every
  stage, from registration through document assessment and verification to issuance;
- legalitasku.com, "PP 28/2025 resmi berlaku": SLA plus fiktif positif, a permit not
  processed in time is deemed approved automatically;
- dpm-ptsp.gorontalokab.go.id FAQ: once the requirements are uploaded and the authority
  (DPMPTSP) does not act within the duration, the OSS system issues the standard
  certificate (SS) or the licence (izin) automatically;
- idxchannel.com (the Minister of Investment): 61 permits issued by fiktif positif since
  June 2025; sepintasliputan.com/CNBC: a permit issued by fiktif positif is still supervised.

**Not verified**: the article numbers, and the length of the verification period. The
regulation sets SLAs per permit and sector in its annexes; no source found gives the period
for verifying a standard certificate or a licence. The simulator uses one figure for both,
:data:`VERIFICATION_WORKING_DAYS`, 10 working days (the "two weeks" of the Finance Ministry's
example, katadata.co.id 28 Oct 2025), counted from the first working day after submission.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from simulators.dates import JAKARTA

VERIFICATION_WORKING_DAYS = 10
"""Verification of a standard certificate (medium-high risk) or licence (high risk)."""


@lru_cache(maxsize=8)
def _days_off(year: int) -> holidays.HolidayBase:
    """National public holidays and collective leave (cuti bersama), as the gateway counts."""
    return holidays.country_holidays(
        "ID", years=[year, year + 1], categories=(holidays.PUBLIC, holidays.GOVERNMENT)
    )


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _days_off(day.year)


def add_working_days(start: date, days: int) -> date:
    """The day on which ``days`` working days after ``start`` have passed (``start`` itself
    is day 0, moved to the next working day when it is not one)."""
    day = start
    while not is_working_day(day):
        day += timedelta(days=1)
    for _ in range(days):
        day += timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
    return day


def verification_deadline(submitted_at: datetime) -> date:
    """The last day the authority may decide on an application submitted at ``submitted_at``."""
    return add_working_days(submitted_at.astimezone(JAKARTA).date(), VERIFICATION_WORKING_DAYS)


def deemed_approval_at(deadline: date) -> datetime:
    """The moment the period has passed: the start of the day after the deadline, Jakarta."""
    return datetime.combine(deadline + timedelta(days=1), time(), JAKARTA)
