"""The JKN membership projection of the demo world, in VClaim's own vocabulary.

JKN enrols households, not people: the segment (who pays the premium) is decided by the head of
the family card and shared by every member, as a wage earner's contribution covers the spouse
and children and a subsidised (PBI) household is listed as a whole. Most of the population is
enrolled (universal coverage is over 95 %); a few households are not, and a few non-wage-earner
households are suspended for unpaid premiums. The fixed demo citizens get fixed memberships
(and the card numbers the example adapter's sandbox used), so the README and the declaration's
fixtures can name them.

Reply bodies are serialised ahead of time: a lookup is one dict access.
"""

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from simulators.dates import add_months
from simulators.world import Citizen, Family, World, default_world

#: JKN started on 1 January 2014; nobody is enrolled from before it.
JKN_START = date(2014, 1, 1)
#: VClaim's `statusPeserta` codes and texts.
STATUS = {
    "0": "AKTIF",
    "1": "MENINGGAL",
    "2": "KELUAR KEMAUAN SENDIRI",
    "7": "NON AKTIF KARENA PREMI",
}
CARE_CLASS = {"1": "KELAS I", "2": "KELAS II", "3": "KELAS III"}
#: `jenisPeserta` codes and texts: 11-14 wage earners (PPU), 15 non-wage earners (PBPU),
#: 16 non-workers (BP), 21-22 contribution assistance recipients (PBI).
SEGMENTS = {
    "11": "PNS PUSAT",
    "12": "PNS DAERAH",
    "13": "PEGAWAI SWASTA",
    "14": "PEGAWAI BUMN",
    "15": "PEKERJA MANDIRI",
    "16": "PENERIMA PENSIUN",
    "21": "PBI (APBN)",
    "22": "PBI (APBD)",
}
#: Family position on the membership (PISA): the member, spouse, child, other family.
_PISA = {"KEPALA KELUARGA": "1", "ISTRI": "2", "SUAMI": "2", "ANAK": "3"}
_WAGE_EARNERS = {
    "PEGAWAI NEGERI SIPIL (PNS)": "12",
    "GURU": "12",
    "KARYAWAN SWASTA": "13",
    "DOKTER": "13",
    "PERAWAT": "13",
    "KARYAWAN BUMN": "14",
}


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A household's terms: who pays, which class, and whether the premium is paid."""

    segment: str
    care_class: str
    status: str


@dataclass(frozen=True, slots=True)
class FixedMember:
    """A demo citizen's membership, fixed so the documentation can show it."""

    card: str
    enrolment: Enrolment


#: By NIK: the demo personas of `simulators/world.py`. The first four cards are the ones the
#: example adapter's sandbox always used. `3471073006980001` (the persona with nothing) is
#: deliberately not a member.
FIXED: dict[str, FixedMember] = {
    "3374091203840001": FixedMember("0001234567890", Enrolment("21", "3", "0")),
    "3374096507870001": FixedMember("0001234567906", Enrolment("21", "3", "0")),
    "3174101704820001": FixedMember("0002198765432", Enrolment("13", "1", "7")),
    "3578051402480001": FixedMember("0003312345678", Enrolment("16", "2", "1")),
    "1471104508900001": FixedMember("0001876543219", Enrolment("15", "2", "0")),
    "3273064811790001": FixedMember("0002045678123", Enrolment("13", "1", "0")),
}
NOT_MEMBERS = frozenset({"3471073006980001"})


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def reply(code: str, message: str, response: dict[str, Any] | None = None) -> bytes:
    """VClaim's envelope: the outcome is `metaData.code`, a string, inside HTTP 200."""
    return encode({"metaData": {"code": code, "message": message}, "response": response})


def _household_enrolment(head: Citizen, rng: random.Random) -> Enrolment | None:
    if rng.random() < 0.06:
        return None
    occupation = head.occupation
    if occupation in _WAGE_EARNERS:
        segment = _WAGE_EARNERS[occupation]
        return Enrolment(segment, rng.choice(("1", "1", "2")), "0")
    if occupation == "PENSIUNAN":
        return Enrolment("16", rng.choice(("1", "2")), "0")
    if occupation in ("BURUH HARIAN LEPAS", "MENGURUS RUMAH TANGGA") or rng.random() < 0.3:
        return Enrolment(rng.choices(("21", "22"), (70, 30))[0], "3", "0")
    status = rng.choices(("0", "7", "2"), (82, 15, 3))[0]
    return Enrolment("15", rng.choices(("1", "2", "3"), (20, 30, 50))[0], status)


def _provider(citizen: Citizen) -> dict[str, str]:
    """The first-level facility (FKTP): the district's puskesmas, as for most members."""
    village = citizen.address.village
    district = village.district_code
    return {
        "kdProvider": f"{district[:4]}P0{district[4:]}",
        "nmProvider": f"PUSKESMAS {village.district_name.upper()}",
    }


class MemberRegister:
    """Every member's `peserta` body by NIK, built once from the world."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._rng = random.Random(world.seed ^ 0x4B4E)
        self._cards: set[str] = {fixed.card for fixed in FIXED.values()}
        self.peserta: dict[str, dict[str, Any]] = {}
        for family in world.families.values():
            self._enrol(family)
        self.bodies = {nik: reply("200", "OK", {"peserta": p}) for nik, p in self.peserta.items()}

    def _card(self) -> str:
        while True:
            card = f"000{self._rng.randint(10**9, 10**10 - 1)}"
            if card not in self._cards:
                self._cards.add(card)
                return card

    def _enrol(self, family: Family) -> None:
        head = self.world.citizens[family.head_nik]
        fixed_head = FIXED.get(head.nik)
        terms = fixed_head.enrolment if fixed_head else _household_enrolment(head, self._rng)
        for nik in family.member_niks:
            fixed = FIXED.get(nik)
            enrolment = fixed.enrolment if fixed else terms
            if nik in NOT_MEMBERS or enrolment is None:
                continue
            citizen = self.world.citizens[nik]
            card = fixed.card if fixed else self._card()
            if not citizen.alive:
                enrolment = Enrolment(enrolment.segment, enrolment.care_class, "1")
            self.peserta[nik] = self._peserta(citizen, card, enrolment)

    def _peserta(self, citizen: Citizen, card: str, terms: Enrolment) -> dict[str, Any]:
        since = max(JKN_START, citizen.birth_date) + timedelta(days=self._rng.randint(0, 2000))
        today = self.world.reference_date
        if terms.status == "1" and citizen.death_date is not None:
            until = citizen.death_date
        elif terms.status == "0":
            until = date(today.year + 1, 12, 31)
        else:
            until = add_months(today.replace(day=1), -self._rng.randint(2, 30)) - timedelta(days=1)
        return {
            "noKartu": card,
            "nik": citizen.nik,
            "nama": citizen.name,
            "pisa": _PISA.get(citizen.relationship, "5"),
            "sex": citizen.sex,
            "tglLahir": citizen.birth_date.isoformat(),
            "tglTMT": min(since, until).isoformat(),
            "tglTAT": until.isoformat(),
            "statusPeserta": {"kode": terms.status, "keterangan": STATUS[terms.status]},
            "hakKelas": {"kode": terms.care_class, "keterangan": CARE_CLASS[terms.care_class]},
            "jenisPeserta": {"kode": terms.segment, "keterangan": SEGMENTS[terms.segment]},
            "provUmum": _provider(citizen),
            "mr": {"noMR": None, "noTelepon": None},
            "informasi": {"dinsos": None, "prolanisPRB": None, "noSKTM": None},
        }


def member_niks(world: World | None = None) -> list[str]:
    """Every member's NIK, in register order: keys a benchmark can ask for and get a record."""
    return list(MemberRegister(world or default_world()).peserta)
