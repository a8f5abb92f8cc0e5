"""SAMSAT-style vehicle tax: form-encoded in and XML out for one plate, JSON for an owner's
list; camelCase Indonesian names, DD/MM/YYYY dates and amounts as `Rp 3.450.000` strings."""

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree.ElementTree import Element, ParseError
from zoneinfo import ZoneInfo

from defusedxml import ElementTree

from app.adapters.base import (
    REFUSED_INPUT_STATUSES,
    AdapterContext,
    AgencyLevel,
    AgencyNotFound,
    AgencyRefusedInput,
    AgencyRejected,
    AgencyReplyError,
    AgencyUnavailable,
    Capability,
    ComplaintFiling,
    ComplaintProgress,
    ConformanceFixtures,
    NewAddress,
    PaymentCode,
    Receipt,
    ServiceStandard,
    backend_failure,
)
from app.adapters.wire_dates import day_first_date
from app.schemas.vehicle import TaxAssessment, TaxStatus, TaxYear, Vehicle, VehicleClass

JAKARTA = ZoneInfo("Asia/Jakarta")
_RUPIAH = re.compile(r"Rp\s?(\d{1,3}(?:\.\d{3})*)")
#: SAMSAT's vehicle classes (golongan), the same in every province's system.
VEHICLE_CLASSES = {
    "SEPEDA_MOTOR": VehicleClass.MOTORCYCLE,
    "MOBIL_PRIBADI": VehicleClass.PRIVATE_CAR,
    "BUS_PRIBADI": VehicleClass.PRIVATE_BUS,
    "MOBIL_UMUM": VehicleClass.PUBLIC_CAR,
    "TRUK": VehicleClass.TRUCK,
}
_FOUND = "00"
_UNKNOWN_PLATE = "01"
_REJECTIONS = {
    "01": "vehicle tax has no vehicle with this plate number",
    "03": "the vehicle is not registered to this NIK",
    "04": "the vehicle is blocked at SAMSAT and cannot be renewed",
    "05": "this year's vehicle tax is already paid",
    "06": "SAMSAT does not know this payment code",
    "07": "the amount does not match the payment code",
    "08": "the payment code has been voided",
}
_ALREADY_PAID = "09"
_UNKNOWN_TICKET = "11"


def rupiah(value: Any) -> int:
    """`Rp 3.450.000` -> 3450000; anything looser is a reply error, not a guess."""
    match = _RUPIAH.fullmatch(str(value).strip())
    if match is None:
        raise ValueError(f"not a rupiah amount: {value!r}")
    return int(match.group(1).replace(".", ""))


def _decimal(value: Any) -> float:
    return float(str(value).replace(".", "").replace(",", "."))


def _date(value: Any) -> dt.date:
    return day_first_date(str(value), "/")


def _moment(value: Any) -> dt.datetime:
    return dt.datetime.strptime(str(value), "%d/%m/%Y %H:%M").replace(tzinfo=JAKARTA)


def _status(due_date: dt.date, months_overdue: int, today: dt.date) -> TaxStatus:
    if months_overdue > 0 or due_date < today:
        return TaxStatus.OVERDUE
    return TaxStatus.DUE if due_date == today else TaxStatus.PAID


def _tax_year(year: Mapping[str, Any]) -> TaxYear:
    return TaxYear(
        due_date=_date(year["tglJatuhTempo"]),
        months_late=int(year["bulanTerlambat"]),
        pkb_principal=rupiah(year["pkbPokok"]),
        pkb_opsen=rupiah(year["opsenPkb"]),
        pkb_penalty=rupiah(year["pkbDenda"]),
        swdkllj_principal=rupiah(year["swdklljPokok"]),
        swdkllj_penalty=rupiah(year["swdklljDenda"]),
        total=rupiah(year["jumlah"]),
    )


def _tax_years(assessment: Mapping[str, Any]) -> list[TaxYear]:
    """The years owed; an office that sends no breakdown owes one year, its totals."""
    years: Sequence[Mapping[str, Any]] = assessment.get("tahun") or [assessment]
    return [_tax_year(year) for year in years]


def to_vehicle(unit: Mapping[str, Any], assessment: Mapping[str, Any], today: dt.date) -> Vehicle:
    """``assessment`` holds the totals and, under ``tahun``, each year owed."""
    due_date = _date(assessment["tglJatuhTempo"])
    months_overdue = int(assessment["bulanTerlambat"])
    return Vehicle(
        plate_number=unit["nopol"],
        make=unit["merk"],
        model=unit["tipe"],
        vehicle_type=unit["jenis"],
        vehicle_class=VEHICLE_CLASSES[unit["golongan"]],
        engine_cc=int(unit["cc"]),
        year_made=int(unit["tahunBuat"]),
        color=unit["warna"],
        owner_nik=unit["nikPemilik"],
        owner_name=unit["namaPemilik"],
        registration_expires_on=_date(unit["tglAkhirStnk"]),
        blocked=unit["statusBlokir"] != "TIDAK",
        tax=TaxAssessment(
            status=_status(due_date, months_overdue, today),
            due_date=due_date,
            months_overdue=months_overdue,
            ownership_order=int(assessment["kepemilikanKe"]),
            sale_value=rupiah(assessment["njkb"]),
            weight_coefficient=_decimal(assessment["bobot"]),
            rate_percent=_decimal(assessment["tarifPersen"]),
            pkb_principal=rupiah(assessment["pkbPokok"]),
            pkb_opsen=rupiah(assessment["opsenPkb"]),
            pkb_penalty=rupiah(assessment["pkbDenda"]),
            swdkllj_principal=rupiah(assessment["swdklljPokok"]),
            swdkllj_penalty=rupiah(assessment["swdklljDenda"]),
            total=rupiah(assessment["jumlah"]),
            years=_tax_years(assessment),
        ),
    )


def _children(element: Element | None, name: str) -> dict[str, str]:
    if element is None:
        raise KeyError(name)
    return {child.tag: (child.text or "") for child in element}


def _assessment(element: Element | None) -> dict[str, Any]:
    """``<penetapan>``'s totals, and its repeated ``<tahun>`` elements as a list."""
    if element is None:
        raise KeyError("penetapan")
    fields: dict[str, Any] = {c.tag: (c.text or "") for c in element if c.tag != "tahun"}
    fields["tahun"] = [_children(year, "tahun") for year in element.findall("tahun")]
    return fields


class VehicleTaxAdapter:
    code = "vehicle_tax"
    name = "SAMSAT (Bapenda, Korlantas Polri, Jasa Raharja)"
    level = AgencyLevel.PROVINCIAL
    capabilities = frozenset(
        {
            Capability.VEHICLE_LOOKUP,
            Capability.VEHICLE_LIST_BY_OWNER,
            Capability.VEHICLE_TAX_PAYMENT,
            Capability.VEHICLE_UPDATE_OWNER_ADDRESS,
            Capability.COMPLAINT_INTAKE,
        }
    )
    complaint_topics = frozenset(
        {
            "samsat",
            "pajak kendaraan",
            "pkb",
            "stnk",
            "bpkb",
            "nopol",
            "plat nomor",
            "kendaraan",
            "motor",
            "mobil",
            "swdkllj",
            "kode bayar",
        }
    )

    services: tuple[ServiceStandard, ...] = (
        ServiceStandard(
            code="vehicle-tax-renewal",
            name_id="Pengesahan STNK dan pembayaran PKB tahunan",
            name_en="Yearly vehicle tax payment and registration validation",
            category="vehicles",
            requirements=("KTP-el pemilik sesuai STNK", "STNK asli", "Nomor polisi"),
            procedure=(
                "Identitas pemilik dicocokkan dengan Dukcapil",
                "SAMSAT menetapkan PKB, opsen, SWDKLLJ dan denda serta menerbitkan kode bayar",
                "Pembayaran melalui bank persepsi",
                "Notice pajak (bukti bayar) diterbitkan",
            ),
            working_days=1,
            fee="PKB + opsen PKB + SWDKLLJ + denda keterlambatan sesuai penetapan",
            product="Notice pajak kendaraan dan pengesahan STNK tahunan",
            complaint_channel="SP4N-LAPOR! atau layanan pengaduan SAMSAT provinsi",
            legal_basis=(
                "UU 1/2022 Hubungan Keuangan Pusat dan Daerah",
                "PMK 36/2008 dan 37/2008 (SWDKLLJ)",
                "Perpres 5/2015 Penyelenggaraan SAMSAT",
            ),
            responsible_unit="Badan Pendapatan Daerah provinsi (SAMSAT)",
        ),
    )
    conformance = ConformanceFixtures(
        known_nik="3174101704820001",
        unknown_nik="3171074508900999",
        known_plate_number="H 1524 Z",
        unknown_plate_number="B 1 QQQ",
    )

    def __init__(self, context: AdapterContext) -> None:
        self._http = context.http
        self._base = context.endpoint.base_url.rstrip("/")

    @staticmethod
    def _today() -> dt.date:
        return dt.datetime.now(JAKARTA).date()

    async def get_vehicle(self, plate_number: str) -> Vehicle:
        response = await self._http.post(
            f"{self._base}/samsat/infopkb", data={"nopol": plate_number}
        )
        if failure := backend_failure(response):
            raise failure
        try:
            root = ElementTree.fromstring(response.content)
            code = root.findtext("kode")
        except ParseError as exc:
            raise AgencyReplyError(f"vehicle tax reply is not XML: {exc}") from exc
        if response.status_code in REFUSED_INPUT_STATUSES:
            raise AgencyRefusedInput(f"vehicle tax refused the request: {root.findtext('pesan')}")
        if code == _UNKNOWN_PLATE:
            raise AgencyNotFound("vehicle tax has no vehicle with this plate")
        if code != _FOUND:
            raise AgencyReplyError(f"vehicle tax answered {code} {root.findtext('pesan')}")
        try:
            return to_vehicle(
                _children(root.find("kendaraan"), "kendaraan"),
                _assessment(root.find("penetapan")),
                self._today(),
            )
        except (KeyError, ValueError) as exc:
            raise AgencyReplyError(f"vehicle tax record is incomplete: {exc!r}") from exc

    async def _counter(
        self, path: str, form: dict[str, str], accept: tuple[str, ...] = ()
    ) -> Element:
        """A SAMSAT counter transaction: form in, XML out, rejections by code."""
        response = await self._http.post(f"{self._base}{path}", data=form)
        if failure := backend_failure(response):
            raise failure
        try:
            root = ElementTree.fromstring(response.content)
        except ParseError as exc:
            raise AgencyReplyError(f"vehicle tax reply is not XML: {exc}") from exc
        code = root.findtext("kode")
        if code == _FOUND or code in accept:
            return root
        if code in _REJECTIONS:
            raise AgencyRejected(_REJECTIONS[code])
        raise AgencyReplyError(f"vehicle tax answered {code} {root.findtext('pesan')}")

    async def issue_payment_code(self, plate_number: str, nik: str, reference: str) -> PaymentCode:
        root = await self._counter(
            "/samsat/penetapan", {"nopol": plate_number, "nik": nik, "ref": reference}
        )
        try:
            return PaymentCode(
                code=str(root.findtext("kodeBayar")),
                amount=rupiah(root.findtext("jumlah")),
                valid_until=_moment(root.findtext("berlakuSampai")),
                owner_name=str(root.findtext("namaPemilik")),
            )
        except ValueError as exc:
            raise AgencyReplyError(f"vehicle tax payment code is incomplete: {exc!r}") from exc

    async def pay(self, payment_code: str, amount: int, reference: str) -> Receipt:
        root = await self._counter(
            "/samsat/bayar",
            {"kodeBayar": payment_code, "jumlah": str(amount), "ref": reference},
            accept=(_ALREADY_PAID,),
        )
        try:
            return Receipt(
                number=str(root.findtext("noNotice")),
                plate_number=str(root.findtext("nopol")),
                amount=rupiah(root.findtext("jumlah")),
                paid_at=_moment(root.findtext("tglBayar")),
                next_due_date=_date(root.findtext("tglAkhirPkbBaru")),
            )
        except ValueError as exc:
            raise AgencyReplyError(f"vehicle tax receipt is incomplete: {exc!r}") from exc

    async def void_payment_code(self, payment_code: str, reference: str) -> None:
        await self._counter("/samsat/batal", {"kodeBayar": payment_code, "ref": reference})

    async def update_owner_address(self, nik: str, address: NewAddress, reference: str) -> int:
        response = await self._http.post(
            f"{self._base}/samsat/api/alamat-pemilik",
            json={
                "nik": nik,
                "alamat": f"{address.street} RT {address.rt} RW {address.rw}".upper(),
                "kodeKelurahan": address.village_code.replace(".", ""),
                "ref": reference,
            },
        )
        if failure := backend_failure(response):
            raise failure
        try:
            body = response.json()
            if body["kodeRespon"] != 0:
                raise AgencyRejected(f"vehicle tax refused the address: {body.get('pesan')}")
            return int(body["jumlahKendaraan"])
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyReplyError(f"vehicle tax address reply is not readable: {exc!r}") from exc

    async def file_complaint(self, complaint: ComplaintFiling, reference: str) -> str:
        root = await self._counter(
            "/samsat/pengaduan",
            {
                "nik": complaint.nik,
                "judul": complaint.subject,
                "isi": complaint.description,
                "ref": reference,
            },
        )
        ticket = root.findtext("noTiket")
        if not ticket:
            raise AgencyReplyError("vehicle tax did not give a ticket number")
        return ticket

    async def complaint_progress(self, ticket: str) -> ComplaintProgress:
        response = await self._http.post(
            f"{self._base}/samsat/pengaduan/status", data={"noTiket": ticket}
        )
        if failure := backend_failure(response):
            raise failure
        try:
            root = ElementTree.fromstring(response.content)
        except ParseError as exc:
            raise AgencyReplyError(f"vehicle tax reply is not XML: {exc}") from exc
        code = root.findtext("kode")
        if code == _UNKNOWN_TICKET:
            raise AgencyNotFound("vehicle tax has no complaint with this ticket")
        status = root.findtext("status")
        if code != _FOUND or status not in ("DIPROSES", "SELESAI"):
            raise AgencyReplyError(f"vehicle tax answered {code} {root.findtext('pesan')}")
        if status == "DIPROSES":
            return ComplaintProgress(ticket=ticket, answered=False)
        try:
            return ComplaintProgress(
                ticket=ticket,
                answered=True,
                answer=str(root.findtext("tanggapan")),
                answered_at=_moment(root.findtext("tglTanggapan")),
            )
        except ValueError as exc:
            raise AgencyReplyError(f"vehicle tax complaint answer is incomplete: {exc!r}") from exc

    async def list_vehicles_by_owner(self, nik: str) -> list[Vehicle]:
        response = await self._http.get(f"{self._base}/samsat/api/kendaraan", params={"nik": nik})
        if failure := backend_failure(response):
            raise failure
        today = self._today()
        try:
            body = response.json()
            if response.status_code in REFUSED_INPUT_STATUSES:
                raise AgencyRefusedInput(f"vehicle tax refused the request: {body['pesan']}")
            if body["kodeRespon"] != 0:
                raise AgencyReplyError(f"vehicle tax answered {body['kodeRespon']}")
            return [to_vehicle(unit, unit["penetapan"], today) for unit in body["dataKendaraan"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyReplyError(f"vehicle tax list is not readable: {exc!r}") from exc

    async def health(self) -> None:
        response = await self._http.get(f"{self._base}/samsat/status")
        if failure := backend_failure(response):
            raise failure
        try:
            online = response.json().get("status") == "ONLINE"
        except ValueError as exc:
            raise AgencyReplyError("vehicle tax status is not JSON") from exc
        if not online:
            raise AgencyUnavailable("vehicle tax reports it is not online")
