"""The deterministic demo world all three simulated agencies are projected from.

One seed gives one population, so a NIK the civil registry knows owns the vehicles SAMSAT
knows and the businesses OSS knows. Identities (names, birth dates, NIKs, KKs) are anchored to
fixed calendar ranges so they stay the same from day to day; only time-relative facts (tax due
dates, registrations, deaths, licence dates) are placed around the reference date, so that
"overdue" and "pending" stay true whatever day the demo runs.
"""

import os
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal

from faker import Faker

from simulators.catalog import (
    BALI_BIRTH_NAMES,
    BIRTH_PLACES_ELSEWHERE,
    BUSINESS_WORDS,
    CARS,
    COLORS,
    KBLI_BY_CODE,
    KBLI_TABLE,
    MOTORCYCLES,
    OCCUPATIONS_ADULT,
    REGENCY_PLATES,
    SUFFIX_LETTERS,
    Kbli,
    VehicleModel,
)
from simulators.dates import JAKARTA, add_years, reference_date
from simulators.regions import Village, city_of_birth, village_by_code, villages_by_regency

DEFAULT_SEED = 20261123
MIN_CITIZENS = 1200
#: Identities are generated relative to this fixed day, never to the reference date.
IDENTITY_EPOCH = date(2026, 1, 1)

Sex = Literal["L", "P"]
OwnerKind = Literal["UMK_PERORANGAN", "PT", "CV", "KOPERASI"]
PermitKind = Literal["NIB", "SERTIFIKAT_STANDAR", "IZIN"]
PermitStatus = Literal["TERBIT", "MENUNGGU_VERIFIKASI", "DITOLAK"]


@dataclass(frozen=True, slots=True)
class Address:
    street: str
    rt: str
    rw: str
    village: Village


@dataclass(frozen=True, slots=True)
class Citizen:
    nik: str
    no_kk: str
    name: str
    sex: Sex
    birth_place: str
    birth_date: date
    blood_type: str
    religion: str
    marital_status: str
    occupation: str
    relationship: str
    address: Address
    death_date: date | None = None

    @property
    def alive(self) -> bool:
        return self.death_date is None


@dataclass(frozen=True, slots=True)
class Family:
    no_kk: str
    issued_on: date
    head_nik: str
    member_niks: tuple[str, ...]
    address: Address


@dataclass(frozen=True, slots=True)
class Vehicle:
    plate: str
    model: VehicleModel
    year_built: int
    color: str
    owner_nik: str
    registered_on: date
    pkb_due: date
    stnk_due: date
    blocked: bool
    #: Where the vehicle is registered, normally the owner's regency at registration. It
    #: decides which province taxes it, under which Perda, and stays when the owner moves.
    regency_code: str

    @property
    def province_code(self) -> str:
        return self.regency_code[:2]


@dataclass(frozen=True, slots=True)
class Permit:
    kind: PermitKind
    number: str
    status: PermitStatus
    issued_at: datetime | None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Activity:
    kbli: Kbli
    permits: tuple[Permit, ...]


@dataclass(frozen=True, slots=True)
class Business:
    nib: str
    name: str
    owner_kind: OwnerKind
    owner_nik: str
    npwp: str | None
    scale: str
    address: Address
    issued_at: datetime
    activities: tuple[Activity, ...]


@dataclass(frozen=True, slots=True)
class Persona:
    """A fixed demo citizen; ``related_niks`` lists the other members of the persona's KK."""

    key: str
    nik: str
    name: str
    no_kk: str
    description: str
    plates: tuple[str, ...] = ()
    nibs: tuple[str, ...] = ()
    related_niks: tuple[str, ...] = ()


@dataclass(frozen=True)
class World:
    seed: int
    reference_date: date
    citizens: dict[str, Citizen]
    families: dict[str, Family]
    vehicles: dict[str, Vehicle]
    businesses: dict[str, Business]
    personas: dict[str, Persona]


@dataclass(frozen=True, slots=True)
class _Member:
    relationship: str
    sex: Sex
    birth_date: date
    marital_status: str
    death_date: date | None = None


_PLATE_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_BLOOD_TYPES = ("A", "B", "AB", "O", "TIDAK TAHU")
_BLOOD_WEIGHTS = (25, 27, 7, 33, 8)
_RELIGIONS = ("ISLAM", "KRISTEN", "KATHOLIK", "HINDU", "BUDHA", "KONGHUCU")
_RELIGION_WEIGHTS: dict[str, tuple[int, ...]] = {
    "5171": (25, 5, 3, 65, 2, 0),
    "1271": (62, 22, 5, 1, 9, 1),
    "default": (86, 7, 3, 1, 2, 1),
}
_REJECTION_REASONS = (
    "Dokumen persyaratan tidak lengkap",
    "Lokasi usaha tidak sesuai dengan RDTR",
    "Hasil verifikasi lapangan tidak memenuhi standar",
)


def _faker(seed: int) -> Faker:
    fake = Faker("id_ID")
    fake.seed_instance(seed)
    return fake


def _age(birth: date) -> int:
    years = IDENTITY_EPOCH.year - birth.year
    return years - ((IDENTITY_EPOCH.month, IDENTITY_EPOCH.day) < (birth.month, birth.day))


class _Builder:
    """Holds the generator state; one instance builds one world."""

    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.fake = _faker(seed)
        self.today = today
        self.villages = villages_by_regency()
        self.citizens: dict[str, Citizen] = {}
        self.families: dict[str, Family] = {}
        self.vehicles: dict[str, Vehicle] = {}
        self.businesses: dict[str, Business] = {}
        self.fixed: set[str] = set()
        self._nik_serials: Counter[str] = Counter()
        self._kk_serials: Counter[str] = Counter()

    def _date_between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def _address(self, village: Village) -> Address:
        street = self.fake.street_name().upper()
        for long_form, short in (("JALAN ", "JL. "), ("GANG ", "GG. ")):
            if street.startswith(long_form):
                street = short + street.removeprefix(long_form)
        if not street.startswith(("JL. ", "GG. ")):
            street = "JL. " + street
        return Address(
            street=f"{street} NO. {self.rng.randint(1, 250)}",
            rt=f"{self.rng.randint(1, 15):03d}",
            rw=f"{self.rng.randint(1, 12):03d}",
            village=village,
        )

    def _name(self, sex: Sex, religion: str, village: Village) -> str:
        first = self.fake.first_name_male() if sex == "L" else self.fake.first_name_female()
        if religion == "HINDU" and village.province_code == "51":
            title = "I" if sex == "L" else "NI"
            return f"{title} {self.rng.choice(BALI_BIRTH_NAMES)} {first}".upper()
        if self.rng.random() < 0.15:
            return first.upper()
        last = self.fake.last_name_male() if sex == "L" else self.fake.last_name_female()
        return f"{first} {last}".upper()

    def _nik(self, district: str, birth: date, sex: Sex) -> str:
        day = birth.day + (40 if sex == "P" else 0)
        prefix = f"{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}"
        self._nik_serials[prefix] += 1
        return f"{prefix}{self._nik_serials[prefix]:04d}"

    def _kk(self, village: Village, issued: date) -> str:
        prefix = f"{village.district_code}{issued:%d%m%y}"
        self._kk_serials[prefix] += 1
        return f"{prefix}{self._kk_serials[prefix]:04d}"

    def _occupation(self, member: _Member) -> str:
        age = _age(member.birth_date)
        if age < 6:
            return "BELUM/TIDAK BEKERJA"
        if age < 23:
            return "PELAJAR/MAHASISWA"
        if age >= 60 and self.rng.random() < 0.6:
            return "PENSIUNAN"
        if member.relationship == "ISTRI" and self.rng.random() < 0.4:
            return "MENGURUS RUMAH TANGGA"
        return self.rng.choice(OCCUPATIONS_ADULT)

    def _religion(self, village: Village) -> str:
        weights = _RELIGION_WEIGHTS.get(village.regency_code, _RELIGION_WEIGHTS["default"])
        return self.rng.choices(_RELIGIONS, weights)[0]

    def family(
        self, village: Village, members: list[_Member], nik_district: str | None = None
    ) -> list[Citizen]:
        """Registers a household on a new KK; the first member is the head. ``nik_district``
        is the code their NIKs were issued under when the region has been renumbered since
        (a NIK is never reissued); the KK, issued again with every change, has today's."""
        head = members[0]
        issued = self._date_between(
            max(add_years(head.birth_date, 19), date(2000, 1, 1)),
            IDENTITY_EPOCH - timedelta(days=30),
        )
        no_kk = self._kk(village, issued)
        address = self._address(village)
        religion = self._religion(village)
        home_city = city_of_birth(village)
        people: list[Citizen] = []
        for member in members:
            born_here = self.rng.random() < 0.8
            citizen = Citizen(
                nik=self._nik(nik_district or village.district_code, member.birth_date, member.sex),
                no_kk=no_kk,
                name=self._name(member.sex, religion, village),
                sex=member.sex,
                birth_place=home_city if born_here else self.rng.choice(BIRTH_PLACES_ELSEWHERE),
                birth_date=member.birth_date,
                blood_type=self.rng.choices(_BLOOD_TYPES, _BLOOD_WEIGHTS)[0],
                religion=religion,
                marital_status=member.marital_status,
                occupation=self._occupation(member),
                relationship=member.relationship,
                address=address,
                death_date=member.death_date,
            )
            self.citizens[citizen.nik] = citizen
            people.append(citizen)
        self.families[no_kk] = Family(
            no_kk=no_kk,
            issued_on=issued,
            head_nik=people[0].nik,
            member_niks=tuple(p.nik for p in people),
            address=address,
        )
        return people

    def _children(self, mother_birth: date, count: int) -> list[_Member]:
        births = sorted(
            self._date_between(add_years(mother_birth, 20), add_years(mother_birth, 42))
            for _ in range(count)
        )
        latest = IDENTITY_EPOCH - timedelta(days=60)
        return [
            _Member("ANAK", self.rng.choice(("L", "P")), min(b, latest), "BELUM KAWIN")
            for b in births
        ]

    def random_household(self) -> None:
        village = self.rng.choice(self.villages[self.rng.choice(sorted(self.villages))])
        shape = self.rng.choices(
            ("couple", "couple_parent", "single", "elder", "single_parent"),
            (65, 10, 12, 8, 5),
        )[0]
        members: list[_Member]
        if shape in ("couple", "couple_parent"):
            earliest = date(1970, 1, 1) if shape == "couple_parent" else date(1950, 1, 1)
            head_birth = self._date_between(earliest, date(2000, 12, 31))
            wife_birth = min(
                head_birth + timedelta(days=self.rng.randint(-730, 2920)), date(2002, 12, 31)
            )
            members = [
                _Member("KEPALA KELUARGA", "L", head_birth, "KAWIN"),
                _Member("ISTRI", "P", wife_birth, "KAWIN"),
            ]
            members += self._children(
                wife_birth, self.rng.choices((0, 1, 2, 3, 4), (12, 25, 35, 20, 8))[0]
            )
            if shape == "couple_parent":
                parent_birth = add_years(head_birth, -self.rng.randint(22, 35))
                death = None
                if self.rng.random() < 0.3:
                    death = self.today - timedelta(days=self.rng.randint(60, 2500))
                members.append(
                    _Member(
                        "ORANG TUA", self.rng.choice(("L", "P")), parent_birth, "CERAI MATI", death
                    )
                )
        elif shape == "single":
            birth = self._date_between(date(1988, 1, 1), date(2004, 12, 31))
            members = [
                _Member("KEPALA KELUARGA", self.rng.choice(("L", "P")), birth, "BELUM KAWIN")
            ]
        elif shape == "elder":
            birth = self._date_between(date(1940, 1, 1), date(1960, 12, 31))
            members = [_Member("KEPALA KELUARGA", self.rng.choice(("L", "P")), birth, "CERAI MATI")]
        else:
            birth = self._date_between(date(1965, 1, 1), date(1995, 12, 31))
            status = self.rng.choice(("CERAI HIDUP", "CERAI MATI"))
            members = [_Member("KEPALA KELUARGA", "P", birth, status)]
            members += self._children(birth, self.rng.randint(1, 3))
        self.family(village, members)

    def _plate(self, regency_code: str, suffix: str | None = None) -> str:
        """A free plate of the registering regency; ``suffix`` forces its regency letter."""
        while True:
            number = self.rng.randint(1, 9999)
            letters = "".join(
                self.rng.choice(_PLATE_LETTERS) for _ in range(self.rng.randint(1, 3))
            )
            options = SUFFIX_LETTERS.get(regency_code)
            if options is not None:
                letters = (suffix or options[number % len(options)]) + letters[:2]
            plate = f"{REGENCY_PLATES[regency_code]} {number} {letters}"
            if plate not in self.vehicles:
                return plate

    def vehicle(
        self,
        owner: Citizen,
        model: VehicleModel,
        due_in_days: int,
        blocked: bool = False,
        registered_in: str | None = None,
        suffix: str | None = None,
    ) -> Vehicle:
        """Registers a vehicle whose PKB falls due ``due_in_days`` after the reference date.

        ``registered_in`` is a regency other than the owner's, for a vehicle still registered
        where its owner used to live.
        """
        regency_code = registered_in or owner.address.village.regency_code
        pkb_due = self.today + timedelta(days=due_in_days)
        registered = add_years(pkb_due, -self.rng.randint(1, 8))
        stnk_due = registered
        while stnk_due < pkb_due:
            stnk_due = add_years(stnk_due, 5)
        vehicle = Vehicle(
            plate=self._plate(regency_code, suffix),
            model=model,
            year_built=registered.year - self.rng.choice((0, 0, 0, 1)),
            color=self.rng.choice(COLORS),
            owner_nik=owner.nik,
            registered_on=registered,
            pkb_due=pkb_due,
            stnk_due=stnk_due,
            blocked=blocked,
            regency_code=regency_code,
        )
        self.vehicles[vehicle.plate] = vehicle
        return vehicle

    def _random_due(self) -> int:
        if self.rng.random() < 0.75:
            return self.rng.randint(0, 364)
        return -self.rng.randint(1, 30) * self.rng.choice((1, 1, 2, 5, 12, 25))

    def _timestamp(self, day: date) -> datetime:
        clock = time(self.rng.randint(8, 15), self.rng.randint(0, 59), self.rng.randint(0, 59))
        return datetime.combine(day, clock, tzinfo=JAKARTA)

    def _nib(self) -> str:
        while True:
            nib = f"{self.rng.choice(('812', '912'))}{self.rng.randint(0, 10**10 - 1):010d}"
            if nib not in self.businesses:
                return nib

    def _npwp(self) -> str:
        digits = (
            f"{self.rng.choice(('01', '02', '03'))}{self.rng.randint(0, 999_999):06d}"
            f"{self.rng.randint(0, 9)}{self.rng.randint(1, 999):03d}000"
        )
        return f"0{digits}" if self.rng.random() < 0.5 else digits

    def _business_name(self, kind: OwnerKind, owner: Citizen, first: Kbli) -> str:
        words = " ".join(self.rng.sample(BUSINESS_WORDS, 2))
        if kind == "UMK_PERORANGAN":
            honorific = "PAK" if owner.sex == "L" else "BU"
            given = owner.name.split()[-1 if owner.name.startswith(("I ", "NI ")) else 0]
            if self.rng.random() < 0.5:
                return f"{first.shop_label} {honorific} {given}"
            return f"{first.shop_label} {words}"
        if kind == "KOPERASI":
            return f"KOPERASI SERBA USAHA {words}"
        return f"{kind} {words} {self.rng.choice(BUSINESS_WORDS)}"

    def _permits(
        self, nib: str, seq: int, kbli: Kbli, status: PermitStatus | None, issued_at: datetime
    ) -> tuple[Permit, ...]:
        nib_permit = Permit("NIB", nib, "TERBIT", issued_at)
        if kbli.risk == "R" or status is None:
            return (nib_permit,)
        kind: PermitKind = "IZIN" if kbli.risk == "T" else "SERTIFIKAT_STANDAR"
        number = f"{nib}{seq:04d}"
        if status == "MENUNGGU_VERIFIKASI":
            return nib_permit, Permit(kind, number, status, None)
        if status == "DITOLAK":
            return nib_permit, Permit(
                kind, number, status, None, self.rng.choice(_REJECTION_REASONS)
            )
        waited = (self.today - issued_at.date()).days
        delay = 0 if kbli.risk == "MR" else min(self.rng.randint(3, 14), waited)
        return nib_permit, Permit(kind, number, status, issued_at + timedelta(days=delay))

    def business(
        self, owner: Citizen, kind: OwnerKind, plan: list[tuple[str, PermitStatus | None]]
    ) -> Business:
        """Registers a business; ``plan`` pairs each KBLI code with its licence outcome."""
        nib = self._nib()
        pending = any(status == "MENUNGGU_VERIFIKASI" for _, status in plan)
        age_days = self.rng.randint(1, 9) if pending else self.rng.randint(30, 1500)
        issued_at = self._timestamp(self.today - timedelta(days=age_days))
        if kind == "UMK_PERORANGAN":
            village = owner.address.village
            scale = self.rng.choices(("MIKRO", "KECIL"), (80, 20))[0]
        else:
            village = self.rng.choice(self.villages[owner.address.village.regency_code])
            scale = self.rng.choice(
                ("KECIL", "MENENGAH", "BESAR") if kind == "PT" else ("MIKRO", "KECIL", "MENENGAH")
            )
        activities = tuple(
            Activity(
                KBLI_BY_CODE[code], self._permits(nib, seq, KBLI_BY_CODE[code], status, issued_at)
            )
            for seq, (code, status) in enumerate(plan, start=1)
        )
        business = Business(
            nib=nib,
            name=self._business_name(kind, owner, activities[0].kbli),
            owner_kind=kind,
            owner_nik=owner.nik,
            npwp=None if kind == "UMK_PERORANGAN" else self._npwp(),
            scale=scale,
            address=self._address(village),
            issued_at=issued_at,
            activities=activities,
        )
        self.businesses[nib] = business
        return business

    def _random_plan(self, kind: OwnerKind) -> list[tuple[str, PermitStatus | None]]:
        pool = [k for k in KBLI_TABLE if kind != "UMK_PERORANGAN" or k.risk in ("R", "MR")]
        plan: list[tuple[str, PermitStatus | None]] = []
        for kbli in self.rng.sample(pool, self.rng.choices((1, 2, 3), (60, 30, 10))[0]):
            status: PermitStatus | None = None
            if kbli.risk == "MR":
                status = "TERBIT"
            elif kbli.risk == "MT":
                status = self.rng.choices(("TERBIT", "MENUNGGU_VERIFIKASI"), (75, 25))[0]
            elif kbli.risk == "T":
                status = self.rng.choices(
                    ("TERBIT", "MENUNGGU_VERIFIKASI", "DITOLAK"), (60, 25, 15)
                )[0]
            plan.append((kbli.code, status))
        return plan

    def random_assets(self) -> None:
        for citizen in list(self.citizens.values()):
            if citizen.nik in self.fixed or not citizen.alive or _age(citizen.birth_date) < 18:
                continue
            if self.rng.random() < 0.4:
                for _ in range(self.rng.choices((1, 2), (80, 20))[0]):
                    self.vehicle(
                        citizen,
                        self.rng.choice(MOTORCYCLES),
                        self._random_due(),
                        blocked=self.rng.random() < 0.02,
                    )
            if citizen.occupation != "PELAJAR/MAHASISWA" and self.rng.random() < 0.22:
                for _ in range(self.rng.choices((1, 2), (85, 15))[0]):
                    self.vehicle(
                        citizen,
                        self.rng.choice(CARS),
                        self._random_due(),
                        blocked=self.rng.random() < 0.02,
                    )
            if self.rng.random() < 0.15:
                kind: OwnerKind = self.rng.choices(
                    ("UMK_PERORANGAN", "PT", "CV", "KOPERASI"), (75, 10, 10, 5)
                )[0]
                self.business(citizen, kind, self._random_plan(kind))


def _village(builder: _Builder, regency_code: str) -> Village:
    return builder.rng.choice(builder.villages[regency_code])


def _make_personas(b: _Builder) -> dict[str, Persona]:
    """Creates the fixed demo citizens of CONTRACT.md before the random population."""
    result: dict[str, Persona] = {}

    def persona(
        key: str,
        people: list[Citizen],
        description: str,
        plates: tuple[str, ...] = (),
        nibs: tuple[str, ...] = (),
    ) -> None:
        head = people[0]
        b.fixed.update(p.nik for p in people)
        result[key] = Persona(
            key,
            head.nik,
            head.name,
            head.no_kk,
            description,
            plates,
            nibs,
            tuple(p.nik for p in people[1:]),
        )

    people = b.family(
        _village(b, "3174"),
        [
            _Member("KEPALA KELUARGA", "L", date(1982, 4, 17), "KAWIN"),
            _Member("ISTRI", "P", date(1985, 9, 2), "KAWIN"),
            _Member("ANAK", "L", date(2012, 1, 23), "BELUM KAWIN"),
        ],
    )
    owner = people[0]
    fleet = [
        b.vehicle(owner, CARS[0], 150),
        b.vehicle(owner, CARS[1], -40),
        b.vehicle(owner, CARS[6], 60),
        b.vehicle(owner, MOTORCYCLES[2], -95),
    ]
    persona(
        "several_vehicles_overdue",
        [owner],
        "Warga Jakarta dengan 3 mobil dan 1 sepeda motor, 2 kendaraan lewat jatuh tempo",
        plates=tuple(v.plate for v in fleet),
    )

    people = b.family(
        _village(b, "3273"),
        [
            _Member("KEPALA KELUARGA", "P", date(1979, 11, 8), "CERAI HIDUP"),
        ],
    )
    shop = b.business(people[0], "UMK_PERORANGAN", [("56102", None), ("56101", "TERBIT")])
    company = b.business(people[0], "PT", [("55110", "MENUNGGU_VERIFIKASI"), ("86105", "TERBIT")])
    persona(
        "every_risk_business",
        people,
        "Pemilik usaha dengan KBLI risiko R, MR, MT (menunggu verifikasi) dan T (izin terbit)",
        nibs=(shop.nib, company.nib),
    )

    people = b.family(
        _village(b, "3471"),
        [
            _Member("KEPALA KELUARGA", "L", date(1998, 6, 30), "BELUM KAWIN"),
        ],
    )
    persona("nothing", people, "Warga tanpa kendaraan dan tanpa usaha")

    people = b.family(
        _village(b, "3578"),
        [
            _Member(
                "KEPALA KELUARGA",
                "L",
                date(1948, 2, 14),
                "CERAI MATI",
                b.today - timedelta(days=45),
            ),
        ],
    )
    car = b.vehicle(people[0], CARS[4], 120)
    persona(
        "deceased",
        people,
        "Warga yang sudah meninggal (STATUS_HIDUP MATI), masih memiliki kendaraan",
        plates=(car.plate,),
    )

    people = b.family(
        _village(b, "3374"),
        [
            _Member("KEPALA KELUARGA", "L", date(1984, 3, 12), "KAWIN"),
            _Member("ISTRI", "P", date(1987, 7, 25), "KAWIN"),
            _Member("ANAK", "P", date(2010, 10, 3), "BELUM KAWIN"),
            _Member("ANAK", "L", date(2015, 5, 19), "BELUM KAWIN"),
        ],
    )
    bike = b.vehicle(people[0], MOTORCYCLES[4], 200)
    store = b.business(people[0], "UMK_PERORANGAN", [("47112", None)])
    persona(
        "family",
        people,
        "Kepala keluarga, istri dan dua anak dalam satu KK; kepala "
        "keluarga memiliki satu kendaraan dan satu usaha",
        plates=(bike.plate,),
        nibs=(store.nib,),
    )

    people = b.family(
        _village(b, "1471"),
        [
            _Member("KEPALA KELUARGA", "P", date(1990, 8, 5), "BELUM KAWIN"),
        ],
    )
    persona("woman", people, "Warga perempuan (tanggal lahir + 40 di NIK)")

    # Appended after the first six so their NIKs, plates and NIBs never move.
    people = b.family(
        _village(b, "3171"),
        [_Member("KEPALA KELUARGA", "L", date(1986, 12, 9), "BELUM KAWIN")],
    )
    jakarta_car = b.vehicle(people[0], CARS[6], 100)
    surabaya_car = b.vehicle(people[0], CARS[2], -25, registered_in="3578")
    persona(
        "two_provinces",
        people,
        "Warga pindahan dari Surabaya (3578) yang kini tinggal di Jakarta Pusat: satu mobil "
        "terdaftar di DKI Jakarta (B ... P..), satu mobil masih terdaftar di Jawa Timur "
        "(L ..., lewat jatuh tempo); tiap provinsi hanya mengenal kendaraannya sendiri",
        plates=(jakarta_car.plate, surabaya_car.plate),
    )

    people = b.family(
        _village(b, "3275"),
        [_Member("KEPALA KELUARGA", "P", date(1991, 3, 27), "BELUM KAWIN")],
    )
    bekasi_car = b.vehicle(people[0], CARS[0], -70)
    persona(
        "bekasi_plate",
        people,
        "Warga Kota Bekasi (3275) dengan mobil pelat B ... K.. yang dipajaki Jawa Barat, "
        "terlambat 3 bulan (ada sanksi administratif)",
        plates=(bekasi_car.plate,),
    )

    people = b.family(
        _village(b, "3273"),
        [_Member("KEPALA KELUARGA", "L", date(1975, 7, 14), "CERAI HIDUP")],
    )
    arrears_car = b.vehicle(people[0], CARS[5], -500)
    persona(
        "multi_year_arrears",
        people,
        "Warga Kota Bandung (Jawa Barat) yang menunggak PKB dua tahun: tiap tahun pajak "
        "dengan PKB, opsen, sanksi dan SWDKLLJ sendiri",
        plates=(arrears_car.plate,),
    )

    people = b.family(
        _village(b, "3671"),
        [_Member("KEPALA KELUARGA", "P", date(1993, 1, 30), "BELUM KAWIN")],
    )
    tangerang_car = b.vehicle(people[0], CARS[4], 30, suffix="C")
    persona(
        "tangerang_plate",
        people,
        "Warga Kota Tangerang (3671) dengan mobil pelat B ... C.. yang dipajaki Banten "
        "(belum ada kantor Banten yang terhubung)",
        plates=(tangerang_car.plate,),
    )
    return result


def _make_pre_split_personas(b: _Builder) -> dict[str, Persona]:
    """Citizens whose NIKs carry a region code retired since (see
    :mod:`app.schemas.nik_history`). Made after the random population, so that every other
    citizen, plate and NIB stays what it was before they joined."""
    result: dict[str, Persona] = {}
    for key, village_code, nik_district, member, description in (
        (
            "pre_split_jayapura",
            "9171031002",
            "947103",
            _Member("KEPALA KELUARGA", "P", date(1992, 6, 21), "BELUM KAWIN"),
            "Warga Abepura, Kota Jayapura (91.71.03), dengan NIK berkode 94.71.03 (kode BPS "
            "Kota Jayapura, contoh di issue 16): diterima dan dibaca sebagai 91.71.03",
        ),
        (
            "pre_split_sorong",
            "9601182001",
            "920143",
            _Member("KEPALA KELUARGA", "L", date(1988, 2, 11), "KAWIN"),
            "Warga distrik Sorong, Kabupaten Sorong, dengan NIK terbit sebelum pemekaran 2022 "
            "(92.01.43, Papua Barat); kini 96.01.18, Papua Barat Daya",
        ),
    ):
        village = village_by_code(village_code)
        if village is None:
            raise LookupError(f"village {village_code} is missing from the Kemendagri table")
        [citizen] = b.family(village, [member], nik_district=nik_district)
        result[key] = Persona(key, citizen.nik, citizen.name, citizen.no_kk, description)
    return result


@lru_cache(maxsize=8)
def build_world(seed: int, reference_date: date) -> World:
    """Builds (once per seed and date) the whole demo population; treat it as read-only."""
    today = reference_date
    builder = _Builder(seed, today)
    personas = _make_personas(builder)
    while len(builder.citizens) < MIN_CITIZENS:
        builder.random_household()
    builder.random_assets()
    personas.update(_make_pre_split_personas(builder))
    return World(
        seed=seed,
        reference_date=today,
        citizens=builder.citizens,
        families=builder.families,
        vehicles=builder.vehicles,
        businesses=builder.businesses,
        personas=personas,
    )


def world_seed() -> int:
    return int(os.environ.get("SIM_SEED", str(DEFAULT_SEED)))


def default_world() -> World:
    """The world of this process: ``SIM_SEED`` (default 20261123) and ``SIM_TODAY`` or today."""
    return build_world(world_seed(), reference_date())


def personas(world: World | None = None) -> dict[str, Persona]:
    """Demo personas by key (``several_vehicles_overdue``, ``every_risk_business``, ...)."""
    return (world or default_world()).personas
