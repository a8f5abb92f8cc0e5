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
from simulators.vehicle_tax.payments import Cashier
from simulators.vehicle_tax.records import XML_TYPE, Fleet, owner_address, xml_document

_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_INCOMPLETE = "<kode>99</kode><pesan>PARAMETER TIDAK LENGKAP</pesan>"


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

        def handle() -> Reply:
            answer, status = cashier.issue(plate, nik)
            return _xml(answer, status)

        return journal.once(request, ref, handle)

    @app.post("/samsat/bayar")
    async def pay(request: Request) -> Response:
        fields = await _form(request, "kodeBayar", "jumlah")
        if fields is None:
            return _xml(_INCOMPLETE, 400).response()
        ref, (number, amount) = fields
        return journal.once(request, ref, lambda: _xml(cashier.pay(number, amount)))

    @app.post("/samsat/batal")
    async def void(request: Request) -> Response:
        fields = await _form(request, "kodeBayar")
        if fields is None:
            return _xml(_INCOMPLETE, 400).response()
        ref, (number,) = fields
        return journal.once(request, ref, lambda: _xml(cashier.void(number)))

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
