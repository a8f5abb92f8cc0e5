"""PP 28/2025's service levels as OSS applies them to a verification, in working days.

PP 28/2025 (Penyelenggaraan Perizinan Berusaha Berbasis Risiko, in force 5 June 2025,
replacing PP 5/2021) gives every stage of a licence a service level (SLA) and, when the
authority lets a period pass without a decision, deems the permit approved: the OSS system
issues it itself ("fiktif positif"). What a search of stored public sources (about 40 queries,
Indonesian and English, December 2026) established:

**Verified.**

- Where the periods are: the regulation's own text, Pasal 5 ayat (3) huruf a and ayat (4)
  (pasal.id/peraturan/pp/pp-no-28-tahun-2025/koreksi/5830986): for every sector, each KBLI's
  business permit (PB) comes with its requirements and its "jangka waktu penerbitan" (issuance
  period) in Lampiran I; PB UMKU's in Lampiran II (ayat 5). The period of a standard
  certificate's or a licence's verification is therefore set per KBLI, not once for all.
- The stages: registration, document assessment, verification, issuance, each with its own SLA
  (jakarta365.net, 30 June 2025, the Coordinating Ministry's secretary at the regulation's
  launch); the ministry's briefing deck (slidepub.com, "PP 28 Tahun 2025 Perizinan Berusaha
  Berbasis Risiko", Kedeputian Bidang Pengembangan Iklim Penanaman Modal, June 2025): an SLA
  for every permit, a fixed period for the applicant's corrections, and checks of the
  documents' completeness (by the system), their correctness, and the technical substance.
- The deemed approval: once the requirements are uploaded and the authority has not decided
  within the Lampiran I period, OSS issues the standard certificate or licence itself
  (dpm-ptsp.gorontalokab.go.id FAQ, written under PP 5/2021's Lampiran 1; legalitasku.com and
  blog.lekslawyer.com for PP 28/2025, whose general elucidation names SLA and fiktif positif
  as its main changes); a permit so issued is still supervised (CNBC Indonesia, 14 November
  2025, via sepintasliputan.com).

**Not verified.** Lampiran I itself (10,825 pages of appendices, ashurst.com) was not
reachable, so no source gives the verification period of the simulator's KBLI codes, nor how
it divides between document assessment and verification. The only figures found are for the
basic requirements that come before the permit, not for the permit OSS issues here (KKPR: 25
working days without corrections, 40 with minor ones, jawawa.id; "up to 20 working days"
without an integrated RDTR, gradasigo.com; the two disagree).

**Placeholder.** One period for both permits and every KBLI, one stage:
:data:`VERIFICATION_WORKING_DAYS`, 10 working days (the "two weeks" of the Finance Ministry's
example, katadata.co.id 28 October 2025), counted from the first working day after submission.
Registration (the NIB) is immediate in OSS, so it has no period to model here.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from simulators.dates import JAKARTA

VERIFICATION_WORKING_DAYS = 10
"""Verification of a standard certificate (medium-high risk) or licence (high risk): a
placeholder for the per-KBLI periods of PP 28/2025's Lampiran I, which were not found."""


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
