"""PKB, opsen, SWDKLLJ and late-payment rules, as CONTRACT.md states them.

Pure functions of the vehicle facts and an assessment date, so the figures can be checked by
hand against the published worked examples.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from simulators.catalog import Golongan
from simulators.dates import add_months
from simulators.world import Vehicle

DKI_JAKARTA = "31"
#: Perda DKI 1/2024: 2 % for the first vehicle, one point more per vehicle, 6 % from the 5th.
_DKI_RATES = (Decimal("2"), Decimal("3"), Decimal("4"), Decimal("5"), Decimal("6"))
#: UU 1/2022 ceilings elsewhere: 1.2 % for the first vehicle, +0.5 point each, at most 6 %.
_HKPD_FIRST = Decimal("1.2")
_HKPD_STEP = Decimal("0.5")
_HKPD_MAX = Decimal("6")
OPSEN_SHARE = Decimal("0.66")
LATE_RATE_PER_MONTH = Decimal("0.02")
MAX_LATE_MONTHS = 24
SWDKLLJ_LATE_MOTORCYCLE = 32_000
SWDKLLJ_LATE_CAR = 100_000


@dataclass(frozen=True, slots=True)
class Assessment:
    ownership_order: int
    njkb: int
    bobot: Decimal
    rate_percent: Decimal
    pkb: int
    opsen: int
    pkb_penalty: int
    swdkllj: int
    swdkllj_penalty: int
    months_late: int
    due_date: date

    @property
    def total(self) -> int:
        return self.pkb + self.opsen + self.pkb_penalty + self.swdkllj + self.swdkllj_penalty


def _rupiah(amount: Decimal) -> int:
    return int(amount.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def pkb_rate(province_code: str, ownership_order: int) -> Decimal:
    """Tariff in percent for the n-th private vehicle of one kind owned by one NIK."""
    if ownership_order < 1:
        raise ValueError("ownership order starts at 1")
    if province_code == DKI_JAKARTA:
        return _DKI_RATES[min(ownership_order, len(_DKI_RATES)) - 1]
    return min(_HKPD_FIRST + _HKPD_STEP * (ownership_order - 1), _HKPD_MAX)


def has_opsen(province_code: str) -> bool:
    """DKI Jakarta has no regencies, so no regency opsen is levied there."""
    return province_code != DKI_JAKARTA


def swdkllj(golongan: Golongan, cc: int) -> int:
    """Jasa Raharja yearly contribution by class (PMK 36-37/2008)."""
    if golongan == "SEPEDA_MOTOR":
        if cc <= 50:
            return 3_000
        return 35_000 if cc <= 250 else 83_000
    return 153_000 if golongan == "BUS_PRIBADI" else 143_000


def swdkllj_late_fee(golongan: Golongan) -> int:
    return SWDKLLJ_LATE_MOTORCYCLE if golongan == "SEPEDA_MOTOR" else SWDKLLJ_LATE_CAR


def months_late(due: date, today: date) -> int:
    """Started months since the due date: one day late already counts as a month; max 24."""
    if today <= due:
        return 0
    months = (today.year - due.year) * 12 + today.month - due.month
    if add_months(due, months) < today:
        months += 1
    return min(months, MAX_LATE_MONTHS)


def assess(
    *,
    njkb: int,
    bobot: Decimal,
    golongan: Golongan,
    cc: int,
    province_code: str,
    ownership_order: int,
    due_date: date,
    today: date,
) -> Assessment:
    rate = pkb_rate(province_code, ownership_order)
    pkb = _rupiah(Decimal(njkb) * bobot * rate / 100)
    opsen = _rupiah(pkb * OPSEN_SHARE) if has_opsen(province_code) else 0
    late = months_late(due_date, today)
    return Assessment(
        ownership_order=ownership_order,
        njkb=njkb,
        bobot=bobot,
        rate_percent=rate,
        pkb=pkb,
        opsen=opsen,
        pkb_penalty=_rupiah(LATE_RATE_PER_MONTH * late * (pkb + opsen)),
        swdkllj=swdkllj(golongan, cc),
        swdkllj_penalty=swdkllj_late_fee(golongan) if late else 0,
        months_late=late,
        due_date=due_date,
    )


def ownership_orders(vehicles: Iterable[Vehicle]) -> dict[str, int]:
    """Plate -> order among the same NIK's vehicles of the same kind (2- vs 4-wheel).

    Registration date decides, the plate breaks ties so the order never depends on input order.
    """
    groups: defaultdict[tuple[str, bool], list[Vehicle]] = defaultdict(list)
    for vehicle in vehicles:
        groups[(vehicle.owner_nik, vehicle.model.golongan == "SEPEDA_MOTOR")].append(vehicle)
    orders: dict[str, int] = {}
    for group in groups.values():
        group.sort(key=lambda v: (v.registered_on, v.plate))
        for position, vehicle in enumerate(group, start=1):
            orders[vehicle.plate] = position
    return orders
