import pytest
from pydantic import TypeAdapter, ValidationError

from app.schemas.identifiers import Nik, PlateNumber, current_district

nik = TypeAdapter(Nik)
plate = TypeAdapter(PlateNumber)


@pytest.mark.parametrize(
    "value",
    [
        "3171074508900001",  # a woman born 05-08-1990 (day 45 = 5 + 40)
        "3273011203850002",  # a man born 12-03-1985 in Kota Bandung
        "1471022902000003",  # born on 29 February 2000, a leap day
        # Kota Jayapura today: 91.71.03 Abepura, a man born 01-01-1990.
        "9171030101900001",
        # The same district under its pre-2022 code 94.71.03 (Papua was 94 until the split;
        # 94 is now Papua Tengah, which has no 94.71): a NIK is never reissued, so it stands.
        "9471030101900001",
        # 94.71.05 Heram, a woman born 21-06-1988 (day 61 = 21 + 40).
        "9471056106880002",
    ],
)
def test_real_niks_are_accepted(value):
    assert nik.validate_python(value) == value


def test_a_retired_district_maps_to_its_current_code():
    assert current_district("9471030101900001") == "91.71.03"  # Abepura
    assert current_district("3171074508900001") == "31.71.07"  # unchanged


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("317107450890001", "16 digits"),
        ("31710745089000011", "16 digits"),
        ("31710745O8900001", "16 digits"),
        ("9971074508900001", "province code 99"),
        ("3199074508900001", "regency code 31.99"),
        # Jakarta Pusat (31.71) has eight districts, 01-08: there is no 31.71.99.
        ("3171994508900001", "district code 31.71.99"),
        # Kota Jayapura has five districts, 91.71.01-05; 06 exists neither now nor as 94.71.06.
        ("9171060101900001", "district code 91.71.06"),
        ("9471060101900001", "regency code 94.71"),
        ("3171073102900001", "not a real date"),  # 31 February
        ("3171077208900001", "not a real date"),  # day 72 - 40 = 32
        ("3171071513900001", "not a real date"),  # month 13
        ("3171074508900000", "serial"),
    ],
)
def test_malformed_niks_are_refused_with_the_reason(value, reason):
    with pytest.raises(ValidationError, match=reason):
        nik.validate_python(value)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("B 1234 XYZ", "B 1234 XYZ"),
        ("b1234xyz", "B 1234 XYZ"),
        ("  ab 12   c ", "AB 12 C"),
        ("DK1", "DK 1"),
        ("BM 1234 AB", "BM 1234 AB"),
    ],
)
def test_plates_are_normalised(typed, canonical):
    assert plate.validate_python(typed) == canonical


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("B 12345 XY", "1-4 digits"),
        ("B 1234 WXYZ", "up to 3 letters"),
        ("1234 XYZ", "region letters"),
        ("QQ 1234 X", "region code 'QQ'"),
        ("B 0123 X", "start its digits with 0"),
    ],
)
def test_malformed_plates_are_refused(value, reason):
    with pytest.raises(ValidationError, match=reason):
        plate.validate_python(value)
