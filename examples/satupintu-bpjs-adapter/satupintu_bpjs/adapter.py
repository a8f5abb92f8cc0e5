"""BPJS Kesehatan (JKN-KIS) membership, translated from the VClaim wire style to the canonical
`Membership`. The gateway builds one of these per configured endpoint and hands it the shared
HTTP pool, so the adapter keeps no connections or settings of its own."""

import datetime as dt
from typing import Any

from app.adapters.base import (
    AdapterContext,
    AgencyLevel,
    AgencyReplyError,
    AgencyUnavailable,
    Capability,
    ConformanceFixtures,
    ServiceStandard,
    backend_failure,
)
from app.schemas.social_security import Membership, MembershipStatus

# VClaim's participant status codes; anything not listed is a reply the adapter cannot
# translate, never a guess.
_STATUS = {
    "0": MembershipStatus.ACTIVE,
    "1": MembershipStatus.INACTIVE,
    "2": MembershipStatus.INACTIVE,
    "7": MembershipStatus.SUSPENDED,
}
PROGRAM = "health"


def to_membership(peserta: dict[str, Any]) -> Membership:
    until = peserta.get("tglTAT")
    return Membership(
        nik=str(peserta["nik"]),
        program=PROGRAM,
        membership_number=str(peserta["noKartu"]),
        status=_STATUS[str(peserta["statusPeserta"]["kode"])],
        member_class=str(peserta["hakKelas"]["kode"]),
        valid_until=dt.date.fromisoformat(until) if until else None,
    )


class BpjsKesehatanAdapter:
    code = "bpjs_kesehatan"
    name = "BPJS Kesehatan (Jaminan Kesehatan Nasional)"
    level = AgencyLevel.CENTRAL
    capabilities: frozenset[Capability] = frozenset({Capability.SOCIAL_SECURITY_MEMBERSHIPS})
    services: tuple[ServiceStandard, ...] = (
        ServiceStandard(
            code="health-insurance-membership-check",
            name_id="Pengecekan status kepesertaan JKN-KIS",
            name_en="National health insurance (JKN-KIS) membership check",
            category="health",
            requirements=("Nomor Induk Kependudukan (NIK) peserta",),
            procedure=(
                "Pemohon memasukkan NIK melalui kanal layanan",
                "Sistem mencocokkan NIK dengan data kepesertaan BPJS Kesehatan",
                "Status kepesertaan, kelas rawat dan masa berlaku ditampilkan",
            ),
            working_days=0,
            fee="Gratis",
            product="Informasi status kepesertaan JKN-KIS (nomor kartu, status, kelas rawat)",
            complaint_channel="Care Center BPJS Kesehatan 165, Mobile JKN atau SP4N-LAPOR!",
            legal_basis=(
                "UU 40/2004 Sistem Jaminan Sosial Nasional",
                "UU 24/2011 Badan Penyelenggara Jaminan Sosial",
                "Perpres 82/2018 Jaminan Kesehatan",
            ),
            responsible_unit="Kedeputian Bidang Kepesertaan, BPJS Kesehatan",
        ),
    )
    conformance = ConformanceFixtures(
        known_nik="3374091203840001",
        unknown_nik="3171074508900999",
    )

    def __init__(self, context: AdapterContext) -> None:
        self._http = context.http
        self._base = context.endpoint.base_url.rstrip("/")

    async def _get(self, path: str) -> tuple[str, Any]:
        """One VClaim call: HTTP failures first, then the `metaData` envelope's own code."""
        response = await self._http.get(f"{self._base}{path}")
        if failure := backend_failure(response):
            raise failure
        try:
            body = response.json()
            return str(body["metaData"]["code"]), body.get("response")
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyReplyError(f"BPJS Kesehatan reply is not VClaim JSON: {exc!r}") from exc

    async def list_memberships(self, nik: str) -> list[Membership]:
        code, payload = await self._get(f"/vclaim-rest/peserta/nik/{nik}")
        if code == "201":
            return []
        if code != "200":
            raise AgencyReplyError(f"BPJS Kesehatan answered metaData code {code}")
        try:
            return [to_membership(payload["peserta"])]
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyReplyError(f"BPJS Kesehatan member is not readable: {exc!r}") from exc

    async def health(self) -> None:
        code, payload = await self._get("/vclaim-rest/status")
        online = isinstance(payload, dict) and payload.get("status") == "ONLINE"
        if code != "200" or not online:
            raise AgencyUnavailable("BPJS Kesehatan reports it is not online")
