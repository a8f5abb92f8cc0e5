"""Dukcapil's complaint desk (pengaduan): the same upper-case JSON, account fields and
RESPONSE_CODE inside HTTP 200 as the rest of its web service."""

import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response

from simulators.civil_registry.registry import encode, outcome
from simulators.complaints import ComplaintDesk
from simulators.dates import jakarta_now
from simulators.journal import Reply, WriteJournal, reference

_JSON = "application/json"
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_TIMESTAMP = "%d-%m-%Y %H:%M:%S"
_BAD_REQUEST = outcome("99", "FORMAT REQUEST SALAH")
_BAD_NIK = outcome("12", "FORMAT NIK SALAH")
_UNKNOWN_TICKET = outcome("11", "TIKET TIDAK DITEMUKAN")

Accepted = Callable[[Request], Awaitable[dict[str, Any] | Response]]


def _filled(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def install_complaints(
    app: FastAPI,
    journal: WriteJournal,
    accepted: Accepted,
    clock: Callable[[], float] = time.monotonic,
) -> ComplaintDesk:
    """`accepted` is the web service's own body-and-account check."""
    desk = ComplaintDesk(
        "DKC-ADU",
        "Dinas Kependudukan dan Pencatatan Sipil",
        lambda: float(app.state.faults.complaint_answer_seconds),
        clock,
        jakarta_now,
    )

    @app.post("/api/v1/PENGADUAN")
    async def file_complaint(request: Request) -> Response:
        payload = await accepted(request)
        if isinstance(payload, Response):
            return payload
        ref = reference(payload.get("REF"))
        subject, text = _filled(payload.get("JUDUL")), _filled(payload.get("ISI"))
        if ref is None or subject is None or text is None:
            return Response(_BAD_REQUEST, 400, media_type=_JSON)
        nik = payload.get("NIK")

        def handle() -> Reply:
            if not isinstance(nik, str) or _SIXTEEN_DIGITS.fullmatch(nik) is None:
                return Reply(_BAD_NIK, 200, _JSON)
            filed = desk.file(nik, subject)
            body = {
                "RESPONSE_CODE": "00",
                "RESPONSE_DESC": "PENGADUAN DITERIMA",
                "NO_TIKET": filed.ticket,
                "TGL_TERIMA": filed.filed_at.strftime(_TIMESTAMP),
            }
            return Reply(encode(body), 200, _JSON)

        return journal.once(request, ref, handle)

    @app.post("/api/v1/STATUS_PENGADUAN")
    async def complaint_status(request: Request) -> Response:
        payload = await accepted(request)
        if isinstance(payload, Response):
            return payload
        ticket = _filled(payload.get("NO_TIKET"))
        if ticket is None:
            return Response(_BAD_REQUEST, 400, media_type=_JSON)
        filed = desk.find(ticket)
        if filed is None:
            return Response(_UNKNOWN_TICKET, media_type=_JSON)
        row = {
            "NO_TIKET": filed.ticket,
            "STATUS_PENGADUAN": "SELESAI" if filed.answer else "DALAM PROSES",
            "TANGGAPAN": filed.answer,
            "TGL_TANGGAPAN": filed.answered_at.strftime(_TIMESTAMP) if filed.answered_at else None,
        }
        body = {"RESPONSE_CODE": "00", "RESPONSE_DESC": "SUKSES", "content": [row]}
        return Response(encode(body), media_type=_JSON)

    return desk
