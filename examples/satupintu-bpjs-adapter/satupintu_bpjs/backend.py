"""A sandbox of the agency's own backend, so the adapter can be checked without the real one.

It speaks BPJS Kesehatan's VClaim style on purpose: a `metaData` envelope whose `code` is a
string and carries the outcome inside HTTP 200, camelCase Indonesian names, coded statuses.
The adapter's job is to translate exactly this, so the sandbox must not be friendlier than the
real service. Run it with `uvicorn satupintu_bpjs.backend:app --port 8109`.
"""

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

_STATUS = {
    "0": "AKTIF",
    "1": "MENINGGAL",
    "2": "KELUAR KEMAUAN SENDIRI",
    "7": "NON AKTIF KARENA PREMI",
}
_CLASS = {"1": "KELAS I", "2": "KELAS II", "3": "KELAS III"}


def _member(
    card: str, nik: str, name: str, status: str, care_class: str, kind: str, until: str
) -> dict[str, Any]:
    return {
        "noKartu": card,
        "nik": nik,
        "nama": name,
        "statusPeserta": {"kode": status, "keterangan": _STATUS[status]},
        "hakKelas": {"kode": care_class, "keterangan": _CLASS[care_class]},
        "jenisPeserta": {"keterangan": kind},
        "tglTAT": until,
    }


# The first two are citizens of the gateway's demo world; the unknown NIK 3171074508900999 is
# deliberately absent.
MEMBERS: dict[str, dict[str, Any]] = {
    member["nik"]: member
    for member in (
        _member(
            "0001234567890",
            "3374091203840001",
            "LANJAR HAKIM",
            "0",
            "3",
            "PBI (APBN)",
            "2027-12-31",
        ),
        _member(
            "0001234567906",
            "3374096507870001",
            "ISTRI LANJAR HAKIM",
            "0",
            "3",
            "PBI (APBN)",
            "2027-12-31",
        ),
        _member(
            "0002198765432",
            "3174101704820001",
            "RAHMAT SETIAWAN",
            "7",
            "1",
            "PEKERJA PENERIMA UPAH",
            "2026-06-30",
        ),
        _member(
            "0003312345678",
            "3578051402480001",
            "RIDWAN WALUYO",
            "1",
            "2",
            "BUKAN PEKERJA",
            "2025-03-14",
        ),
    )
}


def _reply(code: str, message: str, response: dict[str, Any] | None) -> JSONResponse:
    return JSONResponse({"metaData": {"code": code, "message": message}, "response": response})


async def member_by_nik(request: Request) -> JSONResponse:
    member = MEMBERS.get(request.path_params["nik"])
    if member is None:
        return _reply("201", "Peserta tidak ditemukan", None)
    return _reply("200", "OK", {"peserta": member})


async def status(request: Request) -> JSONResponse:
    return _reply("200", "OK", {"status": "ONLINE"})


app = Starlette(
    routes=[
        Route("/vclaim-rest/peserta/nik/{nik}", member_by_nik),
        Route("/vclaim-rest/status", status),
    ]
)
