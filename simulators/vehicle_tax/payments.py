"""The SAMSAT payment flow: assessment (penetapan) issues a payment code, the bank pays it.

A code is valid until the end of the day after it was issued (Jakarta time) and fixes the
amount at issue; a new assessment of the same vehicle supersedes the code still open, so one
tax year can never be paid twice. A code covers every year owed at issue, and paying it moves
the due date on by that many years. Outcomes are plain values: each wire dialect (the XML
counter in :mod:`.writes`, East Java's JSON in :mod:`simulators.samsat_jatim`) words them.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import count
from typing import Literal

from simulators.dates import add_years
from simulators.vehicle_tax.records import Fleet, Registration, normalise_plate
from simulators.vehicle_tax.tax import Assessment

#: Nothing is payable yet while the due date is further ahead than this.
PAYABLE_WITHIN_DAYS = 90
CodeState = Literal["OPEN", "PAID", "VOID"]
Refusal = Literal[
    "BAD_PLATE",
    "UNKNOWN_PLATE",
    "NOT_OWNER",
    "BLOCKED",
    "NOTHING_DUE",
    "UNKNOWN_CODE",
    "WRONG_AMOUNT",
    "VOIDED",
]
_WHOLE_RUPIAH = re.compile(r"[0-9]{1,15}")


@dataclass(frozen=True, slots=True)
class Receipt:
    notice: str
    paid_at: datetime
    new_due: date


@dataclass(slots=True)
class PaymentCode:
    code: str
    plate: str
    amount: int
    valid_until: date
    #: Tax years the code pays, fixed at issue like the amount.
    years: int = 1
    state: CodeState = "OPEN"
    receipt: Receipt | None = None


@dataclass(frozen=True, slots=True)
class Issued:
    code: PaymentCode
    registration: Registration
    assessment: Assessment


@dataclass(frozen=True, slots=True)
class Settled:
    """A paid code; ``first`` is False when it had been paid before (with another reference)."""

    code: PaymentCode
    receipt: Receipt
    first: bool


@dataclass(frozen=True, slots=True)
class Refused:
    reason: Refusal


@dataclass(frozen=True, slots=True)
class Cancelled:
    code: PaymentCode


class Cashier:
    """One office's payment codes; ``now`` is the simulator's clock (its "today" plus wall time)."""

    def __init__(self, fleet: Fleet, now: Callable[[], datetime]) -> None:
        self._fleet = fleet
        self._now = now
        self._codes: dict[str, PaymentCode] = {}
        self._open_by_plate: dict[str, PaymentCode] = {}
        self._code_serials = count(1)
        self._notice_serials = count(1)

    def _close(self, code: PaymentCode, state: CodeState) -> None:
        code.state = state
        if self._open_by_plate.get(code.plate) is code:
            del self._open_by_plate[code.plate]

    def _expire(self, code: PaymentCode, today: date) -> None:
        """A code past its validity counts as voided, like one cancelled by hand."""
        if code.state == "OPEN" and today > code.valid_until:
            self._close(code, "VOID")

    def issue(self, raw_plate: str, nik: str) -> Issued | Refused:
        """Assesses the vehicle and issues a code for every year owed."""
        plate = normalise_plate(raw_plate)
        if plate is None:
            return Refused("BAD_PLATE")
        registration = self._fleet.by_plate.get(plate)
        if registration is None:
            return Refused("UNKNOWN_PLATE")
        if nik != registration.owner_nik:
            return Refused("NOT_OWNER")
        if registration.blocked:
            return Refused("BLOCKED")
        today = self._now().date()
        if (registration.pkb_due - today).days > PAYABLE_WITHIN_DAYS:
            return Refused("NOTHING_DUE")
        superseded = self._open_by_plate.get(plate)
        if superseded is not None:
            self._close(superseded, "VOID")
        assessment = registration.assessment(today)
        code = PaymentCode(
            code=f"{registration.regency_code}{today:%y%m%d}{next(self._code_serials):06d}",
            plate=plate,
            amount=assessment.total,
            valid_until=today + timedelta(days=1),
            years=len(assessment.years),
        )
        self._codes[code.code] = code
        self._open_by_plate[plate] = code
        return Issued(code, registration, assessment)

    def pay(self, number: str, amount: str) -> Settled | Refused:
        """Settles a code: the due date moves on by the years paid, from the old due date."""
        code = self._codes.get(number)
        if code is None:
            return Refused("UNKNOWN_CODE")
        if code.receipt is not None:
            return Settled(code, code.receipt, first=False)
        now = self._now()
        self._expire(code, now.date())
        if code.state == "VOID":
            return Refused("VOIDED")
        if _WHOLE_RUPIAH.fullmatch(amount.strip()) is None or int(amount) != code.amount:
            return Refused("WRONG_AMOUNT")
        registration = self._fleet.by_plate[code.plate]
        receipt = Receipt(
            notice=f"NTP-{now:%Y%m%d}-{next(self._notice_serials):06d}",
            paid_at=now,
            new_due=add_years(registration.pkb_due, code.years),
        )
        self._fleet.renew(registration, receipt.new_due)
        code.receipt = receipt
        self._close(code, "PAID")
        return Settled(code, receipt, first=True)

    def void(self, number: str) -> Settled | Refused | Cancelled:
        """Voids an open code; a paid one cannot be voided and answers as paid."""
        code = self._codes.get(number)
        if code is None:
            return Refused("UNKNOWN_CODE")
        if code.receipt is not None:
            return Settled(code, code.receipt, first=False)
        if code.state == "OPEN":
            self._close(code, "VOID")
        return Cancelled(code)
