"""East Java's SAMSAT (Bapenda Jatim): JSON REST under ``/api/v2``, snake_case names, ISO
dates, amounts as integers, a ``success`` envelope and HTTP statuses that carry the outcome.

The same tax as :mod:`app.adapters.vehicle_tax` in another province's dialect: the canonical
vehicle, payment code and receipt are the same, so a gateway can put either behind the same
service, and both serve the same catalogue entry.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from app.adapters.base import (
    REFUSED_INPUT_STATUSES,
    AdapterContext,
    AgencyLevel,
    AgencyNotFound,
    AgencyRefusedInput,
    AgencyRejected,
    AgencyReplyError,
    AgencyUnavailable,
    ComplaintFiling,
    ComplaintProgress,
    ConformanceFixtures,
    NewAddress,
    PaymentCode,
    Receipt,
    ServiceStandard,
    backend_failure,
)
from app.adapters.vehicle_tax import VEHICLE_CLASSES, VehicleTaxAdapter
from app.http_client import AgencyReply
from app.schemas.vehicle import TaxAssessment, TaxStatus, TaxYear, Vehicle

JAKARTA = ZoneInfo("Asia/Jakarta")
_UNKNOWN_PLATE = "KENDARAAN_TIDAK_DITEMUKAN"
_UNKNOWN_TICKET = "TIKET_TIDAK_DITEMUKAN"
_ALREADY_PAID = "KODE_BAYAR_SUDAH_DIBAYAR"
#: East Java's refusals in the gateway's words, the same sentences as the XML dialect's.
_REJECTIONS = {
    _UNKNOWN_PLATE: "vehicle tax has no vehicle with this plate number",
    "NIK_TIDAK_SESUAI": "the vehicle is not registered to this NIK",
    "KENDARAAN_DIBLOKIR": "the vehicle is blocked at SAMSAT and cannot be renewed",
    "PAJAK_SUDAH_LUNAS": "this year's vehicle tax is already paid",
    "KODE_BAYAR_TIDAK_DITEMUKAN": "SAMSAT does not know this payment code",
    "JUMLAH_TIDAK_SESUAI": "the amount does not match the payment code",
    "KODE_BAYAR_DIBATALKAN": "the payment code has been voided",
    _ALREADY_PAID: "the payment code is already paid and cannot be voided",
}


def _amount(value: Any) -> int:
    """Whole rupiah as a JSON integer; a string, float or boolean is a reply error."""
    if type(value) is not int or value < 0:
        raise ValueError(f"not a whole-rupiah amount: {value!r}")
    return value


def _moment(value: Any) -> dt.datetime:
    moment = dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"a time without its offset: {value!r}")
    return moment.astimezone(JAKARTA)


def _status(due_date: dt.date, months_overdue: int, today: dt.date) -> TaxStatus:
    if months_overdue > 0 or due_date < today:
        return TaxStatus.OVERDUE
    return TaxStatus.DUE if due_date == today else TaxStatus.PAID


def _tax_year(year: Mapping[str, Any]) -> TaxYear:
    return TaxYear(
        due_date=dt.date.fromisoformat(year["jatuh_tempo"]),
        months_late=int(year["bulan_terlambat"]),
        pkb_principal=_amount(year["pokok_pkb"]),
        pkb_opsen=_amount(year["opsen_pkb"]),
        pkb_penalty=_amount(year["sanksi_pkb"]),
        swdkllj_principal=_amount(year["pokok_swdkllj"]),
        swdkllj_penalty=_amount(year["sanksi_swdkllj"]),
        total=_amount(year["total"]),
    )


def to_vehicle(unit: Mapping[str, Any], today: dt.date) -> Vehicle:
    assessment = unit["penetapan"]
    due_date = dt.date.fromisoformat(assessment["jatuh_tempo"])
    months_overdue = int(assessment["bulan_terlambat"])
    return Vehicle(
        plate_number=unit["nopol"],
        make=unit["merek"],
        model=unit["tipe"],
        vehicle_type=unit["jenis"],
        vehicle_class=VEHICLE_CLASSES[unit["golongan"]],
        engine_cc=int(unit["isi_silinder"]),
        year_made=int(unit["tahun_pembuatan"]),
        color=unit["warna"],
        owner_nik=unit["nik_pemilik"],
        owner_name=unit["nama_pemilik"],
        registration_expires_on=dt.date.fromisoformat(unit["masa_berlaku_stnk"]),
        blocked=bool(unit["diblokir"]),
        tax=TaxAssessment(
            status=_status(due_date, months_overdue, today),
            due_date=due_date,
            months_overdue=months_overdue,
            ownership_order=int(assessment["kepemilikan_ke"]),
            sale_value=_amount(assessment["njkb"]),
            weight_coefficient=float(assessment["bobot"]),
            rate_percent=float(assessment["tarif_persen"]),
            pkb_principal=_amount(assessment["pokok_pkb"]),
            pkb_opsen=_amount(assessment["opsen_pkb"]),
            pkb_penalty=_amount(assessment["sanksi_pkb"]),
            swdkllj_principal=_amount(assessment["pokok_swdkllj"]),
            swdkllj_penalty=_amount(assessment["sanksi_swdkllj"]),
            total=_amount(assessment["total"]),
            years=[_tax_year(year) for year in assessment["rincian_tahun"]],
        ),
    )


def _envelope(response: AgencyReply) -> dict[str, Any]:
    """The reply's envelope after the shared status classification; anything else is a
    reply error, never a guess."""
    if failure := backend_failure(response):
        raise failure
    try:
        body = response.json()
    except ValueError as exc:
        raise AgencyReplyError(f"East Java SAMSAT reply is not JSON: {exc}") from exc
    if not isinstance(body, dict) or not isinstance(body.get("success"), bool):
        raise AgencyReplyError("East Java SAMSAT reply has no success envelope")
    return body


def _error_code(body: Mapping[str, Any]) -> str:
    error = body.get("error")
    return str(error.get("code")) if isinstance(error, dict) else ""


def _error_text(body: Mapping[str, Any]) -> str:
    error = body.get("error")
    return str(error.get("message")) if isinstance(error, dict) else "no message"


class SamsatJatimAdapter:
    code = "samsat_jatim"
    name = "e-Samsat Jatim (Bapenda Provinsi Jawa Timur)"
    level = AgencyLevel.PROVINCIAL
    capabilities = VehicleTaxAdapter.capabilities
    complaint_topics = VehicleTaxAdapter.complaint_topics
    services: tuple[ServiceStandard, ...] = VehicleTaxAdapter.services
    conformance = ConformanceFixtures(
        known_nik="3171030912860001",
        unknown_nik="3578010101900999",
        known_plate_number="L 9881 ZK",
        unknown_plate_number="L 1 QQQ",
    )

    def __init__(self, context: AdapterContext) -> None:
        self._http = context.http
        self._base = context.endpoint.base_url.rstrip("/")

    @staticmethod
    def _today() -> dt.date:
        return dt.datetime.now(JAKARTA).date()

    async def _write(
        self, method: str, path: str, payload: dict[str, Any], accept: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """A write: its ``data`` on success or on an ``accept``-ed refusal; a business refusal
        (404, 409, or the 400/422 of a request East Java would not take) is a rejection."""
        send = self._http.put if method == "PUT" else self._http.post
        response = await send(f"{self._base}{path}", json=payload)
        body = _envelope(response)
        code = _error_code(body)
        if body["success"] or code in accept:
            data = body.get("data")
            if not isinstance(data, dict):
                raise AgencyReplyError("East Java SAMSAT answered without data")
            return data
        if code in _REJECTIONS:
            raise AgencyRejected(_REJECTIONS[code])
        if response.status_code in (404, 409, *REFUSED_INPUT_STATUSES):
            raise AgencyRejected(f"East Java SAMSAT refused the request: {_error_text(body)}")
        raise AgencyReplyError(f"East Java SAMSAT answered {response.status_code} {code}")

    async def get_vehicle(self, plate_number: str) -> Vehicle:
        response = await self._http.get(
            f"{self._base}/api/v2/kendaraan/{quote(plate_number.strip(), safe='')}"
        )
        body = _envelope(response)
        if not body["success"]:
            if response.status_code in REFUSED_INPUT_STATUSES:
                raise AgencyRefusedInput(f"vehicle tax refused the request: {_error_text(body)}")
            if response.status_code == 404 and _error_code(body) == _UNKNOWN_PLATE:
                raise AgencyNotFound("vehicle tax has no vehicle with this plate")
            raise AgencyReplyError(f"East Java SAMSAT answered {_error_code(body)}")
        try:
            return to_vehicle(body["data"], self._today())
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyReplyError(f"vehicle tax record is incomplete: {exc!r}") from exc

    async def list_vehicles_by_owner(self, nik: str) -> list[Vehicle]:
        response = await self._http.get(
            f"{self._base}/api/v2/wajib-pajak/{quote(nik, safe='')}/kendaraan"
        )
        body = _envelope(response)
        if not body["success"]:
            if response.status_code in REFUSED_INPUT_STATUSES:
                raise AgencyRefusedInput(f"vehicle tax refused the request: {_error_text(body)}")
            raise AgencyReplyError(f"East Java SAMSAT answered {_error_code(body)}")
        today = self._today()
        try:
            return [to_vehicle(unit, today) for unit in body["data"]["kendaraan"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyReplyError(f"vehicle tax list is not readable: {exc!r}") from exc

    async def issue_payment_code(self, plate_number: str, nik: str, reference: str) -> PaymentCode:
        data = await self._write(
            "POST", "/api/v2/penetapan", {"nopol": plate_number, "nik": nik, "referensi": reference}
        )
        try:
            return PaymentCode(
                code=str(data["kode_bayar"]),
                amount=_amount(data["jumlah"]),
                valid_until=_moment(data["berlaku_sampai"]),
                owner_name=str(data["nama_pemilik"]),
            )
        except (KeyError, ValueError) as exc:
            raise AgencyReplyError(f"vehicle tax payment code is incomplete: {exc!r}") from exc

    async def pay(self, payment_code: str, amount: int, reference: str) -> Receipt:
        data = await self._write(
            "POST",
            "/api/v2/pembayaran",
            {"kode_bayar": payment_code, "jumlah": amount, "referensi": reference},
            accept=(_ALREADY_PAID,),
        )
        try:
            return Receipt(
                number=str(data["nomor_notice"]),
                plate_number=str(data["nopol"]),
                amount=_amount(data["jumlah"]),
                paid_at=_moment(data["dibayar_pada"]),
                next_due_date=dt.date.fromisoformat(data["jatuh_tempo_baru"]),
            )
        except (KeyError, ValueError) as exc:
            raise AgencyReplyError(f"vehicle tax receipt is incomplete: {exc!r}") from exc

    async def void_payment_code(self, payment_code: str, reference: str) -> None:
        await self._write(
            "POST", "/api/v2/pembatalan", {"kode_bayar": payment_code, "referensi": reference}
        )

    async def update_owner_address(self, nik: str, address: NewAddress, reference: str) -> int:
        data = await self._write(
            "PUT",
            f"/api/v2/wajib-pajak/{quote(nik, safe='')}/alamat",
            {
                "alamat": f"{address.street} RT {address.rt} RW {address.rw}".upper(),
                "kode_kelurahan": address.village_code.replace(".", ""),
                "referensi": reference,
            },
        )
        try:
            return _amount(data["jumlah_kendaraan"])
        except (KeyError, ValueError) as exc:
            raise AgencyReplyError(f"vehicle tax address reply is not readable: {exc!r}") from exc

    async def file_complaint(self, complaint: ComplaintFiling, reference: str) -> str:
        data = await self._write(
            "POST",
            "/api/v2/pengaduan",
            {
                "nik": complaint.nik,
                "judul": complaint.subject,
                "isi": complaint.description,
                "referensi": reference,
            },
        )
        ticket = data.get("nomor_tiket")
        if not isinstance(ticket, str) or not ticket:
            raise AgencyReplyError("vehicle tax did not give a ticket number")
        return ticket

    async def complaint_progress(self, ticket: str) -> ComplaintProgress:
        response = await self._http.get(f"{self._base}/api/v2/pengaduan/{quote(ticket, safe='')}")
        body = _envelope(response)
        if not body["success"]:
            if response.status_code == 404 and _error_code(body) == _UNKNOWN_TICKET:
                raise AgencyNotFound("vehicle tax has no complaint with this ticket")
            raise AgencyReplyError(f"East Java SAMSAT answered {_error_code(body)}")
        try:
            data = body["data"]
            if data["status"] == "DIPROSES":
                return ComplaintProgress(ticket=ticket, answered=False)
            if data["status"] != "SELESAI":
                raise ValueError(f"unknown complaint status {data['status']!r}")
            return ComplaintProgress(
                ticket=ticket,
                answered=True,
                answer=str(data["tanggapan"]),
                answered_at=_moment(data["ditanggapi_pada"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyReplyError(f"vehicle tax complaint answer is incomplete: {exc!r}") from exc

    async def health(self) -> None:
        body = _envelope(await self._http.get(f"{self._base}/api/v2/health"))
        data = body.get("data")
        if not body["success"] or not isinstance(data, dict) or data.get("status") != "UP":
            raise AgencyUnavailable("East Java SAMSAT reports it is not up")
