"""A small BPJS-like membership backend for the data product tests, and a declaration that
fetches from it: a fixture of the tests' own, so they do not follow the demo simulator's
changes."""

from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BACKEND = "http://bpjs.test"
API_KEY = "cons-key-8f2d"
FOUND = "3374091203840001"
MISSING = "3471073006980001"
MEMBERS = {FOUND: {"noKartu": "0001234567890", "kelas": 2}}


def membership_backend(card_field: str = "noKartu") -> FastAPI:
    """Answers `GET /peserta/{nik}` to callers with the right `X-Cons-Key`; `card_field` is
    what this release of it calls the card number."""

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def member(request: Request) -> JSONResponse:
        if request.headers.get("X-Cons-Key") != API_KEY:
            return JSONResponse({"message": "consumer key salah"}, status_code=401)
        found = MEMBERS.get(request.path_params["nik"])
        if found is None:
            return JSONResponse({"message": "peserta tidak ditemukan"}, status_code=404)
        return JSONResponse({"peserta": {card_field: found["noKartu"], "kelas": found["kelas"]}})

    return FastAPI(routes=[Route("/health", health), Route("/peserta/{nik}", member)])


def declaration(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "health_insurance",
        "title": "Health insurance (JKN-KIS)",
        "description": "A citizen's JKN membership.",
        "key": {"kind": "nik"},
        "cardinality": "one",
        "schema": {
            "type": "object",
            "required": ["card_number", "class"],
            "properties": {
                "card_number": {"type": "string", "pattern": "^[0-9]{13}$"},
                "class": {"type": "integer", "enum": [1, 2, 3]},
            },
        },
        "scope": "health_insurance:read",
        "classification": "specific",
        "specific_category": "health",
        "processing_basis": "public_task",
        "legal_basis": ["UU 24/2011 tentang BPJS"],
        "fetch": {
            "request": {"path": "/peserta/{key}"},
            "response": {
                "errors": [{"status": [401], "outcome": "unavailable"}],
                "not_found": {"status": [404]},
                "records": "peserta.{card_number: noKartu, class: kelas}",
            },
            "health": {"path": "/health"},
        },
        "sources": [
            {
                "agency": {"code": "bpjs_kesehatan", "name": "BPJS Kesehatan", "level": "central"},
                "base_url": BACKEND,
                "timeout_ms": 1000,
                "auth": {"type": "api_key", "name": "X-Cons-Key", "key": {"value": API_KEY}},
                "fixtures": {"found": FOUND, "missing": MISSING},
            }
        ],
    }
    body.update(changes)
    return body
