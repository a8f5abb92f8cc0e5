"""East Java's SAMSAT (Bapenda Jawa Timur): a system of its own, JSON REST in and out.

The province runs a different vendor's system from the XML counter of :mod:`simulators.
vehicle_tax`, so a gateway meets a second wire dialect for the same tax: resources under
``/api/v2``, snake_case names, ISO dates, amounts as plain integers, a ``success`` envelope,
and HTTP statuses that carry the outcome (404 unknown, 422 malformed, 409 refused by the
rules). Only the wire differs: the register, the Perda and the cashier are the same code as
the other provinces', so the same vehicle costs the same to the rupiah in either dialect.
"""

import json
import re
import time
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as clock_time
from typing import Any

from fastapi import FastAPI, Request, Response

from simulators.complaints import ComplaintDesk
from simulators.dates import JAKARTA, jakarta_now, reference_date
from simulators.faults import FailureStyle, FaultSettings, install_faults
from simulators.journal import Reply, WriteJournal, install_journal, json_reply, reference
from simulators.regions import village_by_code
from simulators.vehicle_tax.app import provinces_from_env
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
from simulators.vehicle_tax.records import Fleet, Registration, normalise_plate, owner_address
from simulators.vehicle_tax.tax import Assessment, YearDue
from simulators.world import World, default_world

EAST_JAVA = "35"
API = "/api/v2"
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")

_STYLE = FailureStyle(
    error_body=json.dumps(
        {"success": False, "error": {"code": "INTERNAL_ERROR", "message": "Terjadi kesalahan"}}
    ).encode(),
    error_content_type="application/json",
    maintenance_html=(
        b"<html><head><title>e-Samsat Jatim</title></head><body><h1>e-SAMSAT JATIM</h1>"
        b"<p>Layanan sedang dalam pemeliharaan terjadwal.</p></body></html>"
    ),
    key_fields=frozenset(
        {"success", "nopol", "nik_pemilik", "pokok_pkb", "total", "jatuh_tempo", "kode_bayar"}
        | {"nomor_notice", "nomor_tiket", "kendaraan", "jumlah_kendaraan"}
    ),
)

#: Each refusal of the shared cashier as East Java words it: HTTP status and error code.
_REFUSALS: dict[Refusal, tuple[int, str, str]] = {
    "BAD_PLATE": (422, "NOPOL_TIDAK_VALID", "Format nomor polisi tidak valid"),
    "UNKNOWN_PLATE": (404, "KENDARAAN_TIDAK_DITEMUKAN", "Kendaraan tidak terdaftar di Jatim"),
    "NOT_OWNER": (409, "NIK_TIDAK_SESUAI", "NIK bukan pemilik kendaraan"),
    "BLOCKED": (409, "KENDARAAN_DIBLOKIR", "Kendaraan dalam status blokir"),
    "NOTHING_DUE": (409, "PAJAK_SUDAH_LUNAS", "Belum ada pajak yang dapat dibayar"),
    "UNKNOWN_CODE": (404, "KODE_BAYAR_TIDAK_DITEMUKAN", "Kode bayar tidak dikenal"),
    "WRONG_AMOUNT": (409, "JUMLAH_TIDAK_SESUAI", "Jumlah pembayaran tidak sesuai"),
    "VOIDED": (409, "KODE_BAYAR_DIBATALKAN", "Kode bayar sudah dibatalkan atau kedaluwarsa"),
}
ALREADY_PAID = "KODE_BAYAR_SUDAH_DIBAYAR"


def _ok(data: Any, status: int = 200) -> Reply:
    return json_reply({"success": True, "data": data}, status)


def _fail(status: int, code: str, message: str, data: Any = None) -> Reply:
    body: dict[str, Any] = {"success": False, "error": {"code": code, "message": message}}
    if data is not None:
        body["data"] = data
    return json_reply(body, status)


def _incomplete() -> Response:
    return _fail(400, "PERMINTAAN_TIDAK_LENGKAP", "Parameter wajib tidak lengkap").response()


def _year(year: YearDue) -> dict[str, Any]:
    return {
        "tahun_pajak": year.due_date.year,
        "jatuh_tempo": year.due_date.isoformat(),
        "bulan_terlambat": year.months_late,
        "pokok_pkb": year.pkb,
        "opsen_pkb": year.opsen,
        "sanksi_pkb": year.pkb_penalty,
        "pokok_swdkllj": year.swdkllj,
        "sanksi_swdkllj": year.swdkllj_penalty,
        "total": year.total,
    }


def assessment_json(assessment: Assessment) -> dict[str, Any]:
    """Totals over the years owed, then ``rincian_tahun`` with each year's own figures."""
    return {
        "kepemilikan_ke": assessment.ownership_order,
        "njkb": assessment.njkb,
        "bobot": float(assessment.bobot),
        "tarif_persen": float(assessment.rate_percent),
        "pokok_pkb": assessment.pkb,
        "opsen_pkb": assessment.opsen,
        "sanksi_pkb": assessment.pkb_penalty,
        "pokok_swdkllj": assessment.swdkllj,
        "sanksi_swdkllj": assessment.swdkllj_penalty,
        "bulan_terlambat": assessment.months_late,
        "jatuh_tempo": assessment.due_date.isoformat(),
        "total": assessment.total,
        "rincian_tahun": [_year(year) for year in assessment.years],
    }


def vehicle_json(registration: Registration, assessment: Assessment) -> dict[str, Any]:
    model = registration.model
    return {
        "nopol": registration.plate,
        "merek": model.make,
        "tipe": model.model,
        "jenis": model.jenis,
        "golongan": model.golongan,
        "isi_silinder": model.cc,
        "tahun_pembuatan": registration.year_built,
        "warna": registration.color,
        "nik_pemilik": registration.owner_nik,
        "nama_pemilik": registration.owner_name,
        "alamat_pemilik": registration.owner_address,
        "kode_wilayah": registration.regency_code,
        "masa_berlaku_pkb": registration.pkb_due.isoformat(),
        "masa_berlaku_stnk": registration.stnk_due.isoformat(),
        "diblokir": registration.blocked,
        "penetapan": assessment_json(assessment),
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(JAKARTA).isoformat(timespec="seconds")


def _receipt(code: PaymentCode, receipt: Receipt) -> dict[str, Any]:
    return {
        "nomor_notice": receipt.notice,
        "kode_bayar": code.code,
        "nopol": code.plate,
        "jumlah": code.amount,
        "jumlah_tahun": code.years,
        "dibayar_pada": _iso(receipt.paid_at),
        "jatuh_tempo_baru": receipt.new_due.isoformat(),
    }


def cashier_reply(outcome: Issued | Settled | Refused | Cancelled) -> Reply:
    """A cashier outcome in East Java's words; a second payment of a paid code is a 409 that
    still carries the receipt, so a caller that lost the first reply can read it."""
    if isinstance(outcome, Refused):
        return _fail(*_REFUSALS[outcome.reason])
    if isinstance(outcome, Issued):
        code = outcome.code
        valid_until = datetime.combine(code.valid_until, clock_time(23, 59, 59), JAKARTA)
        return _ok(
            {
                "kode_bayar": code.code,
                "nopol": code.plate,
                "nama_pemilik": outcome.registration.owner_name,
                "jumlah": code.amount,
                "berlaku_sampai": _iso(valid_until),
                "penetapan": assessment_json(outcome.assessment),
            },
            201,
        )
    if isinstance(outcome, Settled):
        data = _receipt(outcome.code, outcome.receipt)
        if outcome.first:
            return _ok(data)
        return _fail(409, ALREADY_PAID, "Kode bayar sudah dibayar", data)
    return _ok({"kode_bayar": outcome.code.code, "status": "DIBATALKAN"})


async def _body(request: Request) -> dict[str, Any] | None:
    try:
        payload = json.loads(await request.body())
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _text(payload: dict[str, Any], name: str) -> str | None:
    value = payload.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _install_complaints(
    app: FastAPI, journal: WriteJournal, clock: Callable[[], float] = time.monotonic
) -> None:
    desk = ComplaintDesk(
        "JATIM-ADU",
        "Bapenda Provinsi Jawa Timur (UPT PPD / SAMSAT)",
        lambda: float(app.state.faults.complaint_answer_seconds),
        clock,
        jakarta_now,
    )

    @app.post(f"{API}/pengaduan")
    async def file_complaint(request: Request) -> Response:
        payload = await _body(request)
        if payload is None:
            return _incomplete()
        ref, subject = reference(payload.get("referensi")), _text(payload, "judul")
        if ref is None or subject is None or _text(payload, "isi") is None:
            return _incomplete()
        nik = payload.get("nik")

        def handle() -> Reply:
            if not isinstance(nik, str) or _SIXTEEN_DIGITS.fullmatch(nik) is None:
                return _fail(422, "NIK_TIDAK_VALID", "NIK harus 16 digit")
            filed = desk.file(nik, subject)
            return _ok({"nomor_tiket": filed.ticket, "diterima_pada": _iso(filed.filed_at)}, 201)

        return journal.once(request, ref, handle)

    @app.get(f"{API}/pengaduan/{{ticket}}")
    async def complaint_status(ticket: str) -> Response:
        filed = desk.find(ticket.strip())
        if filed is None:
            return _fail(404, "TIKET_TIDAK_DITEMUKAN", "Tiket pengaduan tidak ditemukan").response()
        return _ok(
            {
                "nomor_tiket": filed.ticket,
                "status": "SELESAI" if filed.answer else "DIPROSES",
                "tanggapan": filed.answer,
                "ditanggapi_pada": _iso(filed.answered_at) if filed.answered_at else None,
            }
        ).response()


def create_app(
    world: World | None = None,
    faults: FaultSettings | None = None,
    today: Callable[[], date] = reference_date,
    provinces: frozenset[str] | None = frozenset({EAST_JAVA}),
) -> FastAPI:
    """East Java's office; ``provinces`` is its register's reach (East Java unless told)."""
    fleet = Fleet(world or default_world(), provinces)

    def now() -> datetime:
        return datetime.combine(today(), jakarta_now().timetz())

    cashier = Cashier(fleet, now)
    app = FastAPI(title="e-Samsat Jatim", docs_url=None, redoc_url=None, openapi_url=None)
    journal = install_journal(app)
    _install_complaints(app, journal)

    @app.get(f"{API}/kendaraan/{{nopol}}")
    async def vehicle(nopol: str) -> Response:
        plate = normalise_plate(nopol)
        if plate is None:
            return _fail(*_REFUSALS["BAD_PLATE"]).response()
        registration = fleet.by_plate.get(plate)
        if registration is None:
            return _fail(*_REFUSALS["UNKNOWN_PLATE"]).response()
        return _ok(vehicle_json(registration, registration.assessment(today()))).response()

    @app.get(f"{API}/wajib-pajak/{{nik}}/kendaraan")
    async def vehicles_of(nik: str) -> Response:
        if _SIXTEEN_DIGITS.fullmatch(nik) is None:
            return _fail(422, "NIK_TIDAK_VALID", "NIK harus 16 digit").response()
        day = today()
        items = [vehicle_json(r, r.assessment(day)) for r in fleet.of_owner(nik)]
        return _ok({"nik": nik, "jumlah_kendaraan": len(items), "kendaraan": items}).response()

    @app.post(f"{API}/penetapan")
    async def assess_and_issue(request: Request) -> Response:
        payload = await _body(request)
        if payload is None:
            return _incomplete()
        ref, plate, nik = (
            reference(payload.get("referensi")),
            _text(payload, "nopol"),
            _text(payload, "nik"),
        )
        if ref is None or plate is None or nik is None:
            return _incomplete()
        return journal.once(request, ref, lambda: cashier_reply(cashier.issue(plate, nik)))

    @app.post(f"{API}/pembayaran")
    async def pay(request: Request) -> Response:
        payload = await _body(request)
        if payload is None:
            return _incomplete()
        ref, number, amount = (
            reference(payload.get("referensi")),
            _text(payload, "kode_bayar"),
            payload.get("jumlah"),
        )
        if ref is None or number is None or type(amount) is not int or amount < 0:
            return _incomplete()
        return journal.once(request, ref, lambda: cashier_reply(cashier.pay(number, str(amount))))

    @app.post(f"{API}/pembatalan")
    async def void(request: Request) -> Response:
        payload = await _body(request)
        if payload is None:
            return _incomplete()
        ref, number = reference(payload.get("referensi")), _text(payload, "kode_bayar")
        if ref is None or number is None:
            return _incomplete()
        return journal.once(request, ref, lambda: cashier_reply(cashier.void(number)))

    @app.put(f"{API}/wajib-pajak/{{nik}}/alamat")
    async def move_owner(nik: str, request: Request) -> Response:
        payload = await _body(request)
        if payload is None:
            return _incomplete()
        ref, street = reference(payload.get("referensi")), _text(payload, "alamat")
        if ref is None or street is None:
            return _incomplete()
        village_code = payload.get("kode_kelurahan")

        def handle() -> Reply:
            if _SIXTEEN_DIGITS.fullmatch(nik) is None:
                return _fail(422, "NIK_TIDAK_VALID", "NIK harus 16 digit")
            village = village_by_code(str(village_code))
            if village is None:
                return _fail(422, "KODE_KELURAHAN_TIDAK_DIKENAL", "Kode kelurahan tidak dikenal")
            count = fleet.move_owner(nik, owner_address(street, village))
            return _ok({"nik": nik, "jumlah_kendaraan": count})

        return journal.once(request, ref, handle)

    @app.get(f"{API}/health")
    async def health() -> dict[str, Any]:
        return {
            "success": True,
            "data": {
                "status": "UP",
                "provinsi": sorted(provinces or ()),
                "waktu_server": _iso(jakarta_now()),
            },
        }

    install_faults(app, _STYLE, faults)
    return app


app = create_app(provinces=provinces_from_env(EAST_JAVA))
