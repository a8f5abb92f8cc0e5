"""Hand-computed assessments: every figure below was worked out on paper from CONTRACT.md."""

from datetime import date
from decimal import Decimal

import pytest

from simulators.catalog import CARS, MOTORCYCLES, Golongan
from simulators.vehicle_tax.tax import (
    assess,
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
    # West Java, 1st car: 150,000,000 x 1.2 % = 1,800,000; opsen 66 % = 1,188,000.
    # Due 15/03, paid 10/06: three started months; 2 % x 3 x 2,988,000 = 179,280.
    # SWDKLLJ 143,000 + car late fee 100,000. Total 3,410,280.
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
    assert result.pkb == 1_800_000
    assert result.opsen == 1_188_000
    assert result.months_late == 3
    assert result.pkb_penalty == 179_280
    assert result.swdkllj_penalty == 100_000
    assert result.total == 3_410_280


def test_late_motorcycle_110cc() -> None:
    # East Java, 2nd motorcycle: 15,000,000 x 1.7 % = 255,000; opsen 168,300;
    # one month late: 2 % x 423,300 = 8,466; SWDKLLJ 35,000 + 32,000.
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
    assert (result.pkb, result.opsen, result.pkb_penalty) == (255_000, 168_300, 8_466)
    assert (result.swdkllj, result.swdkllj_penalty) == (35_000, 32_000)
    assert result.total == 498_766


def test_goods_vehicle_weight_coefficient() -> None:
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
    assert result.pkb == 2_028_000
    assert result.opsen == 1_338_480


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
    plate: str, registered: date, motorcycle: bool, owner: str = "3171010101900001"
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
    )


def test_ownership_order_is_per_owner_and_kind_by_registration_date() -> None:
    vehicles = [
        _vehicle("B 3 C", date(2022, 1, 1), motorcycle=False),
        _vehicle("B 1 A", date(2020, 1, 1), motorcycle=False),
        _vehicle("B 2 B", date(2019, 1, 1), motorcycle=True),
        _vehicle("B 4 D", date(2021, 1, 1), motorcycle=True),
        _vehicle("B 5 E", date(2018, 1, 1), motorcycle=False, owner="3171010101900002"),
    ]
    assert ownership_orders(vehicles) == {
        "B 1 A": 1,
        "B 3 C": 2,
        "B 2 B": 1,
        "B 4 D": 2,
        "B 5 E": 1,
    }
