"""OSS's write endpoints: applications for a new business and owner address changes.

Every write is idempotent by the caller's ``referensi`` through the app's
:class:`~simulators.journal.WriteJournal`; a body that is not JSON or carries no reference
is refused before it reaches the journal, as a gateway bug rather than a write.
"""

import json
import re
from typing import Any

from fastapi import FastAPI, Request, Response

from simulators.catalog import KBLI_BY_CODE
from simulators.investment_licensing.applications import LicensingOffice, Submission
from simulators.investment_licensing.records import Directory
from simulators.journal import Reply, WriteJournal, json_reply, reference
from simulators.regions import village_by_code
from simulators.world import Address

_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")


def refusal(status: int, message: str) -> Reply:
    return json_reply({"responCode": status, "responMessage": message}, status)


def _text(value: object) -> str | None:
    return value.strip().upper() if isinstance(value, str) and value.strip() else None


def _nik(value: object) -> str | None:
    return value if isinstance(value, str) and _SIXTEEN_DIGITS.fullmatch(value) else None


def _address(street: object, village_code: object) -> Address | Reply:
    text = _text(street)
    if text is None:
        return refusal(400, "alamat wajib diisi")
    village = village_by_code(str(village_code))
    if village is None:
        return refusal(400, "kd_kel tidak dikenal")
    return Address(street=text, rt="", rw="", village=village)


def _submission(payload: dict[str, Any]) -> Submission | Reply:
    owner_nik = _nik(payload.get("nik_pemilik"))
    if owner_nik is None:
        return refusal(400, "nik_pemilik harus 16 digit")
    name = _text(payload.get("nama_usaha"))
    if name is None:
        return refusal(400, "nama_usaha wajib diisi")
    if payload.get("jenis_pelaku_usaha", "UMK_PERORANGAN") != "UMK_PERORANGAN":
        return refusal(400, "jenis_pelaku_usaha harus UMK_PERORANGAN")
    location = payload.get("alamat_usaha")
    if not isinstance(location, dict):
        return refusal(400, "alamat_usaha wajib diisi")
    address = _address(location.get("alamat"), location.get("kd_kel"))
    if isinstance(address, Reply):
        return address
    codes = payload.get("kbli")
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        return refusal(400, "kbli wajib diisi")
    unknown = next((code for code in codes if code not in KBLI_BY_CODE), None)
    if unknown is not None:
        return refusal(422, f"KBLI {unknown} tidak dikenal")
    kblis = tuple(KBLI_BY_CODE[code] for code in dict.fromkeys(codes))
    return Submission(owner_nik=owner_nik, name=name, address=address, kblis=kblis)


async def _json_body(request: Request) -> dict[str, Any] | None:
    try:
        payload = json.loads(await request.body())
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


async def _accepted(request: Request) -> tuple[dict[str, Any], str] | Response:
    """The body and its reference, or the refusal of a request that is not a write at all."""
    payload = await _json_body(request)
    if payload is None:
        return refusal(400, "format permintaan tidak valid").response()
    ref = reference(payload.get("referensi"))
    if ref is None:
        return refusal(400, "referensi wajib diisi").response()
    return payload, ref


def install_writes(
    app: FastAPI, office: LicensingOffice, directory: Directory, journal: WriteJournal
) -> None:
    @app.post("/oss/v2/permohonan")
    async def apply(request: Request) -> Response:
        accepted = await _accepted(request)
        if isinstance(accepted, Response):
            return accepted
        payload, ref = accepted

        def handle() -> Reply:
            submission = _submission(payload)
            if isinstance(submission, Reply):
                return submission
            receipt = office.submit(submission).receipt()
            return json_reply(
                {"responCode": 201, "responMessage": "Permohonan diterima", "data": receipt}, 201
            )

        return journal.once(request, ref, handle)

    @app.put("/oss/v2/pelaku-usaha/alamat")
    async def move_owner(request: Request) -> Response:
        accepted = await _accepted(request)
        if isinstance(accepted, Response):
            return accepted
        payload, ref = accepted

        def handle() -> Reply:
            owner_nik = _nik(payload.get("nik_pemilik"))
            if owner_nik is None:
                return refusal(400, "nik_pemilik harus 16 digit")
            address = _address(payload.get("alamat"), payload.get("kd_kel"))
            if isinstance(address, Reply):
                return address
            office.settle()
            moved = directory.move_owner(owner_nik, address)
            return json_reply(
                {"responCode": 200, "responMessage": "Sukses", "data": {"jumlah_usaha": moved}}
            )

        return journal.once(request, ref, handle)
