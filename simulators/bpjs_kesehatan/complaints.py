"""BPJS Kesehatan's complaint desk (pengaduan), in VClaim's style: a POST body wrapped in
`{"request": {"t_pengaduan": ...}}` like its other inserts, and the outcome in `metaData`."""

import re
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request, Response

from simulators.bpjs_kesehatan.members import reply
from simulators.complaints import ComplaintDesk
from simulators.dates import jakarta_now
from simulators.journal import Reply, WriteJournal, reference

_JSON = "application/json"
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_BAD_REQUEST = reply("400", "Format request tidak sesuai")
_IN_PROGRESS = {"kode": "1", "keterangan": "DALAM PROSES"}
_DONE = {"kode": "2", "keterangan": "SELESAI"}

#: The consumer check of the web service: None when the key is right, else its refusal.
Refusal = Callable[[Request], Awaitable[Response | None]]


def _filled(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


async def _filing(request: Request) -> dict[str, Any] | None:
    try:
        payload = await request.json()
    except ValueError:
        return None
    wrapped = payload.get("request") if isinstance(payload, dict) else None
    filing = wrapped.get("t_pengaduan") if isinstance(wrapped, dict) else None
    return filing if isinstance(filing, dict) else None


def install_complaints(
    app: FastAPI,
    journal: WriteJournal,
    refusal: Refusal,
    clock: Callable[[], float] = time.monotonic,
) -> ComplaintDesk:
    desk = ComplaintDesk(
        "BPJSKES-ADU",
        "Kedeputian Bidang Kepesertaan dan Pelayanan Peserta BPJS Kesehatan",
        lambda: float(app.state.faults.complaint_answer_seconds),
        clock,
        jakarta_now,
    )

    @app.post("/vclaim-rest/pengaduan")
    async def file_complaint(request: Request) -> Response:
        if (refused := await refusal(request)) is not None:
            return refused
        filing = await _filing(request)
        if filing is None:
            return Response(_BAD_REQUEST, 400, media_type=_JSON)
        ref = reference(filing.get("noReferensi"))
        subject, text = _filled(filing.get("perihal")), _filled(filing.get("uraian"))
        if ref is None or subject is None or text is None:
            return Response(_BAD_REQUEST, 400, media_type=_JSON)
        nik = filing.get("nik")

        def handle() -> Reply:
            if not isinstance(nik, str) or _SIXTEEN_DIGITS.fullmatch(nik) is None:
                return Reply(reply("201", "NIK tidak valid"), 200, _JSON)
            filed = desk.file(nik, subject)
            body = {"noTiket": filed.ticket, "tglTerima": _iso(filed.filed_at)}
            return Reply(reply("200", "OK", body), 200, _JSON)

        return journal.once(request, ref, handle)

    @app.get("/vclaim-rest/pengaduan/{ticket}")
    async def complaint_status(ticket: str, request: Request) -> Response:
        if (refused := await refusal(request)) is not None:
            return refused
        filed = desk.find(ticket)
        if filed is None:
            return Response(reply("201", "Data pengaduan tidak ditemukan"), media_type=_JSON)
        pengaduan = {
            "noTiket": filed.ticket,
            "nik": filed.nik,
            "perihal": filed.subject,
            "tglTerima": _iso(filed.filed_at),
            "status": _DONE if filed.answer else _IN_PROGRESS,
            "tanggapan": filed.answer,
            "tglTanggapan": _iso(filed.answered_at),
        }
        return Response(reply("200", "OK", {"pengaduan": pengaduan}), media_type=_JSON)

    return desk
