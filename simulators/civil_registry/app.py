"""Dukcapil-like web service: upper-case fields, DD-MM-YYYY dates, the outcome in RESPONSE_CODE.

HTTP status stays 200 for "not found" and bad NIKs, as the real service does; only a wrong
account gets 401. Every reply body is serialised once at start-up, so a lookup is one dict
access (the gateway's throughput benchmark hits these handlers).
"""

import hmac
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import FastAPI, Request, Response

from simulators.dates import jakarta_now
from simulators.faults import FailureStyle, FaultSettings, install_faults
from simulators.regions import Village
from simulators.world import Citizen, Family, World, default_world

DEFAULT_USER_ID = "satupintu"
DEFAULT_PASSWORD = "satupintu-demo"
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")

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
    key_fields=frozenset({"RESPONSE_CODE", "NIK", "NO_KK", "NAMA_LGKP", "TGL_LHR", "STATUS_HIDUP"}),
)


def _dmy(day: date | None) -> str | None:
    return None if day is None else day.strftime("%d-%m-%Y")


def _province_name(village: Village) -> str:
    name = village.province_name.upper()
    return name.replace("DAERAH KHUSUS IBUKOTA", "DKI").replace("DAERAH ISTIMEWA", "DI")


def _regency_name(village: Village) -> str:
    return village.regency_name.upper().replace("KOTA ADMINISTRASI", "KOTA ADM.")


def _address_fields(family_or_citizen: Citizen | Family) -> dict[str, str]:
    address = family_or_citizen.address
    village = address.village
    return {
        "ALAMAT": address.street,
        "NO_RT": address.rt,
        "NO_RW": address.rw,
        "KEL_NAME": village.village_name.upper(),
        "KEC_NAME": village.district_name.upper(),
        "KAB_NAME": _regency_name(village),
        "PROP_NAME": _province_name(village),
    }


def _status(citizen: Citizen) -> str:
    return "HIDUP" if citizen.alive else "MATI"


def _person(citizen: Citizen) -> dict[str, Any]:
    village = citizen.address.village
    return {
        "NIK": citizen.nik,
        "NO_KK": citizen.no_kk,
        "NAMA_LGKP": citizen.name,
        "TMPT_LHR": citizen.birth_place,
        "TGL_LHR": _dmy(citizen.birth_date),
        "JENIS_KLMIN": "LAKI-LAKI" if citizen.sex == "L" else "PEREMPUAN",
        "GOL_DARAH": citizen.blood_type,
        "AGAMA": citizen.religion,
        "STATUS_KAWIN": citizen.marital_status,
        "JENIS_PKRJN": citizen.occupation,
        "KEWARGANEGARAAN": "WNI",
        "STAT_HBKEL": citizen.relationship,
        **_address_fields(citizen),
        "NO_PROP": village.province_code,
        "NO_KAB": village.regency_code[2:],
        "NO_KEC": village.district_code[4:],
        "NO_KEL": village.village_code[6:],
        "STATUS_HIDUP": _status(citizen),
        "TGL_MATI": _dmy(citizen.death_date),
        "MASA_BERLAKU_KTP": "SEUMUR HIDUP",
    }


def _member(citizen: Citizen) -> dict[str, Any]:
    return {
        "NIK": citizen.nik,
        "NAMA_LGKP": citizen.name,
        "STAT_HBKEL": citizen.relationship,
        "JENIS_KLMIN": "LAKI-LAKI" if citizen.sex == "L" else "PEREMPUAN",
        "TGL_LHR": _dmy(citizen.birth_date),
        "TMPT_LHR": citizen.birth_place,
        "STATUS_HIDUP": _status(citizen),
    }


def _encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def _outcome(code: str, desc: str) -> bytes:
    return _encode({"RESPONSE_CODE": code, "RESPONSE_DESC": desc, "content": []})


_NOT_FOUND = _outcome("11", "DATA TIDAK DITEMUKAN")
_UNAUTHORISED = _outcome("05", "USER TIDAK BERHAK AKSES")
_BAD_NIK = _outcome("12", "FORMAT NIK SALAH")
_BAD_KK = _outcome("12", "FORMAT NO_KK SALAH")
_BAD_REQUEST = _outcome("99", "FORMAT REQUEST SALAH")


@dataclass(frozen=True)
class Registry:
    """The registry's own projection: ready-made reply bodies keyed by NIK and by KK."""

    persons: dict[str, bytes]
    families: dict[str, bytes]
    kk_of_nik: dict[str, str]

    @classmethod
    def from_world(cls, world: World) -> "Registry":
        persons = {
            nik: _encode(
                {"RESPONSE_CODE": "00", "RESPONSE_DESC": "SUKSES", "content": [_person(c)]}
            )
            for nik, c in world.citizens.items()
        }
        families = {
            kk: _encode(
                {
                    "RESPONSE_CODE": "00",
                    "RESPONSE_DESC": "SUKSES",
                    "NO_KK": kk,
                    "NAMA_KEP": world.citizens[family.head_nik].name,
                    **_address_fields(family),
                    "content": [_member(world.citizens[nik]) for nik in family.member_niks],
                }
            )
            for kk, family in world.families.items()
        }
        kk_of_nik = {nik: c.no_kk for nik, c in world.citizens.items()}
        return cls(persons, families, kk_of_nik)


def _json(body: bytes, status: int = 200) -> Response:
    return Response(content=body, status_code=status, media_type="application/json")


async def _payload(request: Request) -> dict[str, Any] | None:
    try:
        payload = json.loads(await request.body())
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _is_nik(value: object) -> bool:
    return isinstance(value, str) and _SIXTEEN_DIGITS.fullmatch(value) is not None


def create_app(world: World | None = None, faults: FaultSettings | None = None) -> FastAPI:
    """The Dukcapil simulator; the account comes from ``DUKCAPIL_USER_ID``/``DUKCAPIL_PASSWORD``."""
    registry = Registry.from_world(world or default_world())
    user_id = os.environ.get("DUKCAPIL_USER_ID", DEFAULT_USER_ID).encode()
    password = os.environ.get("DUKCAPIL_PASSWORD", DEFAULT_PASSWORD).encode()

    def authorised(payload: dict[str, Any]) -> bool:
        given_user = str(payload.get("USER_ID", "")).encode()
        given_password = str(payload.get("PASSWORD", "")).encode()
        return hmac.compare_digest(given_user, user_id) & hmac.compare_digest(
            given_password, password
        )

    app = FastAPI(title="Dukcapil Web Service", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/api/v1/CALL_NIK")
    async def call_nik(request: Request) -> Response:
        payload = await _payload(request)
        if payload is None:
            return _json(_BAD_REQUEST, 400)
        if not authorised(payload):
            return _json(_UNAUTHORISED, 401)
        nik = payload.get("NIK")
        if not _is_nik(nik):
            return _json(_BAD_NIK)
        return _json(registry.persons.get(str(nik), _NOT_FOUND))

    @app.post("/api/v1/CALL_KK")
    async def call_kk(request: Request) -> Response:
        payload = await _payload(request)
        if payload is None:
            return _json(_BAD_REQUEST, 400)
        if not authorised(payload):
            return _json(_UNAUTHORISED, 401)
        if "NO_KK" in payload:
            no_kk = payload["NO_KK"]
            if not _is_nik(no_kk):
                return _json(_BAD_KK)
        else:
            nik = payload.get("NIK")
            if not _is_nik(nik):
                return _json(_BAD_NIK)
            no_kk = registry.kk_of_nik.get(str(nik))
        return _json(registry.families.get(str(no_kk), _NOT_FOUND))

    @app.get("/api/v1/ping")
    async def ping() -> Response:
        return _json(
            _encode(
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
