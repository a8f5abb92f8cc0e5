"""OSS-like licensing API: snake_case keys, epoch-millisecond timestamps, risk codes, paged lists.

Each business record is serialised once at start-up; a page is a join of ready-made bytes.
"""

import json
import math
import re
from collections import defaultdict
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request, Response

from simulators.faults import FailureStyle, FaultSettings, install_faults
from simulators.world import Activity, Business, Permit, World, default_world

MAX_PER_PAGE = 50
DEFAULT_PER_PAGE = 20
VERSION = "2.4.1"
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_THIRTEEN_DIGITS = re.compile(r"[0-9]{13}")
_PAGE_NUMBER = re.compile(r"[0-9]{1,6}")

_STYLE = FailureStyle(
    error_body=(
        b'{"timestamp":"2026-11-23T10:05:00.000+00:00","status":500,'
        b'"error":"Internal Server Error","path":"/oss/v2"}'
    ),
    error_content_type="application/json",
    maintenance_html=(
        b"<!DOCTYPE html><html><head><title>OSS - Maintenance</title></head><body>"
        b"<h1>Sistem OSS sedang dalam pemeliharaan</h1><p>Layanan akan kembali normal secepatnya."
        b"</p></body></html>"
    ),
    key_fields=frozenset({"responCode", "nib", "nik_pemilik", "kbli", "items"}),
)


def _millis(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def _permit(permit: Permit) -> dict[str, Any]:
    return {
        "jenis_izin": permit.kind,
        "nomor": permit.number,
        "status": permit.status,
        "tgl_terbit": _millis(permit.issued_at),
        "keterangan": permit.note,
    }


def _activity(activity: Activity) -> dict[str, Any]:
    return {
        "kode_kbli": activity.kbli.code,
        "judul_kbli": activity.kbli.title,
        "kd_resiko": activity.kbli.risk,
        "perizinan": [_permit(p) for p in activity.permits],
    }


def usaha(business: Business) -> dict[str, Any]:
    """One business in OSS's USAHA shape."""
    village = business.address.village
    return {
        "nib": business.nib,
        "nama_usaha": business.name,
        "jenis_pelaku_usaha": business.owner_kind,
        "nik_pemilik": business.owner_nik,
        "npwp": business.npwp,
        "skala_usaha": business.scale,
        "alamat_usaha": {
            "alamat": business.address.street,
            "kd_prop": village.province_code,
            "kd_kab": village.regency_code,
            "kd_kec": village.district_code,
            "kd_kel": village.village_code,
        },
        "tgl_terbit_nib": _millis(business.issued_at),
        "kbli": [_activity(a) for a in business.activities],
    }


def _reply(payload: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(payload), status, media_type="application/json")


def _bad_request(message: str) -> Response:
    return _reply({"responCode": 400, "responMessage": message}, 400)


def _positive_int(raw: str | None, default: int) -> int | None:
    if raw is None:
        return default
    if _PAGE_NUMBER.fullmatch(raw) is None or int(raw) < 1:
        return None
    return int(raw)


def create_app(world: World | None = None, faults: FaultSettings | None = None) -> FastAPI:
    """The OSS simulator over the given (default: this process's) demo world."""
    source = world or default_world()
    ordered = sorted(source.businesses.values(), key=lambda b: (b.issued_at, b.nib))
    records = {b.nib: json.dumps(usaha(b)).encode() for b in ordered}
    by_owner: defaultdict[str, list[bytes]] = defaultdict(list)
    for business in ordered:
        by_owner[business.owner_nik].append(records[business.nib])

    app = FastAPI(title="OSS RBA API", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/oss/v2/pelaku-usaha")
    async def businesses_of(request: Request) -> Response:
        query = request.query_params
        nik = query.get("nik_pemilik", "")
        if _SIXTEEN_DIGITS.fullmatch(nik) is None:
            return _bad_request("nik_pemilik harus 16 digit")
        page = _positive_int(query.get("page"), 1)
        if page is None:
            return _bad_request("page minimal 1")
        per_page = _positive_int(query.get("per_page"), DEFAULT_PER_PAGE)
        if per_page is None:
            return _bad_request("per_page minimal 1")
        if per_page > MAX_PER_PAGE:
            return _bad_request(f"per_page maksimal {MAX_PER_PAGE}")
        owned = by_owner.get(nik, [])
        items = owned[(page - 1) * per_page : page * per_page]
        meta = json.dumps(
            {
                "page": page,
                "per_page": per_page,
                "total": len(owned),
                "total_page": math.ceil(len(owned) / per_page),
            }
        )
        body = (
            b'{"responCode": 200, "responMessage": "Sukses", "data": {"items": ['
            + b", ".join(items)
            + b"], "
            + meta[1:].encode()
            + b"}"
        )
        return Response(body, media_type="application/json")

    @app.get("/oss/v2/nib/{nib}")
    async def by_nib(nib: str) -> Response:
        if _THIRTEEN_DIGITS.fullmatch(nib) is None:
            return _bad_request("NIB harus 13 digit")
        record = records.get(nib)
        if record is None:
            return _reply({"responCode": 404, "responMessage": "NIB tidak ditemukan"}, 404)
        body = b'{"responCode": 200, "responMessage": "Sukses", "data": ' + record + b"}"
        return Response(body, media_type="application/json")

    @app.get("/oss/v2/health")
    async def health() -> dict[str, Any]:
        return {"responCode": 200, "responMessage": "OK", "data": {"versi": VERSION}}

    install_faults(app, _STYLE, faults)
    return app


app = create_app()
