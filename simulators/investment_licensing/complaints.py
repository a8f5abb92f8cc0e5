"""OSS's complaint desk (pengaduan): snake_case JSON, the `responCode` envelope, epoch
milliseconds, idempotent by `referensi`."""

import json
import re
import time
from collections.abc import Callable

from fastapi import FastAPI, Request, Response

from simulators.complaints import ComplaintDesk
from simulators.dates import jakarta_now
from simulators.investment_licensing.records import millis
from simulators.investment_licensing.writes import refusal
from simulators.journal import Reply, WriteJournal, json_reply, reference

_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")


def _filled(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def install_complaints(
    app: FastAPI, journal: WriteJournal, clock: Callable[[], float] = time.monotonic
) -> ComplaintDesk:
    desk = ComplaintDesk(
        "ADU-OSS",
        "Kementerian Investasi dan Hilirisasi/BKPM",
        lambda: float(app.state.faults.complaint_answer_seconds),
        clock,
        jakarta_now,
    )

    @app.post("/oss/v2/pengaduan")
    async def file_complaint(request: Request) -> Response:
        try:
            payload = json.loads(await request.body())
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return refusal(400, "body harus JSON").response()
        ref = reference(payload.get("referensi"))
        if ref is None:
            return refusal(400, "referensi wajib diisi").response()
        nik = payload.get("nik_pelapor")
        subject, text = _filled(payload.get("judul")), _filled(payload.get("isi"))

        def handle() -> Reply:
            if not isinstance(nik, str) or _SIXTEEN_DIGITS.fullmatch(nik) is None:
                return refusal(400, "nik_pelapor harus 16 digit")
            if subject is None or text is None:
                return refusal(400, "judul dan isi wajib diisi")
            filed = desk.file(nik, subject)
            data = {
                "id_pengaduan": filed.ticket,
                "status": "DITERIMA",
                "tgl_terima": millis(filed.filed_at),
            }
            return json_reply(
                {"responCode": 201, "responMessage": "Pengaduan diterima", "data": data}, 201
            )

        return journal.once(request, ref, handle)

    @app.get("/oss/v2/pengaduan/{ticket}")
    async def complaint_status(ticket: str) -> Response:
        filed = desk.find(ticket)
        if filed is None:
            return refusal(404, "Pengaduan tidak ditemukan").response()
        data = {
            "id_pengaduan": filed.ticket,
            "status": "SELESAI" if filed.answer else "DITERIMA",
            "tanggapan": filed.answer,
            "tgl_tanggapan": millis(filed.answered_at),
        }
        return json_reply({"responCode": 200, "responMessage": "Sukses", "data": data}).response()

    return desk
