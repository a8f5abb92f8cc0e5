"""Dukcapil-like web service: upper-case fields, DD-MM-YYYY dates, the outcome in RESPONSE_CODE.

HTTP status stays 200 for "not found" and bad NIKs, as the real service does; only a wrong
account gets 401 and an unreadable request 400. Reads are served from the ready-made bodies of
:mod:`simulators.civil_registry.registry`.
"""

import hmac
import json
import os
import re
from typing import Any

from fastapi import FastAPI, Request, Response

from simulators.civil_registry.complaints import install_complaints
from simulators.civil_registry.registry import NOT_FOUND, Registry, encode, outcome
from simulators.dates import jakarta_now
from simulators.faults import FailureStyle, FaultSettings, install_faults
from simulators.journal import Reply, install_journal, reference
from simulators.world import World, default_world

DEFAULT_USER_ID = "satupintu"
DEFAULT_PASSWORD = "satupintu-demo"
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_RT_RW = re.compile(r"[0-9]{1,3}")
_JSON = "application/json"

_STYLE = FailureStyle(
    error_body=(
        b'<!doctype html><html lang="en"><head><title>HTTP Status 500 - Internal Server Error'
        b"</title></head><body><h1>HTTP Status 500 - Internal Server Error</h1><hr/>"
        b"<p><b>Type</b> Exception Report</p><p><b>Message</b> Request processing failed; nested "
        b"exception is java.sql.SQLRecoverableException: IO Error: Connection reset</p><hr/>"
        b"<h3>Apache Tomcat/8.5.57</h3></body></html>"
    ),
    error_content_type="text/html;charset=utf-8",
    maintenance_html=(
        b"<html><head><title>Pemeliharaan Sistem</title></head><body><h2>Layanan Web Service "
        b"Dukcapil sedang dalam pemeliharaan</h2><p>Silakan coba beberapa saat lagi.</p>"
        b"</body></html>"
    ),
    key_fields=frozenset(
        {"RESPONSE_CODE", "NIK", "NO_KK", "NAMA_LGKP", "TGL_LHR", "STATUS_HIDUP", "NO_REGISTRASI"}
    ),
)

_UNAUTHORISED = outcome("05", "USER TIDAK BERHAK AKSES")
_BAD_NIK = outcome("12", "FORMAT NIK SALAH")
_BAD_KK = outcome("12", "FORMAT NO_KK SALAH")
_BAD_REQUEST = outcome("99", "FORMAT REQUEST SALAH")


def _json(body: bytes, status: int = 200) -> Response:
    return Response(content=body, status_code=status, media_type=_JSON)


async def _payload(request: Request) -> dict[str, Any] | None:
    try:
        payload = json.loads(await request.body())
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _is_nik(value: object) -> bool:
    return isinstance(value, str) and _SIXTEEN_DIGITS.fullmatch(value) is not None


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _rt_rw(value: object) -> str | None:
    """RT/RW as Dukcapil prints them, zero-padded to three digits."""
    if not isinstance(value, str) or _RT_RW.fullmatch(value.strip()) is None:
        return None
    return value.strip().zfill(3)


def create_app(world: World | None = None, faults: FaultSettings | None = None) -> FastAPI:
    """The Dukcapil simulator; the account comes from ``DUKCAPIL_USER_ID``/``DUKCAPIL_PASSWORD``."""
    registry = Registry(world or default_world())
    user_id = os.environ.get("DUKCAPIL_USER_ID", DEFAULT_USER_ID).encode()
    password = os.environ.get("DUKCAPIL_PASSWORD", DEFAULT_PASSWORD).encode()

    def authorised(payload: dict[str, Any]) -> bool:
        given_user = str(payload.get("USER_ID", "")).encode()
        given_password = str(payload.get("PASSWORD", "")).encode()
        return hmac.compare_digest(given_user, user_id) & hmac.compare_digest(
            given_password, password
        )

    async def accepted(request: Request) -> dict[str, Any] | Response:
        """The request body when it is readable and the account is right, else the refusal."""
        payload = await _payload(request)
        if payload is None:
            return _json(_BAD_REQUEST, 400)
        if not authorised(payload):
            return _json(_UNAUTHORISED, 401)
        return payload

    app = FastAPI(title="Dukcapil Web Service", docs_url=None, redoc_url=None, openapi_url=None)
    journal = install_journal(app)
    install_complaints(app, journal, accepted)

    @app.post("/api/v1/CALL_NIK")
    async def call_nik(request: Request) -> Response:
        payload = await accepted(request)
        if isinstance(payload, Response):
            return payload
        nik = payload.get("NIK")
        if not _is_nik(nik):
            return _json(_BAD_NIK)
        return _json(registry.persons.get(str(nik), NOT_FOUND))

    @app.post("/api/v1/CALL_KK")
    async def call_kk(request: Request) -> Response:
        payload = await accepted(request)
        if isinstance(payload, Response):
            return payload
        if "NO_KK" in payload:
            no_kk = payload["NO_KK"]
            if not _is_nik(no_kk):
                return _json(_BAD_KK)
        else:
            nik = payload.get("NIK")
            if not _is_nik(nik):
                return _json(_BAD_NIK)
            no_kk = registry.kk_of_nik.get(str(nik))
        return _json(registry.families.get(str(no_kk), NOT_FOUND))

    @app.post("/api/v1/VERIFY_NIK")
    async def verify_nik(request: Request) -> Response:
        payload = await accepted(request)
        if isinstance(payload, Response):
            return payload
        name = _text(payload.get("NAMA_LGKP"))
        birth_date = payload.get("TGL_LHR")
        if name is None or not (birth_date is None or isinstance(birth_date, str)):
            return _json(_BAD_REQUEST, 400)
        nik = payload.get("NIK")
        if not _is_nik(nik):
            return _json(_BAD_NIK)
        return _json(registry.verify(str(nik), name, birth_date))

    @app.post("/api/v1/UPDATE_ALAMAT")
    async def update_alamat(request: Request) -> Response:
        payload = await accepted(request)
        if isinstance(payload, Response):
            return payload
        ref = reference(payload.get("REF"))
        street = _text(payload.get("ALAMAT"))
        rt, rw = _rt_rw(payload.get("NO_RT")), _rt_rw(payload.get("NO_RW"))
        if ref is None or street is None or rt is None or rw is None:
            return _json(_BAD_REQUEST, 400)
        nik, village_code = payload.get("NIK"), payload.get("NO_KEL")

        def handle() -> Reply:
            if not _is_nik(nik):
                return Reply(_BAD_NIK, 200, _JSON)
            day = jakarta_now().date()
            body = registry.move(str(nik), street, rt, rw, str(village_code), day)
            return Reply(body, 200, _JSON)

        return journal.once(request, ref, handle)

    @app.get("/api/v1/ping")
    async def ping() -> Response:
        return _json(
            encode(
                {
                    "RESPONSE_CODE": "00",
                    "RESPONSE_DESC": "SERVICE UP",
                    "SERVER_TIME": jakarta_now().strftime("%d-%m-%Y %H:%M:%S"),
                }
            )
        )

    install_faults(app, _STYLE, faults)
    return app


app = create_app()
