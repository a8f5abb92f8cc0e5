"""PP 28/2025's service levels as the simulated OSS applies them to a permit, in working days.

Read in the regulation's own text (Peraturan Pemerintah Nomor 28 Tahun 2025 tentang
Penyelenggaraan Perizinan Berusaha Berbasis Risiko, in force 5 June 2025, replacing PP 5/2021;
the signed copy published on peraturan.bpk.go.id, batang tubuh and penjelasan):

- **Working days.** Pasal 1 angka 26: "Hari adalah hari kerja sesuai dengan yang ditetapkan
  oleh Pemerintah Pusat", so every period the regulation gives in "Hari" counts working days:
  Monday to Friday without national holidays and collective leave (cuti bersama), the
  calendar the gateway counts on too (`app.workflows.calendar`).
- **Registration: at once.** The NIB is issued through OSS when the applicant completes the
  data, for every risk level: Pasal 220 (low, the NIB alone), Pasal 221 (medium-low, NIB and the
  self-declared standard certificate), Pasal 222 ayat (2)-(3) (medium-high, NIB and a standard
  certificate "yang mencantumkan tanda belum terverifikasi"), Pasal 227 ayat (1) (high, the NIB
  before the licence). That stage has no period to count.
- **Verification: the period of the KBLI.** Medium-high: the authority verifies "dalam jangka
  waktu sesuai norma, standar, prosedur, dan kriteria" (Pasal 222 ayat (6)) and notifies OSS
  "memenuhi persyaratan" or "tidak memenuhi persyaratan" (ayat (7)); high risk alike (Pasal
  227 ayat (6)-(7)). Pasal 5 ayat (3) huruf a and ayat (4) put each KBLI's "jangka waktu
  penerbitan" in Lampiran I; the elucidation of Pasal 5 ayat (4) counts it "sejak dokumen
  lengkap dan benar". The simulated OSS takes an application as complete and correct when it
  accepts it, so the period runs from the submission.
- **Deemed approval (fiktif positif).** When the authority gives OSS no notification of the
  result, "Sistem OSS secara otomatis mencantumkan keterangan bahwa Sertifikat Standar telah
  terverifikasi" (Pasal 225 ayat (1)); for a licence, "Sistem OSS menerbitkan Izin" (Pasal 230).
  A refusal notified in time refuses the permit (Pasal 224 ayat (1), Pasal 229), never the NIB.

**Not found: the number.** Lampiran I (per KBLI; 10,825 pages of appendices) was not in any
stored source, so no period of the simulator's KBLI codes could be read, nor whether it differs
between a standard certificate and a licence. The figures the body of the regulation does give
are for the basic requirements before a permit (KKPR, environmental and building approvals,
e.g. 20 Hari to assess a KKPR proposal, Pasal 21 ayat (3)), which the simulated OSS does not model.
:data:`VERIFICATION_WORKING_DAYS` is therefore a stated placeholder, one period for both
permits and every KBLI: 10 working days, the "two weeks" a Finance Ministry official gave as the
example of an SLA under PP 28/2025 (katadata.co.id, 28 October 2025).

**Not modelled.** The applicant's corrections after a refusal and the re-verification
(Pasal 224 ayat (1)-(4), Pasal 229): a refusal here is final for the application.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from simulators.dates import JAKARTA

VERIFICATION_WORKING_DAYS = 10
"""Verification of a standard certificate (medium-high risk) or licence (high risk): a
placeholder for the per-KBLI periods of PP 28/2025's Lampiran I (Pasal 5 ayat (4)), which were
not found."""


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
    """The last working day on which the authority may notify OSS of its verification of an
    application submitted at ``submitted_at`` (Pasal 222 ayat (6), Pasal 227 ayat (6))."""
    return add_working_days(submitted_at.astimezone(JAKARTA).date(), VERIFICATION_WORKING_DAYS)


def deemed_approval_at(deadline: date) -> datetime:
    """The moment OSS deems the undecided permit approved (Pasal 225, Pasal 230): the start
    (00:00 WIB) of the first working day after the deadline. The period is counted in working
    days (Pasal 1 angka 26), so it has not run out over a weekend or a holiday that follows the
    deadline; the lapse is recognised on the next working day, which is also the day the
    gateway's service standard (the verification period and one day) falls due."""
    return datetime.combine(add_working_days(deadline, 1), time(), JAKARTA)
