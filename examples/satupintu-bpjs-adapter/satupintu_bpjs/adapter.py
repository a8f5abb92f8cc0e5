"""BPJS Kesehatan (JKN-KIS) membership, translated from the VClaim wire style to the records of
the data product `health_insurance`.

The product's contract (its record schema, scope, classification, legal basis) is not here:
it is the declaration `health_insurance.json` next to this package, whose `fetch` names this
adapter. The gateway checks every record this adapter returns against that schema, so the
translation below must give exactly the canonical form the declaration publishes; the same
product can instead be fetched with no code at all (`declarations/health_insurance.json` in
the gateway's repository), and both give the same records.

The gateway builds one of these per source and hands it the shared HTTP pool, so the adapter
keeps no connections of its own. VClaim wants the consumer key in `X-Cons-Key`: the adapter
takes it from the endpoint's password when the operator set one, else from the gateway's
environment variable `SATUPINTU_AGENCY_SECRET_BPJS_CONS_KEY`, the one the declarative
declaration's `secret_ref` names.
"""

import os
from typing import Any
from urllib.parse import quote

from app.adapters.base import (
    AdapterContext,
    AgencyLevel,
    AgencyNotFound,
    AgencyReplyError,
    AgencyUnavailable,
    ConformanceFixtures,
    ServiceStandard,
    backend_failure,
)

PRODUCT = "health_insurance"
API_KEY_HEADER = "X-Cons-Key"
API_KEY_ENV = "SATUPINTU_AGENCY_SECRET_BPJS_CONS_KEY"
#: VClaim's codes, translated to the declaration's enums; a code not listed is a reply the
#: adapter cannot translate, never a guess.
STATUS = {"0": "active", "1": "deceased", "2": "inactive", "7": "suspended"}
PARTICIPANT_TYPE = {
    "11": "wage_earner",
    "12": "wage_earner",
    "13": "wage_earner",
    "14": "wage_earner",
    "15": "non_wage_earner",
    "16": "non_worker",
    "21": "pbi_apbn",
    "22": "pbi_apbd",
}
PROGRAM = "JKN-KIS"
#: HTTP statuses, and `metaData` codes, with which VClaim refuses the consumer key.
REFUSED = frozenset({"401", "403"})


def to_record(peserta: dict[str, Any]) -> dict[str, Any]:
    """One VClaim `peserta` as the product's canonical record."""
    provider = peserta["provUmum"]
    return {
        "card_number": str(peserta["noKartu"]),
        "program": PROGRAM,
        "status": STATUS[str(peserta["statusPeserta"]["kode"])],
        "care_class": int(peserta["hakKelas"]["kode"]),
        "participant_type": PARTICIPANT_TYPE[str(peserta["jenisPeserta"]["kode"])],
        "valid_from": str(peserta["tglTMT"]),
        "valid_until": str(peserta["tglTAT"]),
        "primary_care_provider": {
            "code": str(provider["kdProvider"]),
            "name": str(provider["nmProvider"]),
        },
    }


class BpjsKesehatanAdapter:
    code = "bpjs_kesehatan"
    name = "BPJS Kesehatan (Jaminan Kesehatan Nasional)"
    level = AgencyLevel.CENTRAL
    capabilities: frozenset[str] = frozenset({f"product:{PRODUCT}"})
    #: The product's service is published by its declaration, with the rest of its contract.
    services: tuple[ServiceStandard, ...] = ()
    conformance = ConformanceFixtures(
        known_nik="3374091203840001",
        unknown_nik="3471073006980001",
    )

    def __init__(self, context: AdapterContext) -> None:
        self._http = context.http
        self._base = context.endpoint.base_url.rstrip("/")
        password = context.endpoint.password
        key = password.get_secret_value() if password else os.environ.get(API_KEY_ENV)
        self._headers = {API_KEY_HEADER: key} if key else {}

    async def _get(self, path: str) -> tuple[str, Any]:
        """One VClaim call: HTTP failures first, then the `metaData` envelope's own code."""
        response = await self._http.get(f"{self._base}{path}", headers=self._headers)
        if failure := backend_failure(response):
            raise failure
        try:
            body = response.json()
            code = str(body["metaData"]["code"])
        except (KeyError, TypeError, ValueError) as exc:
            if str(response.status_code) in REFUSED:
                raise _refused() from exc
            raise AgencyReplyError(f"BPJS Kesehatan reply is not VClaim JSON: {exc!r}") from exc
        if code in REFUSED or str(response.status_code) in REFUSED:
            raise _refused()
        return code, body.get("response")

    async def fetch_product(self, product: str, key: str) -> dict[str, Any]:
        """The membership of the NIK `key`; `AgencyNotFound` when VClaim has no participant."""
        if product != PRODUCT:
            raise AgencyReplyError(f"BPJS Kesehatan holds {PRODUCT}, not {product}")
        code, payload = await self._get(f"/peserta/nik/{quote(key, safe='')}")
        if code == "201":
            raise AgencyNotFound("BPJS Kesehatan has no participant with this NIK")
        if code != "200":
            raise AgencyReplyError(f"BPJS Kesehatan answered metaData code {code}")
        try:
            return to_record(payload["peserta"])
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyReplyError(f"BPJS Kesehatan participant is not readable: {exc!r}") from exc

    async def health(self) -> None:
        code, payload = await self._get("/status")
        online = isinstance(payload, dict) and payload.get("status") == "ONLINE"
        if code != "200" or not online:
            raise AgencyUnavailable("BPJS Kesehatan reports it is not online")


def _refused() -> AgencyUnavailable:
    """A refused consumer key is the gateway's configuration, not the caller's input."""
    return AgencyUnavailable("BPJS Kesehatan refused the gateway's consumer key")
