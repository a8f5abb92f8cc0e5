"""PP 28/2025 in the simulated OSS: a verification deadline in working days, and the permit
deemed approved (fiktif positif) when the authority lets it pass.

The fixtures are computed by hand on the 2026 calendar (public holidays and collective leave,
cuti bersama, as the `holidays` package lists them for Indonesia):

- Submitted Friday 13 March 2026 (a working day, day 0). Counting 10 working days:
  Mon 16 (1), Tue 17 (2); Wed 18 Nyepi collective leave, Thu 19 Nyepi, Fri 20 Idul Fitri
  collective leave, Sat 21 and Sun 22 Idul Fitri, Mon 23 and Tue 24 collective leave; Wed 25
  (3), Thu 26 (4), Fri 27 (5), Mon 30 (6), Tue 31 (7), Wed 1 April (8), Thu 2 April (9);
  Fri 3 April Good Friday; Mon 6 April (10). Deadline Monday 6 April 2026; deemed approved
  at Tuesday 7 April 2026 00:00 WIB = 6 April 17:00 UTC = epoch 1775494800000 ms.
- Submitted Thursday 14 May 2026, Ascension Day: day 0 moves past Fri 15 (collective leave)
  and the weekend to Mon 18 May. Tue 19 (1), Wed 20 (2), Thu 21 (3), Fri 22 (4), Mon 25 (5),
  Tue 26 (6); Wed 27 Idul Adha, Thu 28 collective leave; Fri 29 (7); Mon 1 June Pancasila
  Day; Tue 2 (8), Wed 3 (9), Thu 4 June (10). Deadline Thursday 4 June 2026.
- Submitted Friday 13 February 2026, before the Lunar New Year weekend: Sat 14, Sun 15, Mon 16
  (collective leave) and Tue 17 (Lunar New Year) are off; Wed 18 (1), Thu 19 (2), Fri 20 (3),
  Mon 23 (4), Tue 24 (5), Wed 25 (6), Thu 26 (7), Fri 27 (8), Mon 2 March (9), Tue 3 March
  (10). Deadline Tuesday 3 March 2026.
- Submitted Tuesday 3 March 2026, ten working days before Lebaran: Wed 4 (1), Thu 5 (2), Fri 6
  (3), Mon 9 (4), Tue 10 (5), Wed 11 (6), Thu 12 (7), Fri 13 (8), Mon 16 (9), Tue 17 March (10):
  deadline Tuesday 17 March 2026, the last working day before Nyepi and Idul Fitri. Wed 18 to
  Tue 24 March are all off (collective leave, Nyepi, collective leave, Idul Fitri Saturday and
  Sunday, collective leave Monday and Tuesday), so the period has not run out until the next
  working day: deemed approved at Wednesday 25 March 2026 00:00 WIB = 24 March 17:00 UTC =
  epoch 1774371600000 ms, a week after the deadline.
- Submitted Friday 27 February 2026: Mon 2 March (1) to Fri 13 March (10), deadline a Friday;
  deemed approved at Monday 16 March 2026 00:00 WIB (epoch 1773594000000 ms), not on Saturday.
"""

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest

from simulators.dates import JAKARTA
from simulators.faults import FaultSettings
from simulators.investment_licensing.app import create_app
from simulators.investment_licensing.sla import (
    add_working_days,
    deemed_approval_at,
    verification_deadline,
)
from simulators.world import World

FRIDAY_BEFORE_NYEPI = datetime(2026, 3, 13, 10, 0, tzinfo=JAKARTA)
DEEMED_AT_MS = 1775494800000  # 2026-04-07 00:00 WIB
BEFORE_LEBARAN = datetime(2026, 3, 3, 9, 30, tzinfo=JAKARTA)
DEEMED_AFTER_LEBARAN_MS = 1774371600000  # 2026-03-25 00:00 WIB


class Moments:
    """The test's own clocks: the calendar (Asia/Jakarta) and the monotonic pace."""

    def __init__(self, start: datetime) -> None:
        self.at = start
        self.seconds = 1000.0

    def now(self) -> datetime:
        return self.at

    def clock(self) -> float:
        return self.seconds


@pytest.fixture
def moments() -> Moments:
    return Moments(FRIDAY_BEFORE_NYEPI)


@pytest.fixture
async def slow_oss(world: World, moments: Moments) -> AsyncIterator[httpx.AsyncClient]:
    """An authority that would take a day (86,400 s) of the pace clock, which the tests
    never advance: only the calendar decides."""
    app = create_app(
        world, FaultSettings(verification_seconds=86400), clock=moments.clock, now=moments.now
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://oss.test"
    ) as client:
        yield client


def _application(nik: str, name: str, kbli: list[str]) -> dict[str, Any]:
    return {
        "referensi": f"sla-{name}",
        "nik_pemilik": nik,
        "nama_usaha": name,
        "alamat_usaha": {"alamat": "Jl. Ciledug Raya No. 7", "kd_kel": "3174101004"},
        "kbli": kbli,
    }


async def _status(oss: httpx.AsyncClient, number: str) -> dict[str, Any]:
    data: dict[str, Any] = (await oss.get(f"/oss/v2/permohonan/{number}")).json()["data"]
    return data


@pytest.mark.parametrize(
    ("start", "deadline"),
    [
        (date(2026, 3, 13), date(2026, 4, 6)),  # Friday before Nyepi and Idul Fitri
        (date(2026, 5, 14), date(2026, 6, 4)),  # on Ascension Day, across Idul Adha
        (date(2026, 3, 2), date(2026, 3, 16)),  # Monday 2 March: a plain two weeks
        (date(2026, 2, 13), date(2026, 3, 3)),  # Friday before the Lunar New Year weekend
    ],
)
def test_the_verification_deadline_counts_working_days(start: date, deadline: date) -> None:
    assert add_working_days(start, 10) == deadline
    at = datetime.combine(start, datetime.min.time(), JAKARTA) + timedelta(hours=9)
    assert verification_deadline(at) == deadline


@pytest.mark.parametrize(
    ("deadline", "deemed"),
    [
        (date(2026, 4, 6), datetime(2026, 4, 7, tzinfo=JAKARTA)),  # Monday: the next day
        (date(2026, 3, 13), datetime(2026, 3, 16, tzinfo=JAKARTA)),  # Friday: Monday
        (date(2026, 3, 17), datetime(2026, 3, 25, tzinfo=JAKARTA)),  # before Lebaran: after it
    ],
)
def test_the_deemed_approval_comes_at_the_start_of_the_next_working_day(
    deadline: date, deemed: datetime
) -> None:
    assert deemed_approval_at(deadline) == deemed


async def test_a_permit_the_authority_leaves_undecided_is_deemed_approved(
    slow_oss: httpx.AsyncClient, world: World, moments: Moments
) -> None:
    nik = world.personas["nothing"].nik
    response = await slow_oss.post(
        "/oss/v2/permohonan", json=_application(nik, "Hotel Melati", ["55110"])
    )
    data = response.json()["data"]
    assert (data["status"], data["kd_resiko"]) == ("MENUNGGU_VERIFIKASI", "MT")
    assert data["izin"]["batas_waktu_verifikasi"] == "2026-04-06"

    moments.at = datetime(2026, 4, 6, 23, 59, 59, tzinfo=JAKARTA)  # the last day, still open
    pending = await _status(slow_oss, data["id_permohonan"])
    assert pending["izin"]["status"] == "MENUNGGU_VERIFIKASI"

    moments.at = datetime(2026, 4, 7, 8, 0, tzinfo=JAKARTA)
    deemed = await _status(slow_oss, data["id_permohonan"])
    assert deemed["status"] == "TERBIT"
    assert deemed["izin"]["status"] == "TERBIT"
    assert deemed["izin"]["fiktif_positif"] is True
    assert deemed["izin"]["tgl_keputusan"] == DEEMED_AT_MS
    usaha = (await slow_oss.get(f"/oss/v2/nib/{data['nib']}")).json()["data"]
    [activity] = usaha["kbli"]
    certificate = activity["perizinan"][1]
    assert (certificate["jenis_izin"], certificate["status"]) == ("SERTIFIKAT_STANDAR", "TERBIT")
    assert certificate["tgl_terbit"] == DEEMED_AT_MS
    assert "fiktif positif" in certificate["keterangan"]


async def test_a_refusal_that_comes_too_late_cannot_stop_the_deemed_approval(
    slow_oss: httpx.AsyncClient, world: World, moments: Moments
) -> None:
    """The authority would refuse this licence (DITOLAK in the name) but has not decided when
    the calendar passes the deadline, so the licence is issued; its refusal, due later on the
    pace clock, changes nothing."""
    nik = world.personas["nothing"].nik
    response = await slow_oss.post(
        "/oss/v2/permohonan", json=_application(nik, "Klinik Ditolak", ["86105"])
    )
    data = response.json()["data"]
    moments.at = datetime(2026, 4, 7, 0, 0, tzinfo=JAKARTA)
    decided = await _status(slow_oss, data["id_permohonan"])
    assert (decided["status"], decided["izin"]["status"]) == ("TERBIT", "TERBIT")
    assert decided["izin"]["fiktif_positif"] is True
    assert decided["alasan_penolakan"] is None
    moments.seconds += 86400  # the authority's refusal would be due now: too late
    assert await _status(slow_oss, data["id_permohonan"]) == decided


async def test_a_decision_within_the_deadline_is_the_authoritys(
    world: World, moments: Moments
) -> None:
    app = create_app(
        world, FaultSettings(verification_seconds=3), clock=moments.clock, now=moments.now
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://oss.test"
    ) as oss:
        nik = world.personas["nothing"].nik
        data = (
            await oss.post(
                "/oss/v2/permohonan", json=_application(nik, "Klinik Ditolak", ["86105"])
            )
        ).json()["data"]
        moments.seconds += 3
        moments.at = datetime(2026, 4, 20, tzinfo=JAKARTA)  # long after: the refusal stands
        decided = await _status(oss, data["id_permohonan"])
        assert (decided["status"], decided["izin"]["status"]) == ("DITOLAK", "DITOLAK")
        assert decided["izin"]["fiktif_positif"] is False
        assert decided["nib"] == data["nib"]
        # Decided 3 seconds after the submission, Friday 13 March 2026 10:00:03 WIB.
        assert decided["izin"]["tgl_keputusan"] == int(
            (FRIDAY_BEFORE_NYEPI + timedelta(seconds=3)).timestamp() * 1000
        )


async def test_a_deadline_just_before_lebaran_lapses_only_after_the_holidays(
    world: World, moments: Moments
) -> None:
    moments.at = BEFORE_LEBARAN
    app = create_app(
        world, FaultSettings(verification_seconds=86400), clock=moments.clock, now=moments.now
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://oss.test"
    ) as oss:
        nik = world.personas["nothing"].nik
        data = (
            await oss.post(
                "/oss/v2/permohonan", json=_application(nik, "Gudang Lebaran", ["52101"])
            )
        ).json()["data"]
        assert data["izin"]["batas_waktu_verifikasi"] == "2026-03-17"
        # Saturday of Idul Fitri and the last day of collective leave: still within the period.
        for moment in (
            datetime(2026, 3, 18, 8, 0, tzinfo=JAKARTA),
            datetime(2026, 3, 21, 12, 0, tzinfo=JAKARTA),
            datetime(2026, 3, 24, 23, 59, 59, tzinfo=JAKARTA),
        ):
            moments.at = moment
            pending = await _status(oss, data["id_permohonan"])
            assert pending["izin"]["status"] == "MENUNGGU_VERIFIKASI", moment
        moments.at = datetime(2026, 3, 25, 0, 0, tzinfo=JAKARTA)
        deemed = await _status(oss, data["id_permohonan"])
        assert (deemed["izin"]["status"], deemed["izin"]["fiktif_positif"]) == ("TERBIT", True)
        assert deemed["izin"]["tgl_keputusan"] == DEEMED_AFTER_LEBARAN_MS


async def test_the_calendar_control_moves_the_deadline_without_waiting(world: World) -> None:
    """`/_control/calendar` sets the moment OSS's calendar stands at (for end-to-end tests
    and demos); clearing it returns to the real calendar."""
    app = create_app(world, FaultSettings(verification_seconds=86400))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://oss.test"
    ) as oss:
        put = await oss.put("/_control/calendar", json={"now": "2026-02-27T10:00:00+07:00"})
        assert put.status_code == 204
        nik = world.personas["nothing"].nik
        data = (
            await oss.post("/oss/v2/permohonan", json=_application(nik, "Hotel Jumat", ["55110"]))
        ).json()["data"]
        assert data["izin"]["batas_waktu_verifikasi"] == "2026-03-13"
        await oss.put("/_control/calendar", json={"now": "2026-03-15T23:00:00+07:00"})
        assert (await _status(oss, data["id_permohonan"]))["izin"]["status"] == (
            "MENUNGGU_VERIFIKASI"
        )
        await oss.put("/_control/calendar", json={"now": "2026-03-16T07:00:00+07:00"})
        deemed = await _status(oss, data["id_permohonan"])
        assert deemed["izin"]["tgl_keputusan"] == 1773594000000  # Monday 16 March 00:00 WIB
        naive = await oss.put("/_control/calendar", json={"now": "2026-03-16T07:00:00"})
        assert naive.status_code == 422
        assert (await oss.delete("/_control/calendar")).status_code == 204
