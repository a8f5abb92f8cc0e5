"""PKB, opsen, SWDKLLJ and late-payment rules, year by year, as CONTRACT.md states them.

Pure functions of the vehicle facts and an assessment date, so the figures can be checked by
hand against the published worked examples. The rates come from the province's own Perda
(:mod:`.perda`); everything else here is national law.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from simulators.catalog import Golongan
from simulators.dates import add_months, add_years
from simulators.vehicle_tax.perda import (
    LATE_RATE_PER_MONTH,
    MAX_LATE_MONTHS,
    OPSEN_SHARE,
    perda_of,
)
from simulators.world import Vehicle

SWDKLLJ_LATE_MOTORCYCLE = 32_000
SWDKLLJ_LATE_CAR = 100_000


@dataclass(frozen=True, slots=True)
class YearDue:
    """One unpaid tax year: each is owed on its own, with its own sanction and SWDKLLJ."""

    due_date: date
    months_late: int
    pkb: int
    opsen: int
    pkb_penalty: int
    swdkllj: int
    swdkllj_penalty: int

    @property
    def total(self) -> int:
        return self.pkb + self.opsen + self.pkb_penalty + self.swdkllj + self.swdkllj_penalty


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything owed on one vehicle today; the amounts are sums over ``years``, oldest first."""

    ownership_order: int
    njkb: int
    bobot: Decimal
    rate_percent: Decimal
    years: tuple[YearDue, ...]

    @property
    def pkb(self) -> int:
        return sum(y.pkb for y in self.years)

    @property
    def opsen(self) -> int:
        return sum(y.opsen for y in self.years)

    @property
    def pkb_penalty(self) -> int:
        return sum(y.pkb_penalty for y in self.years)

    @property
    def swdkllj(self) -> int:
        return sum(y.swdkllj for y in self.years)

    @property
    def swdkllj_penalty(self) -> int:
        return sum(y.swdkllj_penalty for y in self.years)

    @property
    def months_late(self) -> int:
        """Months late of the oldest unpaid year, the one the wire's bulanTerlambat reports."""
        return self.years[0].months_late

    @property
    def due_date(self) -> date:
        return self.years[0].due_date

    @property
    def total(self) -> int:
        return sum(y.total for y in self.years)


def _rupiah(amount: Decimal) -> int:
    return int(amount.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def pkb_rate(province_code: str, ownership_order: int) -> Decimal:
    """Tariff in percent for the n-th private vehicle of one kind owned by one NIK."""
    return perda_of(province_code).rate(ownership_order)


def has_opsen(province_code: str) -> bool:
    """DKI Jakarta has no autonomous regencies, so no regency opsen is levied there."""
    return perda_of(province_code).opsen


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


def years_owed(oldest_due: date, today: date) -> list[date]:
    """Due dates of the tax years payable today: the oldest unpaid one, then every later one
    whose due date has come. A year not yet due is paid on its own, never ahead of time."""
    dues = [oldest_due]
    while (following := add_years(oldest_due, len(dues))) <= today:
        dues.append(following)
    return dues


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
    """``due_date`` is the oldest unpaid year's; each year owed is assessed on its own.

    The sanction of a year is 1 % a month of that year's PKB and opsen, for the months late
    of that year only, at most 24; the rate and NJKB are today's for every year (the
    simulator keeps one NJKB per model).
    """
    rate = pkb_rate(province_code, ownership_order)
    pkb = _rupiah(Decimal(njkb) * bobot * rate / 100)
    opsen = _rupiah(pkb * OPSEN_SHARE) if has_opsen(province_code) else 0
    yearly = swdkllj(golongan, cc)
    years = []
    for due in years_owed(due_date, today):
        late = months_late(due, today)
        years.append(
            YearDue(
                due_date=due,
                months_late=late,
                pkb=pkb,
                opsen=opsen,
                pkb_penalty=_rupiah(LATE_RATE_PER_MONTH * late * (pkb + opsen)),
                swdkllj=yearly,
                swdkllj_penalty=swdkllj_late_fee(golongan) if late else 0,
            )
        )
    return Assessment(
        ownership_order=ownership_order,
        njkb=njkb,
        bobot=bobot,
        rate_percent=rate,
        years=tuple(years),
    )


def ownership_orders(vehicles: Iterable[Vehicle]) -> dict[str, int]:
    """Plate -> order among the same NIK's vehicles of the same kind in the same province.

    Each province keeps its own register under its own Perda, so a car registered in East
    Java does not make the owner's Jakarta car a second one. Registration date decides, the
    plate breaks ties so the order never depends on input order.
    """
    groups: defaultdict[tuple[str, str, bool], list[Vehicle]] = defaultdict(list)
    for vehicle in vehicles:
        kind = vehicle.model.golongan == "SEPEDA_MOTOR"
        groups[(vehicle.owner_nik, vehicle.province_code, kind)].append(vehicle)
    orders: dict[str, int] = {}
    for group in groups.values():
        group.sort(key=lambda v: (v.registered_on, v.plate))
        for position, vehicle in enumerate(group, start=1):
            orders[vehicle.plate] = position
    return orders
