"""The SAMSAT payment flow: assessment (penetapan) issues a payment code, the bank pays it.

A code is valid until the end of the day after it was issued (Jakarta time) and fixes the
amount at issue; a new assessment of the same vehicle supersedes the code still open, so one
tax year can never be paid twice. Answers are the inner XML of SAMSAT's ``<respon>``.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import count
from typing import Literal

from simulators.dates import add_years
from simulators.vehicle_tax.records import (
    Fleet,
    dmy,
    normalise_plate,
    penetapan,
    rupiah,
    xml_fields,
)

#: Nothing is payable yet while the due date is further ahead than this.
PAYABLE_WITHIN_DAYS = 90
CodeState = Literal["OPEN", "PAID", "VOID"]
_WHOLE_RUPIAH = re.compile(r"[0-9]{1,15}")

BAD_PLATE = "<kode>02</kode><pesan>FORMAT NOPOL SALAH</pesan>"
UNKNOWN_PLATE = "<kode>01</kode><pesan>NOPOL TIDAK TERDAFTAR</pesan>"
_NOT_OWNER = "<kode>03</kode><pesan>NIK TIDAK SESUAI DENGAN PEMILIK</pesan>"
_BLOCKED = "<kode>04</kode><pesan>KENDARAAN DALAM STATUS BLOKIR</pesan>"
_NOTHING_DUE = "<kode>05</kode><pesan>PAJAK SUDAH LUNAS</pesan>"
_UNKNOWN_CODE = "<kode>06</kode><pesan>KODE BAYAR TIDAK DIKENAL</pesan>"
_WRONG_AMOUNT = "<kode>07</kode><pesan>JUMLAH TIDAK SESUAI</pesan>"
_VOIDED = "<kode>08</kode><pesan>KODE BAYAR SUDAH DIBATALKAN</pesan>"
_CANCELLED = "<kode>00</kode><pesan>KODE BAYAR DIBATALKAN</pesan>"


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
    state: CodeState = "OPEN"
    receipt: Receipt | None = None


class Cashier:
    """One app's payment codes; ``now`` is the simulator's clock (its "today" plus wall time)."""

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

    def issue(self, raw_plate: str, nik: str) -> tuple[str, int]:
        """Assesses the vehicle and issues a code; returns the answer and its HTTP status."""
        plate = normalise_plate(raw_plate)
        if plate is None:
            return BAD_PLATE, 400
        registration = self._fleet.by_plate.get(plate)
        if registration is None:
            return UNKNOWN_PLATE, 200
        if nik != registration.owner_nik:
            return _NOT_OWNER, 200
        if registration.blocked:
            return _BLOCKED, 200
        today = self._now().date()
        if (registration.pkb_due - today).days > PAYABLE_WITHIN_DAYS:
            return _NOTHING_DUE, 200
        superseded = self._open_by_plate.get(plate)
        if superseded is not None:
            self._close(superseded, "VOID")
        assessment = registration.assessment(today)
        code = PaymentCode(
            code=f"{registration.regency_code}{today:%y%m%d}{next(self._code_serials):06d}",
            plate=plate,
            amount=assessment.total,
            valid_until=today + timedelta(days=1),
        )
        self._codes[code.code] = code
        self._open_by_plate[plate] = code
        answer = xml_fields(
            {
                "kode": "00",
                "pesan": "KODE BAYAR DITERBITKAN",
                "kodeBayar": code.code,
                "namaPemilik": registration.owner_name,
                "jumlah": rupiah(code.amount),
                "berlakuSampai": f"{dmy(code.valid_until)} 23:59",
            }
        )
        return f"{answer}<penetapan>{xml_fields(penetapan(assessment))}</penetapan>", 200

    def _paid(self, code: PaymentCode, receipt: Receipt, kode: str, pesan: str) -> str:
        return xml_fields(
            {
                "kode": kode,
                "pesan": pesan,
                "noNotice": receipt.notice,
                "nopol": code.plate,
                "jumlah": rupiah(code.amount),
                "tglBayar": receipt.paid_at.strftime("%d/%m/%Y %H:%M"),
                "tglAkhirPkbBaru": dmy(receipt.new_due),
            }
        )

    def pay(self, number: str, amount: str) -> str:
        """Settles a code: the vehicle's tax year moves one year on from the old due date."""
        code = self._codes.get(number)
        if code is None:
            return _UNKNOWN_CODE
        if code.receipt is not None:
            return self._paid(code, code.receipt, "09", "KODE BAYAR SUDAH DIBAYAR")
        now = self._now()
        self._expire(code, now.date())
        if code.state == "VOID":
            return _VOIDED
        if _WHOLE_RUPIAH.fullmatch(amount.strip()) is None or int(amount) != code.amount:
            return _WRONG_AMOUNT
        registration = self._fleet.by_plate[code.plate]
        receipt = Receipt(
            notice=f"NTP-{now:%Y%m%d}-{next(self._notice_serials):06d}",
            paid_at=now,
            new_due=add_years(registration.pkb_due, 1),
        )
        self._fleet.renew(registration, receipt.new_due)
        code.receipt = receipt
        self._close(code, "PAID")
        return self._paid(code, receipt, "00", "PEMBAYARAN BERHASIL")

    def void(self, number: str) -> str:
        code = self._codes.get(number)
        if code is None:
            return _UNKNOWN_CODE
        if code.receipt is not None:
            return self._paid(code, code.receipt, "09", "KODE BAYAR SUDAH DIBAYAR")
        if code.state == "OPEN":
            self._close(code, "VOID")
        return _CANCELLED
