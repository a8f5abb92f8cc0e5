"""Each province's own PKB rules (its Perda on regional taxes), one row per province.

Under UU 1/2022 (HKPD) PKB is a provincial tax whose rates every province sets in its own
single Perda on regional taxes and levies (art. 94), within the ceilings of art. 10, and the
regencies and cities add an opsen of 66 % of the PKB (art. 83). So the same car owes different
amounts in Bandung, Semarang and Surabaya, and a provincial office applies only its own row.
Sources and what could not be verified: simulators/CONTRACT.md, "Rules as implemented".
"""

from dataclasses import dataclass
from decimal import Decimal

#: UU 1/2022 art. 83: opsen PKB is 66 % of the PKB owed, for the regency or city.
OPSEN_SHARE = Decimal("0.66")
#: The late-payment sanction of the HKPD era: 1 % a month of the tax not paid in time, for at
#: most 24 months (under UU 28/2009 it was 2 %). Reported, not verified against the text of
#: UU 1/2022 or a Perda: see CONTRACT.md.
LATE_RATE_PER_MONTH = Decimal("0.01")
MAX_LATE_MONTHS = 24


@dataclass(frozen=True, slots=True)
class Perda:
    """One province's PKB rules; ``rates`` are percent for the 1st, 2nd ... private vehicle
    of one owner, the last repeating for every later one."""

    province_code: str
    name: str
    rates: tuple[Decimal, ...]
    opsen: bool

    def rate(self, ownership_order: int) -> Decimal:
        if ownership_order < 1:
            raise ValueError("ownership order starts at 1")
        return self.rates[min(ownership_order, len(self.rates)) - 1]


def _percent(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


def _hkpd_ceiling() -> tuple[Decimal, ...]:
    """UU 1/2022 art. 10: at most 1.2 % for the first vehicle and at most 6 % progressive.

    Provinces without a row of their own get the ceiling itself, in half-point steps (1.2,
    1.7, 2.2 ... 6), a documented default rather than any real Perda.
    """
    first, step, ceiling = Decimal("1.2"), Decimal("0.5"), Decimal("6")
    rates = [first]
    while rates[-1] + step < ceiling:
        rates.append(rates[-1] + step)
    return (*rates, ceiling)


PERDA: dict[str, Perda] = {
    # Perda DKI Jakarta 1/2024 (in force 5 January 2024): DKI Jakarta has no autonomous
    # regencies, so HKPD art. 10(2) allows it 2 % first and up to 10 %, and no opsen is levied.
    "31": Perda(
        "31", "Perda Provinsi DKI Jakarta 1/2024", _percent("2", "3", "4", "5", "6"), False
    ),
    # Perda Jawa Barat 9/2023 art. 7, in force with the opsen from 5 January 2025.
    "32": Perda(
        "32",
        "Perda Provinsi Jawa Barat 9/2023 art. 7",
        _percent("1.12", "1.62", "2.12", "2.62", "3.12"),
        True,
    ),
    # Perda Jawa Tengah 12/2023, in force with the opsen from 5 January 2025.
    "33": Perda(
        "33",
        "Perda Provinsi Jawa Tengah 12/2023",
        _percent("1.05", "1.40", "1.75", "2.10", "2.45"),
        True,
    ),
    # Perda Jawa Timur 8/2023 (not 9/2023), in force with the opsen from 5 January 2025.
    "35": Perda(
        "35",
        "Perda Provinsi Jawa Timur 8/2023",
        _percent("1.2", "1.7", "2.2", "2.7", "3.2"),
        True,
    ),
}


def perda_of(province_code: str) -> Perda:
    """The province's own row, or the HKPD-ceiling default for a province without one."""
    known = PERDA.get(province_code)
    if known is not None:
        return known
    return Perda(province_code, "UU 1/2022 art. 10 ceilings (default)", _hkpd_ceiling(), True)
