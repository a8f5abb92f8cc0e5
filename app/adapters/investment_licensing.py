"""OSS-style investment licensing: snake_case Indonesian keys, epoch-millisecond timestamps,
risk and permit codes, a responCode envelope and page-numbered lists."""

import datetime as dt
from typing import Any
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
    BusinessApplication,
    BusinessPage,
    Capability,
    ComplaintFiling,
    ComplaintProgress,
    ConformanceFixtures,
    NewAddress,
    PermitDecision,
    Registration,
    RegistrationStatus,
    ServiceStage,
    ServiceStandard,
    backend_failure,
)
from app.http_client import AgencyReply
from app.schemas.business import (
    Business,
    BusinessActivity,
    BusinessAddress,
    KbliEntry,
    OwnerType,
    Permit,
    PermitStatus,
    PermitType,
    RiskLevel,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
MAX_PAGE_SIZE = 50
VERIFICATION_WORKING_DAYS = 10
"""The verification period OSS applies (PP 28/2025 Pasal 222 ayat (6), Pasal 227 ayat (6)):
the regulation sets it per KBLI in Lampiran I, which no stored source holds, so the simulated
OSS and this standard share one stated placeholder (simulators/investment_licensing/sla.py)."""
_OWNER = {
    "UMK_PERORANGAN": OwnerType.INDIVIDUAL,
    "PT": OwnerType.LIMITED_COMPANY,
    "CV": OwnerType.PARTNERSHIP,
    "KOPERASI": OwnerType.COOPERATIVE,
}
_RISK = {
    "R": RiskLevel.LOW,
    "MR": RiskLevel.MEDIUM_LOW,
    "MT": RiskLevel.MEDIUM_HIGH,
    "T": RiskLevel.HIGH,
}
_PERMIT = {
    "NIB": PermitType.NIB,
    "SERTIFIKAT_STANDAR": PermitType.STANDARD_CERTIFICATE,
    "IZIN": PermitType.LICENCE,
}
_PERMIT_STATUS = {
    "TERBIT": PermitStatus.ISSUED,
    "MENUNGGU_VERIFIKASI": PermitStatus.PENDING_VERIFICATION,
    "DITOLAK": PermitStatus.REJECTED,
}
_REGISTRATION_STATUS = {
    "TERBIT": RegistrationStatus.ISSUED,
    "MENUNGGU_VERIFIKASI": RegistrationStatus.PENDING,
    "DITOLAK": RegistrationStatus.REJECTED,
}
_PERMIT_DECISION = {
    "TIDAK_DIPERLUKAN": PermitDecision.NOT_REQUIRED,
    "TERBIT": PermitDecision.ISSUED,
    "MENUNGGU_VERIFIKASI": PermitDecision.PENDING,
    "DITOLAK": PermitDecision.REFUSED,
}


def _permit_decision(permit: dict[str, Any]) -> PermitDecision:
    """OSS's `izin.status`, with an issue by fiktif positif told apart as deemed approved."""
    if not permit:
        return PermitDecision.NOT_REQUIRED
    decision = _PERMIT_DECISION[permit["status"]]
    if decision is PermitDecision.ISSUED and permit.get("fiktif_positif") is True:
        return PermitDecision.DEEMED_APPROVED
    return decision


_SCALE = {"MIKRO": "micro", "KECIL": "small", "MENENGAH": "medium", "BESAR": "large"}


def _date(epoch_ms: int | None) -> dt.date | None:
    if epoch_ms is None:
        return None
    return dt.datetime.fromtimestamp(epoch_ms / 1000, JAKARTA).date()


def _dotted(code: str) -> str:
    return ".".join(p for p in (code[0:2], code[2:4], code[4:6], code[6:10]) if p)


def to_business(row: dict[str, Any]) -> Business:
    address = row["alamat_usaha"]
    registered_on = _date(row["tgl_terbit_nib"])
    if registered_on is None:
        raise ValueError("tgl_terbit_nib is missing")
    return Business(
        nib=row["nib"],
        name=row["nama_usaha"],
        owner_type=_OWNER[row["jenis_pelaku_usaha"]],
        owner_nik=row["nik_pemilik"],
        tax_number=row.get("npwp"),
        scale=_SCALE[row["skala_usaha"]],
        address=BusinessAddress(
            street=address["alamat"],
            village_code=_dotted(address["kd_kel"]),
            regency_code=_dotted(address["kd_kab"]),
        ),
        registered_on=registered_on,
        activities=[
            BusinessActivity(
                kbli=kbli["kode_kbli"],
                title=kbli["judul_kbli"],
                risk_level=_RISK[kbli["kd_resiko"]],
                permits=[
                    Permit(
                        type=_PERMIT[p["jenis_izin"]],
                        number=p.get("nomor"),
                        status=_PERMIT_STATUS[p["status"]],
                        issued_on=_date(p.get("tgl_terbit")),
                    )
                    for p in kbli["perizinan"]
                ],
            )
            for kbli in row["kbli"]
        ],
    )


def _reason(response: AgencyReply) -> str:
    """OSS's own words for a refusal (`responMessage`), or its HTTP status when unreadable."""
    try:
        return str(response.json()["responMessage"])
    except (KeyError, TypeError, ValueError):
        return f"HTTP {response.status_code}"


class InvestmentLicensingAdapter:
    code = "investment_licensing"
    name = "Online Single Submission (OSS RBA), Kementerian Investasi/BKPM"
    level = AgencyLevel.CENTRAL
    capabilities = frozenset(
        {
            Capability.BUSINESS_LIST_BY_OWNER,
            Capability.BUSINESS_REGISTER,
            Capability.BUSINESS_UPDATE_OWNER_ADDRESS,
            Capability.BUSINESS_KBLI_REFERENCE,
            Capability.COMPLAINT_INTAKE,
        }
    )
    complaint_topics = frozenset(
        {
            "oss",
            "nib",
            "kbli",
            "izin usaha",
            "perizinan",
            "usaha",
            "sertifikat standar",
            "investasi",
            "bkpm",
            "umkm",
        }
    )

    services: tuple[ServiceStandard, ...] = (
        ServiceStandard(
            code="business-registration",
            name_id="Pendaftaran usaha dan penerbitan NIB berbasis risiko (OSS RBA)",
            name_en="Business registration and NIB issuance (risk-based OSS)",
            category="business",
            requirements=("KTP-el pemilik", "Kode KBLI 2020", "Alamat lokasi usaha"),
            procedure=(
                "Identitas pemilik dicocokkan dengan Dukcapil",
                "Permohonan diajukan ke OSS dengan KBLI dan lokasi",
                "NIB terbit seketika untuk semua tingkat risiko",
                "Risiko menengah rendah: sertifikat standar (pernyataan mandiri) terbit seketika",
                "Risiko menengah tinggi dan tinggi: sertifikat standar atau izin diverifikasi "
                f"instansi berwenang dalam {VERIFICATION_WORKING_DAYS} hari kerja (PP 28/2025 "
                "Pasal 222 dan 227); tanpa keputusan dalam jangka waktu itu, Sistem OSS "
                "menerbitkannya pada hari kerja berikutnya (fiktif positif, Pasal 225 dan 230)",
            ),
            working_days=VERIFICATION_WORKING_DAYS + 1,
            stages=(
                ServiceStage(
                    name_id="Pendaftaran dan penerbitan NIB (semua tingkat risiko)",
                    name_en="Registration and NIB issuance (every risk level)",
                    working_days=0,
                ),
                ServiceStage(
                    name_id="Verifikasi sertifikat standar (risiko menengah tinggi) atau izin "
                    "(risiko tinggi) oleh instansi berwenang",
                    name_en="Verification of the standard certificate (medium-high risk) or "
                    "licence (high risk) by the competent authority",
                    working_days=VERIFICATION_WORKING_DAYS,
                    deemed_approval=True,
                ),
                ServiceStage(
                    name_id="Penerbitan oleh Sistem OSS bila verifikasi tidak diputus dalam "
                    "jangka waktu (fiktif positif)",
                    name_en="Issued by the OSS system when the verification was not decided "
                    "in time (deemed approval)",
                    working_days=1,
                ),
            ),
            fee="Gratis",
            product="Nomor Induk Berusaha (NIB), sertifikat standar atau izin sesuai risiko",
            complaint_channel="SP4N-LAPOR! atau helpdesk OSS",
            legal_basis=(
                "PP 28/2025 Perizinan Berusaha Berbasis Risiko (Pasal 220-230)",
                "UU 6/2023 Cipta Kerja",
            ),
            responsible_unit="Kementerian Investasi dan Hilirisasi/BKPM, DPMPTSP daerah",
        ),
    )
    conformance = ConformanceFixtures(known_nik="3273064811790001", unknown_nik="3171074508900999")

    def __init__(self, context: AdapterContext) -> None:
        self._http = context.http
        self._base = context.endpoint.base_url.rstrip("/")

    async def list_businesses_by_owner(self, nik: str, page: int, page_size: int) -> BusinessPage:
        response = await self._http.get(
            f"{self._base}/oss/v2/pelaku-usaha",
            params={"nik_pemilik": nik, "page": page, "per_page": min(page_size, MAX_PAGE_SIZE)},
        )
        if failure := backend_failure(response):
            raise failure
        if response.status_code in REFUSED_INPUT_STATUSES:
            raise AgencyRefusedInput(f"OSS refused the request: {_reason(response)}")
        try:
            body = response.json()
            if body["responCode"] != 200:
                raise AgencyReplyError(f"OSS answered {body['responCode']} {body['responMessage']}")
            data = body["data"]
            return BusinessPage(
                items=[to_business(row) for row in data["items"]],
                page=int(data["page"]),
                page_size=int(data["per_page"]),
                total=int(data["total"]),
                total_pages=int(data["total_page"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyReplyError(f"OSS business list is not readable: {exc!r}") from exc

    async def _envelope(self, response: AgencyReply) -> dict[str, Any]:
        if failure := backend_failure(response):
            raise failure
        try:
            body = response.json()
            code, message = body["responCode"], body["responMessage"]
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyReplyError(f"OSS reply is not readable: {exc!r}") from exc
        if code == 404:
            raise AgencyNotFound(f"OSS: {message}")
        if code in (400, 422):
            raise AgencyRejected(f"OSS refused the application: {message}")
        if code not in (200, 201) or not isinstance(body.get("data"), dict):
            raise AgencyReplyError(f"OSS answered {code} {message}")
        data: dict[str, Any] = body["data"]
        return data

    @staticmethod
    def _registration(data: dict[str, Any]) -> Registration:
        try:
            permit = data.get("izin") or {}
            kind = permit.get("jenis_izin")
            deadline = permit.get("batas_waktu_verifikasi")
            decided = permit.get("tgl_keputusan")
            return Registration(
                application_id=data["id_permohonan"],
                status=_REGISTRATION_STATUS[data["status"]],
                risk_level=_RISK[data["kd_resiko"]],
                nib=data.get("nib"),
                rejection_reason=permit.get("alasan_penolakan", data.get("alasan_penolakan")),
                permit_kind=None if kind is None else _PERMIT[kind],
                permit_status=_permit_decision(permit),
                permit_number=permit.get("nomor"),
                permit_decided_at=(
                    None if decided is None else dt.datetime.fromtimestamp(decided / 1000, JAKARTA)
                ),
                permit_deadline=None if deadline is None else dt.date.fromisoformat(deadline),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyReplyError(f"OSS application is incomplete: {exc!r}") from exc

    async def register_business(
        self, nik: str, application: BusinessApplication, reference: str
    ) -> Registration:
        response = await self._http.post(
            f"{self._base}/oss/v2/permohonan",
            json={
                "referensi": reference,
                "nik_pemilik": nik,
                "nama_usaha": application.business_name.upper(),
                "jenis_pelaku_usaha": "UMK_PERORANGAN",
                "alamat_usaha": {
                    "alamat": application.street.upper(),
                    "kd_kel": application.village_code.replace(".", ""),
                },
                "kbli": application.kbli,
            },
        )
        return self._registration(await self._envelope(response))

    async def registration_status(self, application_id: str) -> Registration:
        response = await self._http.get(f"{self._base}/oss/v2/permohonan/{application_id}")
        return self._registration(await self._envelope(response))

    async def update_owner_address(self, nik: str, address: NewAddress, reference: str) -> int:
        response = await self._http.put(
            f"{self._base}/oss/v2/pelaku-usaha/alamat",
            json={
                "nik_pemilik": nik,
                "alamat": f"{address.street} RT {address.rt} RW {address.rw}".upper(),
                "kd_kel": address.village_code.replace(".", ""),
                "referensi": reference,
            },
        )
        data = await self._envelope(response)
        try:
            return int(data["jumlah_usaha"])
        except (KeyError, ValueError) as exc:
            raise AgencyReplyError(f"OSS address reply is incomplete: {exc!r}") from exc

    async def file_complaint(self, complaint: ComplaintFiling, reference: str) -> str:
        response = await self._http.post(
            f"{self._base}/oss/v2/pengaduan",
            json={
                "referensi": reference,
                "nik_pelapor": complaint.nik,
                "judul": complaint.subject,
                "isi": complaint.description,
            },
        )
        data = await self._envelope(response)
        try:
            return str(data["id_pengaduan"])
        except KeyError as exc:
            raise AgencyReplyError("OSS did not give a complaint id") from exc

    async def complaint_progress(self, ticket: str) -> ComplaintProgress:
        response = await self._http.get(f"{self._base}/oss/v2/pengaduan/{ticket}")
        data = await self._envelope(response)
        try:
            if data["status"] == "DITERIMA":
                return ComplaintProgress(ticket=data["id_pengaduan"], answered=False)
            if data["status"] != "SELESAI":
                raise AgencyReplyError(f"OSS complaint status {data['status']!r} is unknown")
            return ComplaintProgress(
                ticket=data["id_pengaduan"],
                answered=True,
                answer=str(data["tanggapan"]),
                answered_at=dt.datetime.fromtimestamp(data["tgl_tanggapan"] / 1000, JAKARTA),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyReplyError(f"OSS complaint status is incomplete: {exc!r}") from exc

    async def list_kbli(self) -> list[KbliEntry]:
        response = await self._http.get(f"{self._base}/oss/v2/referensi/kbli")
        if failure := backend_failure(response):
            raise failure
        try:
            body = response.json()
            return [
                KbliEntry(
                    kbli=row["kode_kbli"],
                    title=row["judul_kbli"],
                    risk_level=_RISK[row["kd_resiko"]],
                )
                for row in body["data"]
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyReplyError(f"OSS KBLI list is not readable: {exc!r}") from exc

    async def health(self) -> None:
        response = await self._http.get(f"{self._base}/oss/v2/health")
        if failure := backend_failure(response):
            raise failure
        try:
            code = response.json().get("responCode")
        except ValueError as exc:
            raise AgencyReplyError("OSS health is not JSON") from exc
        if code != 200:
            raise AgencyUnavailable(f"OSS health answered {code}")
