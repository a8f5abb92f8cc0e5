"""Hand-computed assessments: every figure below was worked out on paper from CONTRACT.md."""

from datetime import date
from decimal import Decimal

import pytest

from simulators.catalog import CARS, MOTORCYCLES, Golongan
from simulators.vehicle_tax.tax import (
    assess,
    has_opsen,
    months_late,
    ownership_orders,
    pkb_rate,
    swdkllj,
    swdkllj_late_fee,
)
from simulators.world import Vehicle

ONE = Decimal("1.000")


def test_contract_example_dki_first_car() -> None:
    result = assess(
        njkb=172_500_000,
        bobot=ONE,
        golongan="MOBIL_PRIBADI",
        cc=1329,
        province_code="31",
        ownership_order=1,
        due_date=date(2026, 3, 15),
        today=date(2026, 3, 15),
    )
    assert (result.pkb, result.opsen, result.pkb_penalty) == (3_450_000, 0, 0)
    assert result.swdkllj == 143_000
    assert result.total == 3_593_000


def test_dki_second_car_pays_three_percent_and_no_opsen() -> None:
    # 200,000,000 x 1.0 x 3 % = 6,000,000; + SWDKLLJ 143,000.
    result = assess(
        njkb=200_000_000,
        bobot=ONE,
        golongan="MOBIL_PRIBADI",
        cc=1500,
        province_code="31",
        ownership_order=2,
        due_date=date(2026, 12, 1),
        today=date(2026, 11, 23),
    )
    assert result.rate_percent == Decimal("3")
    assert result.pkb == 6_000_000
    assert result.opsen == 0
    assert result.months_late == 0
    assert result.total == 6_143_000


def test_non_dki_first_car_with_opsen_three_months_late() -> None:
    # West Java (Perda Jabar 9/2023), 1st car: 150,000,000 x 1.12 % = 1,680,000;
    # opsen 66 % = 1,108,800. Due 15/03, paid 10/06: three started months;
    # 1 % x 3 x 2,788,800 = 83,664. SWDKLLJ 143,000 + car late fee 100,000. Total 3,115,464.
    result = assess(
        njkb=150_000_000,
        bobot=ONE,
        golongan="MOBIL_PRIBADI",
        cc=1500,
        province_code="32",
        ownership_order=1,
        due_date=date(2026, 3, 15),
        today=date(2026, 6, 10),
    )
    assert result.pkb == 1_680_000
    assert result.opsen == 1_108_800
    assert result.months_late == 3
    assert result.pkb_penalty == 83_664
    assert result.swdkllj_penalty == 100_000
    assert result.total == 3_115_464


def test_late_motorcycle_110cc() -> None:
    # East Java (Perda Jatim 8/2023), 2nd motorcycle: 15,000,000 x 1.7 % = 255,000;
    # opsen 168,300; one month late: 1 % x 423,300 = 4,233; SWDKLLJ 35,000 + 32,000.
    result = assess(
        njkb=15_000_000,
        bobot=ONE,
        golongan="SEPEDA_MOTOR",
        cc=110,
        province_code="35",
        ownership_order=2,
        due_date=date(2026, 11, 1),
        today=date(2026, 11, 2),
    )
    assert (result.pkb, result.opsen, result.pkb_penalty) == (255_000, 168_300, 4_233)
    assert (result.swdkllj, result.swdkllj_penalty) == (35_000, 32_000)
    assert result.total == 494_533


def test_goods_vehicle_weight_coefficient() -> None:
    # Central Java (Perda Jateng 12/2023), 1st: 130,000,000 x 1.3 x 1.05 % = 1,774,500;
    # opsen 66 % = 1,171,170.
    result = assess(
        njkb=130_000_000,
        bobot=Decimal("1.300"),
        golongan="MOBIL_PRIBADI",
        cc=1462,
        province_code="33",
        ownership_order=1,
        due_date=date(2026, 5, 1),
        today=date(2026, 5, 1),
    )
    assert result.pkb == 1_774_500
    assert result.opsen == 1_171_170


@pytest.mark.parametrize(
    ("order", "dki", "other"),
    [
        (1, "2", "1.2"),
        (2, "3", "1.7"),
        (3, "4", "2.2"),
        (4, "5", "2.7"),
        (5, "6", "3.2"),
        (7, "6", "4.2"),
        (10, "6", "5.7"),
        (11, "6", "6"),
    ],
)
def test_progressive_rates(order: int, dki: str, other: str) -> None:
    assert pkb_rate("31", order) == Decimal(dki)
    assert pkb_rate("14", order) == Decimal(other)


@pytest.mark.parametrize(
    ("province", "rates"),
    [
        ("31", ("2", "3", "4", "5", "6", "6")),
        ("32", ("1.12", "1.62", "2.12", "2.62", "3.12", "3.12")),
        ("33", ("1.05", "1.40", "1.75", "2.10", "2.45", "2.45")),
        ("35", ("1.2", "1.7", "2.2", "2.7", "3.2", "3.2")),
    ],
)
def test_each_province_applies_its_own_perda(province: str, rates: tuple[str, ...]) -> None:
    assert [pkb_rate(province, order) for order in range(1, 7)] == [Decimal(r) for r in rates]
    assert has_opsen(province) is (province != "31")


def test_dki_second_car_two_months_late() -> None:
    # DKI (Perda DKI 1/2024), 2nd car: 200,000,000 x 3 % = 6,000,000, no opsen.
    # Due 01/10, assessed 23/11: 22/10 is not yet two months, so two started months;
    # 1 % x 2 x 6,000,000 = 120,000. SWDKLLJ 143,000 + 100,000. Total 6,363,000.
    result = assess(
        njkb=200_000_000,
        bobot=ONE,
        golongan="MOBIL_PRIBADI",
        cc=1500,
        province_code="31",
        ownership_order=2,
        due_date=date(2026, 10, 1),
        today=date(2026, 11, 23),
    )
    assert (result.pkb, result.opsen, result.pkb_penalty) == (6_000_000, 0, 120_000)
    assert result.total == 6_363_000


def test_two_years_owed_each_with_its_own_sanction_and_swdkllj() -> None:
    # West Java 1st car, NJKB 130,000,000: PKB 1.12 % = 1,456,000; opsen 66 % = 960,960;
    # PKB + opsen = 2,416,960 a year.
    # Year due 11/07/2025, assessed 23/11/2026: 16 months to 11/11/2026, and 12 days more
    # start a 17th: 1 % x 17 x 2,416,960 = 410,883.2 -> 410,883;
    # + SWDKLLJ 143,000 + late 100,000 = 3,070,843.
    # Year due 11/07/2026: 4 months to 11/11, a 5th started: 1 % x 5 x 2,416,960 = 120,848;
    # + 143,000 + 100,000 = 2,780,808. The year due 11/07/2027 is not owed yet.
    # Total 5,851,651; the oldest year is 17 months late.
    result = assess(
        njkb=130_000_000,
        bobot=ONE,
        golongan="MOBIL_PRIBADI",
        cc=1197,
        province_code="32",
        ownership_order=1,
        due_date=date(2025, 7, 11),
        today=date(2026, 11, 23),
    )
    assert [y.due_date for y in result.years] == [date(2025, 7, 11), date(2026, 7, 11)]
    assert [y.months_late for y in result.years] == [17, 5]
    assert [y.pkb_penalty for y in result.years] == [410_883, 120_848]
    assert [y.swdkllj_penalty for y in result.years] == [100_000, 100_000]
    assert [y.total for y in result.years] == [3_070_843, 2_780_808]
    assert (result.pkb, result.opsen, result.swdkllj) == (2_912_000, 1_921_920, 286_000)
    assert result.pkb_penalty == 531_731
    assert result.months_late == 17
    assert result.total == 5_851_651


def test_sanction_stops_at_24_months_for_each_year() -> None:
    # Due 01/01/2023, assessed 15/03/2026: years due 2023, 2024, 2025 and 2026 are owed;
    # 2023 is 39 months late and 2024 27, both capped at 24; 2025 is 15, 2026 is 3.
    result = assess(
        njkb=100_000_000,
        bobot=ONE,
        golongan="MOBIL_PRIBADI",
        cc=1300,
        province_code="33",
        ownership_order=1,
        due_date=date(2023, 1, 1),
        today=date(2026, 3, 15),
    )
    assert [y.months_late for y in result.years] == [24, 24, 15, 3]
    # 100,000,000 x 1.05 % = 1,050,000; opsen 693,000; 1,743,000 a year; 1 % x 24 = 418,320.
    assert result.years[0].pkb_penalty == 418_320


def test_a_year_falling_due_today_is_owed_without_sanction() -> None:
    result = assess(
        njkb=100_000_000,
        bobot=ONE,
        golongan="MOBIL_PRIBADI",
        cc=1300,
        province_code="35",
        ownership_order=1,
        due_date=date(2025, 5, 1),
        today=date(2026, 5, 1),
    )
    assert [(y.due_date, y.months_late) for y in result.years] == [
        (date(2025, 5, 1), 12),
        (date(2026, 5, 1), 0),
    ]
    assert result.years[1].swdkllj_penalty == 0


def test_rate_needs_a_real_order() -> None:
    with pytest.raises(ValueError, match="ownership order"):
        pkb_rate("31", 0)


@pytest.mark.parametrize(
    ("golongan", "cc", "amount"),
    [
        ("SEPEDA_MOTOR", 50, 3_000),
        ("SEPEDA_MOTOR", 110, 35_000),
        ("SEPEDA_MOTOR", 250, 35_000),
        ("SEPEDA_MOTOR", 251, 83_000),
        ("MOBIL_PRIBADI", 1500, 143_000),
        ("BUS_PRIBADI", 2755, 153_000),
    ],
)
def test_swdkllj_by_class(golongan: Golongan, cc: int, amount: int) -> None:
    assert swdkllj(golongan, cc) == amount


def test_swdkllj_late_fees() -> None:
    assert swdkllj_late_fee("SEPEDA_MOTOR") == 32_000
    assert swdkllj_late_fee("MOBIL_PRIBADI") == 100_000


@pytest.mark.parametrize(
    ("due", "today", "months"),
    [
        (date(2026, 3, 15), date(2026, 3, 15), 0),
        (date(2026, 3, 15), date(2026, 3, 1), 0),
        (date(2026, 3, 15), date(2026, 3, 16), 1),
        (date(2026, 3, 15), date(2026, 4, 15), 1),
        (date(2026, 3, 15), date(2026, 4, 16), 2),
        (date(2026, 1, 31), date(2026, 2, 28), 1),
        (date(2026, 1, 31), date(2026, 3, 1), 2),
        (date(2020, 1, 1), date(2026, 1, 1), 24),
    ],
)
def test_months_late_counts_started_months(due: date, today: date, months: int) -> None:
    assert months_late(due, today) == months


def _vehicle(
    plate: str,
    registered: date,
    motorcycle: bool,
    owner: str = "3171010101900001",
    regency: str = "3171",
) -> Vehicle:
    return Vehicle(
        plate=plate,
        model=MOTORCYCLES[0] if motorcycle else CARS[0],
        year_built=2020,
        color="HITAM",
        owner_nik=owner,
        registered_on=registered,
        pkb_due=date(2026, 1, 1),
        stnk_due=date(2027, 1, 1),
        blocked=False,
        regency_code=regency,
    )


def test_ownership_order_is_per_owner_and_kind_by_registration_date() -> None:
    vehicles = [
        _vehicle("B 3 C", date(2022, 1, 1), motorcycle=False),
        _vehicle("B 1 A", date(2020, 1, 1), motorcycle=False),
        _vehicle("B 2 B", date(2019, 1, 1), motorcycle=True),
        _vehicle("B 4 D", date(2021, 1, 1), motorcycle=True),
        _vehicle("B 5 E", date(2018, 1, 1), motorcycle=False, owner="3171010101900002"),
        # Registered in East Java first: its own register there, so it does not push the
        # Jakarta cars up.
        _vehicle("L 6 F", date(2015, 1, 1), motorcycle=False, regency="3578"),
    ]
    assert ownership_orders(vehicles) == {
        "B 1 A": 1,
        "B 3 C": 2,
        "B 2 B": 1,
        "B 4 D": 2,
        "B 5 E": 1,
        "L 6 F": 1,
    }
