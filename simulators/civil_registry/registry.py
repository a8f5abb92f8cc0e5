"""The Dukcapil projection of the demo world, in the web service's own vocabulary.

Every reply body is serialised ahead of time so a lookup is one dict access (the gateway's
throughput benchmark hits these handlers); a write re-serialises only the record it changes.
"""

import json
import re
from dataclasses import replace
from datetime import date
from typing import Any

from simulators.regions import Village, village_by_code
from simulators.world import Address, Citizen, Family, World

_SPACE = re.compile(r"\s+")
MATCH = "SESUAI"
MISMATCH = "TIDAK SESUAI"


def dmy(day: date | None) -> str | None:
    return None if day is None else day.strftime("%d-%m-%Y")


def _province_name(village: Village) -> str:
    name = village.province_name.upper()
    return name.replace("DAERAH KHUSUS IBUKOTA", "DKI").replace("DAERAH ISTIMEWA", "DI")


def _regency_name(village: Village) -> str:
    return village.regency_name.upper().replace("KOTA ADMINISTRASI", "KOTA ADM.")


def _address_fields(family_or_citizen: Citizen | Family) -> dict[str, str]:
    address = family_or_citizen.address
    village = address.village
    return {
        "ALAMAT": address.street,
        "NO_RT": address.rt,
        "NO_RW": address.rw,
        "KEL_NAME": village.village_name.upper(),
        "KEC_NAME": village.district_name.upper(),
        "KAB_NAME": _regency_name(village),
        "PROP_NAME": _province_name(village),
    }


def _status(citizen: Citizen) -> str:
    return "HIDUP" if citizen.alive else "MATI"


def _person(citizen: Citizen) -> dict[str, Any]:
    village = citizen.address.village
    return {
        "NIK": citizen.nik,
        "NO_KK": citizen.no_kk,
        "NAMA_LGKP": citizen.name,
        "TMPT_LHR": citizen.birth_place,
        "TGL_LHR": dmy(citizen.birth_date),
        "JENIS_KLMIN": "LAKI-LAKI" if citizen.sex == "L" else "PEREMPUAN",
        "GOL_DARAH": citizen.blood_type,
        "AGAMA": citizen.religion,
        "STATUS_KAWIN": citizen.marital_status,
        "JENIS_PKRJN": citizen.occupation,
        "KEWARGANEGARAAN": "WNI",
        "STAT_HBKEL": citizen.relationship,
        **_address_fields(citizen),
        "NO_PROP": village.province_code,
        "NO_KAB": village.regency_code[2:],
        "NO_KEC": village.district_code[4:],
        "NO_KEL": village.village_code[6:],
        "STATUS_HIDUP": _status(citizen),
        "TGL_MATI": dmy(citizen.death_date),
        "MASA_BERLAKU_KTP": "SEUMUR HIDUP",
    }


def _member(citizen: Citizen) -> dict[str, Any]:
    return {
        "NIK": citizen.nik,
        "NAMA_LGKP": citizen.name,
        "STAT_HBKEL": citizen.relationship,
        "JENIS_KLMIN": "LAKI-LAKI" if citizen.sex == "L" else "PEREMPUAN",
        "TGL_LHR": dmy(citizen.birth_date),
        "TMPT_LHR": citizen.birth_place,
        "STATUS_HIDUP": _status(citizen),
    }


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def outcome(code: str, desc: str) -> bytes:
    return encode({"RESPONSE_CODE": code, "RESPONSE_DESC": desc, "content": []})


NOT_FOUND = outcome("11", "DATA TIDAK DITEMUKAN")
DECEASED = outcome("13", "PENDUDUK SUDAH MENINGGAL")
UNKNOWN_VILLAGE = outcome("14", "KODE WILAYAH TIDAK DIKENAL")


def _found(citizen: Citizen) -> bytes:
    return encode({"RESPONSE_CODE": "00", "RESPONSE_DESC": "SUKSES", "content": [_person(citizen)]})


def _same_name(given: str, recorded: str) -> bool:
    return _SPACE.sub("", given).upper() == _SPACE.sub("", recorded).upper()


class Registry:
    """One app's registry; it is mutable, so every app instance builds its own."""

    def __init__(self, world: World) -> None:
        self.citizens: dict[str, Citizen] = dict(world.citizens)
        self.persons: dict[str, bytes] = {nik: _found(c) for nik, c in self.citizens.items()}
        self.families: dict[str, bytes] = {
            kk: encode(
                {
                    "RESPONSE_CODE": "00",
                    "RESPONSE_DESC": "SUKSES",
                    "NO_KK": kk,
                    "NAMA_KEP": self.citizens[family.head_nik].name,
                    **_address_fields(family),
                    "content": [_member(self.citizens[nik]) for nik in family.member_niks],
                }
            )
            for kk, family in world.families.items()
        }
        self.kk_of_nik: dict[str, str] = {nik: c.no_kk for nik, c in self.citizens.items()}
        self._registrations = 0

    def verify(self, nik: str, name: str, birth_date: str | None) -> bytes:
        """Matches the data a caller holds against the record without revealing the record."""
        citizen = self.citizens.get(nik)
        if citizen is None:
            return NOT_FOUND
        birth = None
        if birth_date is not None:
            birth = MATCH if birth_date.strip() == dmy(citizen.birth_date) else MISMATCH
        verdict = {
            "NIK": nik,
            "NAMA_LGKP": MATCH if _same_name(name, citizen.name) else MISMATCH,
            "TGL_LHR": birth,
            "STATUS_HIDUP": _status(citizen),
        }
        return encode({"RESPONSE_CODE": "00", "RESPONSE_DESC": "SUKSES", "content": [verdict]})

    def move(self, nik: str, street: str, rt: str, rw: str, village_code: str, day: date) -> bytes:
        """Records a change of address (pindah datang) and issues its registration number."""
        citizen = self.citizens.get(nik)
        if citizen is None:
            return NOT_FOUND
        if not citizen.alive:
            return DECEASED
        village = village_by_code(village_code)
        if village is None:
            return UNKNOWN_VILLAGE
        moved = replace(citizen, address=Address(street.upper(), rt, rw, village))
        self.citizens[nik] = moved
        self.persons[nik] = _found(moved)
        self._registrations += 1
        number = f"PDT-{day:%Y%m%d}-{self._registrations:06d}"
        return encode({"RESPONSE_CODE": "00", "RESPONSE_DESC": "SUKSES", "NO_REGISTRASI": number})
