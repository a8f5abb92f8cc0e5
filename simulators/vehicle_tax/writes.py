"""SAMSAT's write endpoints: payment codes, payments, voids and owner addresses.

Every write is idempotent by the caller's ``ref`` through the app's
:class:`~simulators.journal.WriteJournal`; a request without the fields SAMSAT needs is
refused before it reaches the journal, as a gateway bug rather than a write.
"""

import json
import re
from typing import Any

from fastapi import FastAPI, Request, Response

from simulators.journal import Reply, WriteJournal, json_reply, reference
from simulators.regions import village_by_code
from simulators.vehicle_tax.payments import (
    Cancelled,
    Cashier,
    Issued,
    PaymentCode,
    Receipt,
    Refusal,
    Refused,
    Settled,
)
from simulators.vehicle_tax.records import (
    XML_TYPE,
    Fleet,
    dmy,
    owner_address,
    penetapan_xml,
    rupiah,
    xml_document,
    xml_fields,
)

_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_INCOMPLETE = "<kode>99</kode><pesan>PARAMETER TIDAK LENGKAP</pesan>"
BAD_PLATE = "<kode>02</kode><pesan>FORMAT NOPOL SALAH</pesan>"
UNKNOWN_PLATE = "<kode>01</kode><pesan>NOPOL TIDAK TERDAFTAR</pesan>"
#: SAMSAT's counter codes for each refusal; only a malformed plate is an HTTP error.
_REFUSALS: dict[Refusal, tuple[str, int]] = {
    "BAD_PLATE": (BAD_PLATE, 400),
    "UNKNOWN_PLATE": (UNKNOWN_PLATE, 200),
    "NOT_OWNER": ("<kode>03</kode><pesan>NIK TIDAK SESUAI DENGAN PEMILIK</pesan>", 200),
    "BLOCKED": ("<kode>04</kode><pesan>KENDARAAN DALAM STATUS BLOKIR</pesan>", 200),
    "NOTHING_DUE": ("<kode>05</kode><pesan>PAJAK SUDAH LUNAS</pesan>", 200),
    "UNKNOWN_CODE": ("<kode>06</kode><pesan>KODE BAYAR TIDAK DIKENAL</pesan>", 200),
    "WRONG_AMOUNT": ("<kode>07</kode><pesan>JUMLAH TIDAK SESUAI</pesan>", 200),
    "VOIDED": ("<kode>08</kode><pesan>KODE BAYAR SUDAH DIBATALKAN</pesan>", 200),
}


def _issued(outcome: Issued) -> str:
    code = outcome.code
    answer = xml_fields(
        {
            "kode": "00",
            "pesan": "KODE BAYAR DITERBITKAN",
            "kodeBayar": code.code,
            "namaPemilik": outcome.registration.owner_name,
            "jumlah": rupiah(code.amount),
            "berlakuSampai": f"{dmy(code.valid_until)} 23:59",
        }
    )
    return f"{answer}<penetapan>{penetapan_xml(outcome.assessment)}</penetapan>"


def _paid(code: PaymentCode, receipt: Receipt, first: bool) -> str:
    kode, pesan = ("00", "PEMBAYARAN BERHASIL") if first else ("09", "KODE BAYAR SUDAH DIBAYAR")
    return xml_fields(
        {
            "kode": kode,
            "pesan": pesan,
            "noNotice": receipt.notice,
            "nopol": code.plate,
            "jumlah": rupiah(code.amount),
            "tglBayar": receipt.paid_at.strftime("%d/%m/%Y %H:%M"),
            "tglAkhirPkbBaru": dmy(receipt.new_due),
            "jumlahTahun": code.years,
        }
    )


def counter_reply(outcome: Issued | Settled | Refused | Cancelled) -> Reply:
    """A cashier outcome as SAMSAT's counter words it: XML, the outcome in ``<kode>``."""
    if isinstance(outcome, Refused):
        inner, status = _REFUSALS[outcome.reason]
        return _xml(inner, status)
    if isinstance(outcome, Issued):
        return _xml(_issued(outcome))
    if isinstance(outcome, Settled):
        return _xml(_paid(outcome.code, outcome.receipt, outcome.first))
    return _xml("<kode>00</kode><pesan>KODE BAYAR DIBATALKAN</pesan>")


def _xml(inner: str, status: int = 200) -> Reply:
    return Reply(xml_document(inner), status, XML_TYPE)


def _refusal(code: int, message: str) -> Reply:
    return json_reply({"status": "GAGAL", "kodeRespon": code, "pesan": message}, 400)


async def _form(request: Request, *names: str) -> tuple[str, list[str]] | None:
    """The reference and the named form fields, or None when any of them is missing."""
    form = await request.form()
    ref = reference(form.get("ref"))
    values = [form.get(name) for name in names]
    if ref is None or not all(isinstance(v, str) and v.strip() for v in values):
        return None
    return ref, [str(v).strip() for v in values]


async def _json_body(request: Request) -> dict[str, Any] | None:
    try:
        payload = json.loads(await request.body())
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def install_writes(app: FastAPI, cashier: Cashier, fleet: Fleet, journal: WriteJournal) -> None:
    @app.post("/samsat/penetapan")
    async def assess_and_issue(request: Request) -> Response:
        fields = await _form(request, "nopol", "nik")
        if fields is None:
            return _xml(_INCOMPLETE, 400).response()
        ref, (plate, nik) = fields

        return journal.once(request, ref, lambda: counter_reply(cashier.issue(plate, nik)))

    @app.post("/samsat/bayar")
    async def pay(request: Request) -> Response:
        fields = await _form(request, "kodeBayar", "jumlah")
        if fields is None:
            return _xml(_INCOMPLETE, 400).response()
        ref, (number, amount) = fields
        return journal.once(request, ref, lambda: counter_reply(cashier.pay(number, amount)))

    @app.post("/samsat/batal")
    async def void(request: Request) -> Response:
        fields = await _form(request, "kodeBayar")
        if fields is None:
            return _xml(_INCOMPLETE, 400).response()
        ref, (number,) = fields
        return journal.once(request, ref, lambda: counter_reply(cashier.void(number)))

    @app.post("/samsat/api/alamat-pemilik")
    async def move_owner(request: Request) -> Response:
        payload = await _json_body(request)
        ref = reference(payload.get("ref")) if payload is not None else None
        street = payload.get("alamat") if payload is not None else None
        if payload is None or ref is None or not isinstance(street, str) or not street.strip():
            return _refusal(1, "PARAMETER TIDAK LENGKAP").response()
        nik, village_code = payload.get("nik"), payload.get("kodeKelurahan")

        def handle() -> Reply:
            if not isinstance(nik, str) or _SIXTEEN_DIGITS.fullmatch(nik) is None:
                return _refusal(2, "FORMAT NIK SALAH")
            village = village_by_code(str(village_code))
            if village is None:
                return _refusal(3, "KODE KELURAHAN TIDAK DIKENAL")
            count = fleet.move_owner(nik, owner_address(street.strip(), village))
            return json_reply({"status": "SUKSES", "kodeRespon": 0, "jumlahKendaraan": count})

        return journal.once(request, ref, handle)
