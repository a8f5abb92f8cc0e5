"""SAMSAT-like vehicle tax service: form-encoded in, XML out, rupiah as formatted strings.

The vehicle part of every reply is rendered once at start-up; only the assessment (which
depends on "today") is computed per request, from :mod:`simulators.vehicle_tax.tax`.
"""

import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from fastapi import FastAPI, Request, Response

from simulators.catalog import Golongan
from simulators.dates import jakarta_now, reference_date
from simulators.faults import FailureStyle, FaultSettings, install_faults
from simulators.vehicle_tax.tax import Assessment, assess, ownership_orders
from simulators.world import Citizen, Vehicle, World, default_world

_PLATE = re.compile(r"([A-Z]{1,2})([0-9]{1,4})([A-Z]{0,3})")
_PLATE_NOISE = re.compile(r"[\s.\-]+")
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
_XML_TYPE = "application/xml"

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
        {"kode", "kodeRespon", "nopol", "nikPemilik", "pkbPokok", "jumlah", "tglJatuhTempo"}
    ),
)


def normalise_plate(raw: str) -> str | None:
    """``b1234xyz``, ``B-1234-XYZ`` or ``B 1234 XYZ`` -> ``B 1234 XYZ``; None if not a plate."""
    match = _PLATE.fullmatch(_PLATE_NOISE.sub("", raw).upper())
    if match is None:
        return None
    return " ".join(part for part in match.groups() if part)


def rupiah(amount: int) -> str:
    return f"Rp {amount:,}".replace(",", ".")


def _decimal_comma(value: Decimal, places: int) -> str:
    return f"{value:.{places}f}".replace(".", ",")


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class Registration:
    """SAMSAT's own record of one vehicle, with its reply fragments pre-rendered."""

    plate: str
    owner_nik: str
    njkb: int
    bobot: Decimal
    golongan: Golongan
    cc: int
    province_code: str
    ownership_order: int
    pkb_due: date
    registered_on: date
    fields: dict[str, Any]
    fields_xml: str

    def assessment(self, today: date) -> Assessment:
        return assess(
            njkb=self.njkb,
            bobot=self.bobot,
            golongan=self.golongan,
            cc=self.cc,
            province_code=self.province_code,
            ownership_order=self.ownership_order,
            due_date=self.pkb_due,
            today=today,
        )


def _owner_address(owner: Citizen) -> str:
    address = owner.address
    village = address.village
    return (
        f"{address.street} RT {address.rt} RW {address.rw}, {village.village_name}, "
        f"{village.district_name}, {village.regency_name}"
    ).upper()


def _registration(vehicle: Vehicle, owner: Citizen, order: int) -> Registration:
    model = vehicle.model
    fields: dict[str, Any] = {
        "nopol": vehicle.plate,
        "merk": model.make,
        "tipe": model.model,
        "jenis": model.jenis,
        "golongan": model.golongan,
        "cc": model.cc,
        "tahunBuat": vehicle.year_built,
        "warna": vehicle.color,
        "nikPemilik": owner.nik,
        "namaPemilik": owner.name,
        "alamatPemilik": _owner_address(owner),
        "tglAkhirPkb": _dmy(vehicle.pkb_due),
        "tglAkhirStnk": _dmy(vehicle.stnk_due),
        "statusBlokir": "YA" if vehicle.blocked else "TIDAK",
    }
    return Registration(
        plate=vehicle.plate,
        owner_nik=owner.nik,
        njkb=model.njkb,
        bobot=model.bobot,
        golongan=model.golongan,
        cc=model.cc,
        province_code=owner.address.village.province_code,
        ownership_order=order,
        pkb_due=vehicle.pkb_due,
        registered_on=vehicle.registered_on,
        fields=fields,
        fields_xml="".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in fields.items()),
    )


def penetapan(assessment: Assessment) -> dict[str, Any]:
    """The assessment in SAMSAT's wire vocabulary (rupiah strings, decimal commas)."""
    return {
        "kepemilikanKe": assessment.ownership_order,
        "njkb": rupiah(assessment.njkb),
        "bobot": _decimal_comma(assessment.bobot, 3),
        "tarifPersen": _decimal_comma(assessment.rate_percent, 2),
        "pkbPokok": rupiah(assessment.pkb),
        "opsenPkb": rupiah(assessment.opsen),
        "pkbDenda": rupiah(assessment.pkb_penalty),
        "swdklljPokok": rupiah(assessment.swdkllj),
        "swdklljDenda": rupiah(assessment.swdkllj_penalty),
        "bulanTerlambat": assessment.months_late,
        "jumlah": rupiah(assessment.total),
        "tglJatuhTempo": _dmy(assessment.due_date),
    }


def _xml_reply(inner: str, status: int = 200) -> Response:
    return Response(
        content=f"{_XML_HEAD}<respon>{inner}</respon>", status_code=status, media_type=_XML_TYPE
    )


_UNKNOWN_PLATE = "<kode>01</kode><pesan>NOPOL TIDAK TERDAFTAR</pesan>"
_BAD_PLATE = "<kode>02</kode><pesan>FORMAT NOPOL SALAH</pesan>"


def create_app(
    world: World | None = None,
    faults: FaultSettings | None = None,
    today: Callable[[], date] = reference_date,
) -> FastAPI:
    """The SAMSAT simulator; ``today`` is the assessment date (``SIM_TODAY`` or Jakarta today)."""
    source = world or default_world()
    orders = ownership_orders(source.vehicles.values())
    by_plate = {
        plate: _registration(vehicle, source.citizens[vehicle.owner_nik], orders[plate])
        for plate, vehicle in source.vehicles.items()
    }
    by_owner: defaultdict[str, list[Registration]] = defaultdict(list)
    for registration in sorted(by_plate.values(), key=lambda r: (r.registered_on, r.plate)):
        by_owner[registration.owner_nik].append(registration)

    app = FastAPI(title="SAMSAT Online", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/samsat/infopkb")
    async def info_pkb(request: Request) -> Response:
        raw = (await request.form()).get("nopol")
        plate = normalise_plate(raw) if isinstance(raw, str) else None
        if plate is None:
            return _xml_reply(_BAD_PLATE, 400)
        registration = by_plate.get(plate)
        if registration is None:
            return _xml_reply(_UNKNOWN_PLATE)
        assessed = "".join(
            f"<{k}>{escape(str(v))}</{k}>"
            for k, v in penetapan(registration.assessment(today())).items()
        )
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
            {**r.fields, "penetapan": penetapan(r.assessment(day))} for r in by_owner.get(nik, [])
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


app = create_app()
