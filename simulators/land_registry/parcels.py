"""The land register projection of the demo world: certificates (sertipikat) by regency.

Land is registered where it lies, so each regency's land office (Kantor Pertanahan) holds only
the parcels in its regency, whoever owns them and wherever the owner lives. Numbers follow
BPN's conventions: the right's number (nomor hak) is the parcel's province, regency, district
and village codes, the kind of right (1 Hak Milik, 2 Hak Guna Usaha, 3 Hak Guna Bangunan,
4 Hak Pakai) and a 5-digit serial in that village, `31.74.10.04.1.01234`; the parcel's
identification number (NIB, Nomor Identifikasi Bidang tanah: not the business NIB of OSS) is
14 digits, the district's code, the village's last three digits and a 5-digit serial. A
right's term follows UUPA and PP 18/2021: Hak Milik does not end, Hak Guna Bangunan runs 30
years and Hak Pakai 25.

Each office's reply to an owner is rendered once; a lookup is one dict access.
"""

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

from simulators.dates import add_years
from simulators.regions import Village, villages_by_regency
from simulators.world import Citizen, World

XML_TYPE = "application/xml"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'


@dataclass(frozen=True, slots=True)
class Right:
    code: str
    digit: str
    name: str
    years: int | None


RIGHTS = {
    "HM": Right("HM", "1", "HAK MILIK", None),
    "HGU": Right("HGU", "2", "HAK GUNA USAHA", 35),
    "HGB": Right("HGB", "3", "HAK GUNA BANGUNAN", 30),
    "HP": Right("HP", "4", "HAK PAKAI", 25),
}


@dataclass(frozen=True, slots=True)
class Certificate:
    number: str
    right: Right
    parcel_id: str
    area_m2: int
    village: Village
    registered_on: date
    holder: Citizen

    @property
    def expires_on(self) -> date | None:
        years = self.right.years
        return None if years is None else add_years(self.registered_on, years)


@dataclass(frozen=True, slots=True)
class Holding:
    """A fixed demo citizen's parcel: which regency, which right, how large, since when."""

    nik: str
    regency: str
    right: str
    area_m2: int
    registered_on: date


#: The demo personas' land, so the README and the declaration's fixtures can name it: the
#: Jakarta citizen with several vehicles also has a house in Bandung (two offices answer for
#: him), the Bandung business owner holds a Hak Milik and a Hak Guna Bangunan, the deceased
#: Surabaya citizen's land is still in his name. The persona with nothing has no land.
FIXED: tuple[Holding, ...] = (
    Holding("3174101704820001", "3174", "HM", 240, date(2011, 3, 14)),
    Holding("3174101704820001", "3273", "HGB", 180, date(2016, 8, 2)),
    Holding("3273064811790001", "3273", "HM", 320, date(2008, 11, 20)),
    Holding("3273064811790001", "3273", "HGB", 1250, date(2019, 5, 6)),
    Holding("3273261407750001", "3273", "HM", 150, date(2003, 2, 17)),
    Holding("3578051402480001", "3578", "HM", 200, date(1994, 9, 9)),
    Holding("3374091203840001", "3374", "HP", 96, date(2012, 6, 28)),
)


def right_number(village: Village, right: Right, serial: int) -> str:
    code = village.village_code
    return f"{code[:2]}.{code[2:4]}.{code[4:6]}.{code[8:10]}.{right.digit}.{serial:05d}"


def _text(tag: str, value: object, **attributes: str) -> str:
    attrs = "".join(f" {name}={quoteattr(v)}" for name, v in attributes.items())
    if value is None:
        return f"<{tag}{attrs}/>"
    return f"<{tag}{attrs}>{escape(str(value))}</{tag}>"


def certificate_xml(certificate: Certificate) -> str:
    village = certificate.village
    holder = certificate.holder
    return (
        "<sertipikat>"
        + _text("nomorHak", certificate.number)
        + _text("jenisHak", certificate.right.name, kode=certificate.right.code)
        + _text("nib", certificate.parcel_id)
        + _text("luas", certificate.area_m2, satuan="m2")
        + "<letakTanah>"
        + _text("desa", village.village_name.upper(), kode=village.village_code)
        + _text("kecamatan", village.district_name.upper(), kode=village.district_code)
        + _text("kabupatenKota", village.regency_name.upper(), kode=village.regency_code)
        + "</letakTanah>"
        + _text("tanggalTerbit", certificate.registered_on.isoformat())
        + _text("berakhirHak", certificate.expires_on and certificate.expires_on.isoformat())
        + "<pemegangHak>"
        + _text("nik", holder.nik)
        + _text("nama", holder.name)
        + "</pemegangHak>"
        + "</sertipikat>"
    )


def xml_document(inner: str) -> bytes:
    return f"{XML_HEAD}<respon>{inner}</respon>".encode()


class LandRegister:
    """Every office's certificates by holder NIK, and its reply bodies, built once."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._rng = random.Random(world.seed ^ 0x42504E)
        self._villages = villages_by_regency()
        self._serials: Counter[tuple[str, str]] = Counter()
        self._parcels: Counter[str] = Counter()
        self.by_office: dict[str, dict[str, list[Certificate]]] = defaultdict(dict)
        for holding in FIXED:
            self._fixed(holding)
        fixed_owners = {holding.nik for holding in FIXED}
        for citizen in world.citizens.values():
            if citizen.nik not in fixed_owners:
                self._random_holding(citizen)
        self.bodies = {
            (regency, nik): _office_reply(held)
            for regency, holders in self.by_office.items()
            for nik, held in holders.items()
        }

    def _add(self, village: Village, holder: Citizen, right: Right, area: int, day: date) -> None:
        # Serials skip the numbers of parcels held by people outside the demo world.
        self._serials[(village.village_code, right.code)] += self._rng.randint(1, 40)
        self._parcels[village.village_code] += 1
        parcel = f"{village.village_code[:6]}{village.village_code[7:]}"
        certificate = Certificate(
            number=right_number(village, right, self._serials[(village.village_code, right.code)]),
            right=right,
            parcel_id=f"{parcel}{self._parcels[village.village_code]:05d}",
            area_m2=area,
            village=village,
            registered_on=day,
            holder=holder,
        )
        office = self.by_office[village.regency_code]
        office.setdefault(holder.nik, []).append(certificate)

    def _fixed(self, holding: Holding) -> None:
        holder = self.world.citizens[holding.nik]
        home = holder.address.village
        if home.regency_code == holding.regency:
            village = home
        else:
            village = self._rng.choice(self._villages[holding.regency])
        self._add(village, holder, RIGHTS[holding.right], holding.area_m2, holding.registered_on)

    def _random_holding(self, citizen: Citizen) -> None:
        """About four in ten heads of household hold the land of their home."""
        if citizen.relationship != "KEPALA KELUARGA" or self._rng.random() >= 0.4:
            return
        adult = add_years(citizen.birth_date, 21)
        earliest = max(adult, date(1985, 1, 1))
        latest = date(2025, 12, 31)
        if earliest >= latest:
            return
        right = RIGHTS[self._rng.choices(("HM", "HGB", "HP"), (75, 20, 5))[0]]
        area = self._rng.randint(60, 600) if right.code == "HM" else self._rng.randint(72, 1500)
        day = earliest + timedelta(days=self._rng.randint(0, (latest - earliest).days))
        self._add(citizen.address.village, citizen, right, area, day)


def _office_reply(held: list[Certificate]) -> bytes:
    items = "".join(certificate_xml(c) for c in held)
    return xml_document(
        "<kode>00</kode><pesan>DATA DITEMUKAN</pesan>"
        f"<jumlahData>{len(held)}</jumlahData>"
        f"<daftarSertipikat>{items}</daftarSertipikat>"
    )
