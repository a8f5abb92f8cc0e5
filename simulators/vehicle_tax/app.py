"""SAMSAT-like vehicle tax service: form-encoded in, XML out, rupiah as formatted strings.

The vehicle part of every reply is rendered once per record version (:mod:`.records`); only the
assessment, which depends on "today", is computed per request from :mod:`.tax`. The writes
(assessment with payment code, payment, void, owner address) live in :mod:`.writes`.
"""

import json
import os
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from fastapi import FastAPI, Request, Response

from simulators.dates import jakarta_now, reference_date
from simulators.faults import FailureStyle, FaultSettings, install_faults
from simulators.journal import install_journal
from simulators.vehicle_tax.complaints import install_complaints
from simulators.vehicle_tax.payments import Cashier
from simulators.vehicle_tax.records import (
    XML_TYPE,
    Fleet,
    normalise_plate,
    penetapan,
    penetapan_xml,
    xml_document,
)
from simulators.vehicle_tax.writes import BAD_PLATE, UNKNOWN_PLATE, install_writes
from simulators.world import World, default_world

_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")

_STYLE = FailureStyle(
    error_body=(
        b"<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n"
        b"<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n"
        b"</body>\r\n</html>\r\n"
    ),
    error_content_type="text/html",
    maintenance_html=(
        b"<html><head><title>SAMSAT Online</title></head><body><h1>SAMSAT ONLINE</h1>"
        b"<p>Mohon maaf, sistem sedang dalam perbaikan. Silakan kembali beberapa saat lagi."
        b"</p></body></html>"
    ),
    key_fields=frozenset(
        {
            "kode",
            "kodeRespon",
            "nopol",
            "nikPemilik",
            "pkbPokok",
            "jumlah",
            "tglJatuhTempo",
            "kodeBayar",
            "noNotice",
        }
    ),
)


def _xml_reply(inner: str, status: int = 200) -> Response:
    return Response(content=xml_document(inner), status_code=status, media_type=XML_TYPE)


def provinces_from_env(default: str = "") -> frozenset[str] | None:
    """``SIM_PROVINCES`` (comma-separated Kemendagri province codes); None when empty: all."""
    raw = os.environ.get("SIM_PROVINCES", default)
    codes = frozenset(code.strip() for code in raw.split(",") if code.strip())
    for code in codes:
        if re.fullmatch(r"[0-9]{2}", code) is None:
            raise ValueError(f"SIM_PROVINCES: {code!r} is not a 2-digit province code")
    return codes or None


def create_app(
    world: World | None = None,
    faults: FaultSettings | None = None,
    today: Callable[[], date] = reference_date,
    provinces: frozenset[str] | None = None,
) -> FastAPI:
    """One SAMSAT office; ``today`` is the assessment date (``SIM_TODAY`` or Jakarta today).

    ``provinces`` makes it a provincial Bapenda that holds only the vehicles registered in
    those provinces, as each province runs its own register; None is a national view of all.
    """
    fleet = Fleet(world or default_world(), provinces)

    def now() -> datetime:
        return datetime.combine(today(), jakarta_now().timetz())

    app = FastAPI(title="SAMSAT Online", docs_url=None, redoc_url=None, openapi_url=None)
    journal = install_journal(app)
    install_writes(app, Cashier(fleet, now), fleet, journal)
    install_complaints(app, journal)

    @app.post("/samsat/infopkb")
    async def info_pkb(request: Request) -> Response:
        raw = (await request.form()).get("nopol")
        plate = normalise_plate(raw) if isinstance(raw, str) else None
        if plate is None:
            return _xml_reply(BAD_PLATE, 400)
        registration = fleet.by_plate.get(plate)
        if registration is None:
            return _xml_reply(UNKNOWN_PLATE)
        assessed = penetapan_xml(registration.assessment(today()))
        return _xml_reply(
            "<kode>00</kode><pesan>DATA DITEMUKAN</pesan>"
            f"<kendaraan>{registration.fields_xml}</kendaraan><penetapan>{assessed}</penetapan>"
        )

    @app.get("/samsat/api/kendaraan")
    async def vehicles_of(nik: str = "") -> Response:
        if _SIXTEEN_DIGITS.fullmatch(nik) is None:
            body: dict[str, Any] = {
                "status": "GAGAL",
                "kodeRespon": 2,
                "pesan": "FORMAT NIK SALAH",
                "jumlahData": 0,
                "dataKendaraan": [],
            }
            return Response(json.dumps(body), 400, media_type="application/json")
        day = today()
        items = [
            {**r.fields, "penetapan": penetapan(r.assessment(day))} for r in fleet.of_owner(nik)
        ]
        body = {
            "status": "SUKSES",
            "kodeRespon": 0,
            "jumlahData": len(items),
            "dataKendaraan": items,
        }
        return Response(json.dumps(body), media_type="application/json")

    @app.get("/samsat/status")
    async def status() -> dict[str, str]:
        return {"status": "ONLINE", "waktuServer": jakarta_now().strftime("%d/%m/%Y %H:%M:%S")}

    install_faults(app, _STYLE, faults)
    return app


app = create_app(provinces=provinces_from_env())
