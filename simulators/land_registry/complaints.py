"""A land office's complaint desk (pengaduan), XML in and XML out like the rest of its API.

A complaint is filed as `<pengaduan>` with `nik`, `perihal`, `uraian`, `noReferensi` and,
optionally, `layanan` and `diteruskanDari`; times are ISO 8601 with the Jakarta offset.
"""

import re
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from fastapi import FastAPI, Request, Response

from simulators.complaints import ComplaintDesk
from simulators.dates import jakarta_now
from simulators.journal import Reply, WriteJournal, reference
from simulators.land_registry.parcels import XML_TYPE, xml_document

_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_INCOMPLETE = "<kode>99</kode><pesan>PARAMETER TIDAK LENGKAP</pesan>"

#: The office's token check: None when the bearer token is right, else its refusal.
Refusal = Callable[[Request], Awaitable[Response | None]]


def _xml(inner: str, status: int = 200) -> Response:
    return Response(xml_document(inner), status, media_type=XML_TYPE)


def _field(root: Element, tag: str) -> str | None:
    text = root.findtext(tag)
    return text.strip() if text and text.strip() else None


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat(timespec="seconds")


async def _filing(request: Request) -> Element | None:
    try:
        root = fromstring(await request.body())
    except (ParseError, DefusedXmlException):
        return None
    return root if root.tag == "pengaduan" else None


def install_complaints(
    app: FastAPI,
    journal: WriteJournal,
    refusal: Refusal,
    office_name: str,
    ticket_prefix: str,
    clock: Callable[[], float] = time.monotonic,
) -> ComplaintDesk:
    desk = ComplaintDesk(
        ticket_prefix,
        office_name,
        lambda: float(app.state.faults.complaint_answer_seconds),
        clock,
        jakarta_now,
    )

    @app.post("/api/pengaduan")
    async def file_complaint(request: Request) -> Response:
        if (refused := await refusal(request)) is not None:
            return refused
        filing = await _filing(request)
        if filing is None:
            return _xml(_INCOMPLETE, 400)
        ref = reference(_field(filing, "noReferensi"))
        subject, text = _field(filing, "perihal"), _field(filing, "uraian")
        if ref is None or subject is None or text is None:
            return _xml(_INCOMPLETE, 400)
        nik = _field(filing, "nik")

        def handle() -> Reply:
            if nik is None or _SIXTEEN_DIGITS.fullmatch(nik) is None:
                body = xml_document("<kode>10</kode><pesan>FORMAT NIK TIDAK VALID</pesan>")
                return Reply(body, 200, XML_TYPE)
            filed = desk.file(nik, subject)
            inner = (
                "<kode>00</kode><pesan>PENGADUAN DITERIMA</pesan>"
                f"<noTiket>{filed.ticket}</noTiket>"
                f"<tanggalTerima>{_iso(filed.filed_at)}</tanggalTerima>"
            )
            return Reply(xml_document(inner), 200, XML_TYPE)

        return journal.once(request, ref, handle)

    @app.get("/api/pengaduan/{ticket}")
    async def complaint_status(ticket: str, request: Request) -> Response:
        if (refused := await refusal(request)) is not None:
            return refused
        filed = desk.find(ticket)
        if filed is None:
            return _xml("<kode>01</kode><pesan>PENGADUAN TIDAK DITEMUKAN</pesan>")
        return _xml(
            "<kode>00</kode><pesan>DATA DITEMUKAN</pesan><pengaduan>"
            f"<noTiket>{filed.ticket}</noTiket>"
            f"<status>{'SELESAI' if filed.answer else 'DIPROSES'}</status>"
            f"<tanggapan>{escape(filed.answer or '')}</tanggapan>"
            f"<tanggalTanggapan>{_iso(filed.answered_at)}</tanggalTanggapan>"
            "</pengaduan>"
        )

    return desk
