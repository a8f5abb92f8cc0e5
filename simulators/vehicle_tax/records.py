"""SAMSAT's own register of vehicles and its wire vocabulary (plates, rupiah, XML fragments).

The vehicle part of every reply is rendered once per record version and cached; a write
replaces the record, so the next read renders the new version once.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any
from xml.sax.saxutils import escape

from simulators.catalog import VehicleModel
from simulators.regions import Village
from simulators.vehicle_tax.tax import Assessment, YearDue, assess, ownership_orders
from simulators.world import Citizen, World

_PLATE = re.compile(r"([A-Z]{1,2})([0-9]{1,4})([A-Z]{0,3})")
_PLATE_NOISE = re.compile(r"[\s.\-]+")
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
XML_TYPE = "application/xml"


def normalise_plate(raw: str) -> str | None:
    """``b1234xyz``, ``B-1234-XYZ`` or ``B 1234 XYZ`` -> ``B 1234 XYZ``; None if not a plate."""
    match = _PLATE.fullmatch(_PLATE_NOISE.sub("", raw).upper())
    if match is None:
        return None
    return " ".join(part for part in match.groups() if part)


def rupiah(amount: int) -> str:
    return f"Rp {amount:,}".replace(",", ".")


def _decimal_comma(value: Decimal, places: int) -> str:
    return f"{value:.{places}f}".replace(".", ",")


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def xml_fields(fields: dict[str, Any]) -> str:
    return "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in fields.items())


def xml_document(inner: str) -> bytes:
    return f"{XML_HEAD}<respon>{inner}</respon>".encode()


def owner_address(street: str, village: Village) -> str:
    """The one-line owner address SAMSAT prints: street, village, district, regency."""
    return (
        f"{street}, {village.village_name}, {village.district_name}, {village.regency_name}"
    ).upper()


def _citizen_address(owner: Citizen) -> str:
    address = owner.address
    return owner_address(f"{address.street} RT {address.rt} RW {address.rw}", address.village)


@dataclass(frozen=True)
class Registration:
    """One vehicle as SAMSAT records it; writes replace it with an updated copy."""

    plate: str
    model: VehicleModel
    year_built: int
    color: str
    owner_nik: str
    owner_name: str
    owner_address: str
    #: Where the vehicle is registered: it sets the tariff and prefixes payment codes.
    regency_code: str
    ownership_order: int
    registered_on: date
    pkb_due: date
    stnk_due: date
    blocked: bool

    def assessment(self, today: date) -> Assessment:
        return assess(
            njkb=self.model.njkb,
            bobot=self.model.bobot,
            golongan=self.model.golongan,
            cc=self.model.cc,
            province_code=self.regency_code[:2],
            ownership_order=self.ownership_order,
            due_date=self.pkb_due,
            today=today,
        )

    @cached_property
    def fields(self) -> dict[str, Any]:
        return {
            "nopol": self.plate,
            "merk": self.model.make,
            "tipe": self.model.model,
            "jenis": self.model.jenis,
            "golongan": self.model.golongan,
            "cc": self.model.cc,
            "tahunBuat": self.year_built,
            "warna": self.color,
            "nikPemilik": self.owner_nik,
            "namaPemilik": self.owner_name,
            "alamatPemilik": self.owner_address,
            "tglAkhirPkb": dmy(self.pkb_due),
            "tglAkhirStnk": dmy(self.stnk_due),
            "statusBlokir": "YA" if self.blocked else "TIDAK",
        }

    @cached_property
    def fields_xml(self) -> str:
        return xml_fields(self.fields)


def _year(year: YearDue) -> dict[str, Any]:
    return {
        "tahunPajak": year.due_date.year,
        "tglJatuhTempo": dmy(year.due_date),
        "bulanTerlambat": year.months_late,
        "pkbPokok": rupiah(year.pkb),
        "opsenPkb": rupiah(year.opsen),
        "pkbDenda": rupiah(year.pkb_penalty),
        "swdklljPokok": rupiah(year.swdkllj),
        "swdklljDenda": rupiah(year.swdkllj_penalty),
        "jumlah": rupiah(year.total),
    }


def penetapan(assessment: Assessment) -> dict[str, Any]:
    """The assessment in SAMSAT's wire vocabulary (rupiah strings, decimal commas).

    The flat amounts are totals over every year owed, so a reader that knows only them still
    reads what is to be paid; ``tahun`` lists the years, oldest first, each with its own
    sanction, and ``bulanTerlambat``/``tglJatuhTempo`` are the oldest year's.
    """
    return {
        "kepemilikanKe": assessment.ownership_order,
        "njkb": rupiah(assessment.njkb),
        "bobot": _decimal_comma(assessment.bobot, 3),
        "tarifPersen": _decimal_comma(assessment.rate_percent, 2),
        "pkbPokok": rupiah(assessment.pkb),
        "opsenPkb": rupiah(assessment.opsen),
        "pkbDenda": rupiah(assessment.pkb_penalty),
        "swdklljPokok": rupiah(assessment.swdkllj),
        "swdklljDenda": rupiah(assessment.swdkllj_penalty),
        "bulanTerlambat": assessment.months_late,
        "jumlah": rupiah(assessment.total),
        "tglJatuhTempo": dmy(assessment.due_date),
        "jumlahTahun": len(assessment.years),
        "tahun": [_year(year) for year in assessment.years],
    }


def penetapan_xml(assessment: Assessment) -> str:
    """The inner XML of ``<penetapan>``: the totals, then one ``<tahun>`` per year owed."""
    fields = penetapan(assessment)
    years = fields.pop("tahun")
    return xml_fields(fields) + "".join(f"<tahun>{xml_fields(year)}</tahun>" for year in years)


class Fleet:
    """One office's register: by plate, and each owner's plates in registration order.

    ``provinces`` limits it to the vehicles registered in those provinces: a provincial
    office knows only its own register (None: every province, a national view).
    """

    def __init__(self, world: World, provinces: frozenset[str] | None = None) -> None:
        self.provinces = provinces
        vehicles = [
            v for v in world.vehicles.values() if provinces is None or v.province_code in provinces
        ]
        orders = ownership_orders(vehicles)
        self.by_plate: dict[str, Registration] = {}
        for vehicle in vehicles:
            owner = world.citizens[vehicle.owner_nik]
            self.by_plate[vehicle.plate] = Registration(
                plate=vehicle.plate,
                model=vehicle.model,
                year_built=vehicle.year_built,
                color=vehicle.color,
                owner_nik=owner.nik,
                owner_name=owner.name,
                owner_address=_citizen_address(owner),
                regency_code=vehicle.regency_code,
                ownership_order=orders[vehicle.plate],
                registered_on=vehicle.registered_on,
                pkb_due=vehicle.pkb_due,
                stnk_due=vehicle.stnk_due,
                blocked=vehicle.blocked,
            )
        self._plates_of: defaultdict[str, list[str]] = defaultdict(list)
        for registration in sorted(
            self.by_plate.values(), key=lambda r: (r.registered_on, r.plate)
        ):
            self._plates_of[registration.owner_nik].append(registration.plate)

    def of_owner(self, nik: str) -> list[Registration]:
        return [self.by_plate[plate] for plate in self._plates_of.get(nik, ())]

    def renew(self, registration: Registration, pkb_due: date) -> None:
        self.by_plate[registration.plate] = replace(registration, pkb_due=pkb_due)

    def move_owner(self, nik: str, address: str) -> int:
        """Gives every vehicle of ``nik`` the new owner address; returns how many changed."""
        owned = self.of_owner(nik)
        for registration in owned:
            self.by_plate[registration.plate] = replace(registration, owner_address=address)
        return len(owned)
