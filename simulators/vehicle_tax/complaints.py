"""SAMSAT's complaint desk (pengaduan): form-encoded in, XML out, outcome codes in `<kode>`,
timestamps `DD/MM/YYYY HH:MM`, like its counter transactions."""

import re
import time
from collections.abc import Callable
from xml.sax.saxutils import escape

from fastapi import FastAPI, Request, Response

from simulators.complaints import ComplaintDesk
from simulators.dates import jakarta_now
from simulators.journal import Reply, WriteJournal, reference
from simulators.vehicle_tax.records import XML_TYPE, xml_document

_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_TIMESTAMP = "%d/%m/%Y %H:%M"
_INCOMPLETE = "<kode>99</kode><pesan>PARAMETER TIDAK LENGKAP</pesan>"


def _xml(inner: str, status: int = 200) -> Response:
    return Response(xml_document(inner), status, media_type=XML_TYPE)


def install_complaints(
    app: FastAPI, journal: WriteJournal, clock: Callable[[], float] = time.monotonic
) -> ComplaintDesk:
    desk = ComplaintDesk(
        "SAMSAT-ADU",
        "Badan Pendapatan Daerah (SAMSAT)",
        lambda: float(app.state.faults.complaint_answer_seconds),
        clock,
        jakarta_now,
    )

    @app.post("/samsat/pengaduan")
    async def file_complaint(request: Request) -> Response:
        form = await request.form()
        ref = reference(form.get("ref"))
        nik, subject, text = (form.get(name) for name in ("nik", "judul", "isi"))
        if ref is None or not all(isinstance(v, str) and v.strip() for v in (subject, text)):
            return _xml(_INCOMPLETE, 400)

        def handle() -> Reply:
            if not isinstance(nik, str) or _SIXTEEN_DIGITS.fullmatch(nik) is None:
                return Reply(
                    xml_document("<kode>10</kode><pesan>FORMAT NIK SALAH</pesan>"), 200, XML_TYPE
                )
            filed = desk.file(nik, str(subject).strip())
            inner = (
                "<kode>00</kode><pesan>PENGADUAN DITERIMA</pesan>"
                f"<noTiket>{filed.ticket}</noTiket>"
                f"<tglTerima>{filed.filed_at.strftime(_TIMESTAMP)}</tglTerima>"
            )
            return Reply(xml_document(inner), 200, XML_TYPE)

        return journal.once(request, ref, handle)

    @app.post("/samsat/pengaduan/status")
    async def complaint_status(request: Request) -> Response:
        ticket = (await request.form()).get("noTiket")
        if not isinstance(ticket, str) or not ticket.strip():
            return _xml(_INCOMPLETE, 400)
        filed = desk.find(ticket.strip())
        if filed is None:
            return _xml("<kode>11</kode><pesan>TIKET TIDAK DITEMUKAN</pesan>")
        answered = filed.answered_at.strftime(_TIMESTAMP) if filed.answered_at else ""
        return _xml(
            "<kode>00</kode><pesan>DATA DITEMUKAN</pesan>"
            f"<noTiket>{filed.ticket}</noTiket>"
            f"<status>{'SELESAI' if filed.answer else 'DIPROSES'}</status>"
            f"<tanggapan>{escape(filed.answer or '')}</tanggapan>"
            f"<tglTanggapan>{answered}</tglTanggapan>"
        )

    return desk
