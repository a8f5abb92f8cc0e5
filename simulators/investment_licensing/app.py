"""OSS-like licensing API: snake_case keys, epoch-millisecond timestamps, risk codes, paged lists.

Business records are pre-serialised (:mod:`.records`), so a page is a join of ready-made
bytes; applications and their lazy verification live in :mod:`.applications`, the write
endpoints in :mod:`.writes`.
"""

import json
import math
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request, Response
from pydantic import AwareDatetime, BaseModel

from simulators.catalog import KBLI_TABLE
from simulators.dates import jakarta_now
from simulators.faults import CONTROL_PREFIX, FailureStyle, FaultSettings, install_faults
from simulators.investment_licensing.applications import LicensingOffice
from simulators.investment_licensing.complaints import install_complaints
from simulators.investment_licensing.records import Directory
from simulators.investment_licensing.writes import install_writes, refusal
from simulators.journal import install_journal, json_reply
from simulators.world import World, default_world

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
    key_fields=frozenset({"responCode", "nib", "nik_pemilik", "kbli", "items", "id_permohonan"}),
)


def _bad_request(message: str) -> Response:
    return refusal(400, message).response()


def _positive_int(raw: str | None, default: int) -> int | None:
    if raw is None:
        return default
    if _PAGE_NUMBER.fullmatch(raw) is None or int(raw) < 1:
        return None
    return int(raw)


class CalendarSetting(BaseModel):
    """Body of ``PUT /_control/calendar``: the moment OSS's calendar stands at."""

    now: AwareDatetime


class Calendar:
    """The calendar the working-day deadlines run on: the real one, or a moment a test or a
    demo sets through ``/_control/calendar`` to see a deadline pass (and the permit deemed
    approved) without waiting weeks for it. A set moment stands still until it is cleared."""

    def __init__(self, real: Callable[[], datetime]) -> None:
        self._real = real
        self._set: datetime | None = None

    def now(self) -> datetime:
        return self._real() if self._set is None else self._set

    def set(self, moment: datetime | None) -> None:
        self._set = moment


def create_app(
    world: World | None = None,
    faults: FaultSettings | None = None,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = jakarta_now,
) -> FastAPI:
    """The OSS simulator; ``clock`` (seconds, monotonic) paces the authority's verifications,
    ``now`` (Asia/Jakarta) is the calendar their working-day deadlines run on."""
    source = world or default_world()
    directory = Directory(source.businesses.values())
    app = FastAPI(title="OSS RBA API", docs_url=None, redoc_url=None, openapi_url=None)
    settings = install_faults(app, _STYLE, faults)
    calendar = Calendar(now)
    office = LicensingOffice(directory, settings, clock, calendar.now)
    journal = install_journal(app)
    install_writes(app, office, directory, journal)
    install_complaints(app, journal, clock)

    @app.put(f"{CONTROL_PREFIX}/calendar", status_code=204)
    async def set_calendar(setting: CalendarSetting) -> Response:
        calendar.set(setting.now)
        return Response(status_code=204)

    @app.delete(f"{CONTROL_PREFIX}/calendar", status_code=204)
    async def clear_calendar() -> Response:
        calendar.set(None)
        return Response(status_code=204)

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
        office.settle()
        owned = directory.of_owner(nik)
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
        office.settle()
        record = directory.records.get(nib)
        if record is None:
            return refusal(404, "NIB tidak ditemukan").response()
        body = b'{"responCode": 200, "responMessage": "Sukses", "data": ' + record + b"}"
        return Response(body, media_type="application/json")

    @app.get("/oss/v2/permohonan/{number}")
    async def application_status(number: str) -> Response:
        application = office.find(number)
        if application is None:
            return refusal(404, "Permohonan tidak ditemukan").response()
        return json_reply(
            {"responCode": 200, "responMessage": "Sukses", "data": application.view()}
        ).response()

    kbli_reference = json.dumps(
        {
            "responCode": 200,
            "responMessage": "Sukses",
            "data": [
                {"kode_kbli": k.code, "judul_kbli": k.title, "kd_resiko": k.risk}
                for k in KBLI_TABLE
            ],
        }
    ).encode()

    @app.get("/oss/v2/referensi/kbli")
    async def kbli_list() -> Response:
        """Reference data: changes with regulations, rarely; gateways are expected to cache it."""
        return Response(kbli_reference, media_type="application/json")

    @app.get("/oss/v2/health")
    async def health() -> dict[str, Any]:
        return {"responCode": 200, "responMessage": "OK", "data": {"versi": VERSION}}

    return app


app = create_app()
