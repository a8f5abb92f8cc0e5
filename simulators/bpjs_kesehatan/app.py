"""BPJS Kesehatan-like VClaim web service: JKN memberships by NIK, and a complaint desk.

VClaim answers HTTP 200 whatever happened and puts the outcome in `metaData.code`, a string:
"200" found, "201" not found (or refused input), "401" a consumer the service does not accept.
Only an unreadable request gets a 400. The consumer key travels in `X-Cons-Key` and must equal
`SIM_API_KEY`; a simulator started without one accepts no consumer at all, so no published
default can ever open it.
"""

import hmac
import os
import re

from fastapi import FastAPI, Request, Response

from simulators.bpjs_kesehatan.complaints import install_complaints
from simulators.bpjs_kesehatan.members import MemberRegister, reply
from simulators.dates import jakarta_now
from simulators.faults import FailureStyle, FaultSettings, install_faults
from simulators.journal import install_journal
from simulators.world import World, default_world

API_KEY_HEADER = "X-Cons-Key"
_JSON = "application/json"
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_REFUSED = reply("401", "Authentication failed: consumer key tidak dikenali")
_NOT_FOUND = reply("201", "Peserta tidak ditemukan")
_BAD_NIK = reply("201", "NIK Peserta tidak sesuai format (16 digit)")

_STYLE = FailureStyle(
    error_body=(
        b'{"metaData":{"code":"500","message":"Internal Server Error: '
        b'java.net.SocketTimeoutException: Read timed out"},"response":null}'
    ),
    error_content_type=_JSON,
    maintenance_html=(
        b"<html><head><title>BPJS Kesehatan</title></head><body><h2>Mohon maaf, layanan "
        b"web service VClaim sedang dalam pemeliharaan.</h2><p>Silakan coba beberapa saat "
        b"lagi.</p></body></html>"
    ),
    key_fields=frozenset({"noKartu", "statusPeserta", "hakKelas", "jenisPeserta", "tglTAT"}),
)


def _json(body: bytes, status: int = 200) -> Response:
    return Response(body, status, media_type=_JSON)


def create_app(
    world: World | None = None, faults: FaultSettings | None = None, api_key: str | None = None
) -> FastAPI:
    """The VClaim simulator; ``api_key`` defaults to ``SIM_API_KEY``."""
    register = MemberRegister(world or default_world())
    key = (api_key if api_key is not None else os.environ.get("SIM_API_KEY", "")).encode()

    async def refusal(request: Request) -> Response | None:
        given = request.headers.get(API_KEY_HEADER, "").encode()
        if key and hmac.compare_digest(given, key):
            return None
        return _json(_REFUSED)

    app = FastAPI(title="VClaim BPJS Kesehatan", docs_url=None, redoc_url=None, openapi_url=None)
    journal = install_journal(app)
    install_complaints(app, journal, refusal)

    @app.get("/vclaim-rest/peserta/nik/{nik}")
    async def member_by_nik(nik: str, request: Request) -> Response:
        if (refused := await refusal(request)) is not None:
            return refused
        if _SIXTEEN_DIGITS.fullmatch(nik) is None:
            return _json(_BAD_NIK)
        return _json(register.bodies.get(nik, _NOT_FOUND))

    @app.get("/vclaim-rest/status")
    async def status() -> Response:
        now = jakarta_now().strftime("%Y-%m-%d %H:%M:%S")
        return _json(reply("200", "OK", {"status": "ONLINE", "waktuServer": now}))

    install_faults(app, _STYLE, faults)
    return app


app = create_app()
