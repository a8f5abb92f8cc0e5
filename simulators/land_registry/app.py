"""BPN-like land offices: every demo regency's Kantor Pertanahan in one process, each under
`/kantah/<regency code>`, XML out.

Each office is its own app over one shared land register, holding only its regency's parcels,
with its own write journal and fault switch (`/kantah/<code>/_control/...`), so to a gateway
each is a separate agency at its own base URL. An owner with no certificate at an office is
`<kode>01</kode>` inside HTTP 200; a malformed NIK is an HTTP 400. Every API call needs
`Authorization: Bearer <SIM_API_KEY>`; a wrong or missing token is a 401, and a process
started without `SIM_API_KEY` accepts none. `SIM_REGENCIES` restricts the offices served.
"""

import hmac
import os
import re
from collections.abc import Callable, Iterable

from fastapi import FastAPI, Request, Response

from simulators.dates import jakarta_now
from simulators.faults import FailureStyle, FaultSettings, install_faults
from simulators.journal import install_journal
from simulators.land_registry.complaints import install_complaints
from simulators.land_registry.parcels import XML_TYPE, LandRegister, xml_document
from simulators.regions import villages_by_regency
from simulators.world import World, default_world

PREFIX = "/kantah"
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_NOT_FOUND = xml_document("<kode>01</kode><pesan>DATA TIDAK DITEMUKAN</pesan>")
_BAD_NIK = xml_document("<kode>10</kode><pesan>FORMAT NIK TIDAK VALID</pesan>")
_REFUSED = xml_document("<kode>41</kode><pesan>AKSES DITOLAK: TOKEN TIDAK VALID</pesan>")

_STYLE = FailureStyle(
    error_body=(
        b"<html><head><title>Error 500--Internal Server Error</title></head><body>"
        b"<h2>Error 500--Internal Server Error</h2><p>weblogic.jdbc.extensions."
        b"PoolDisabledSQLException: weblogic.common.resourcepool.ResourceDisabledException: "
        b"Pool KKP_DS is Suspended, cannot allocate resources to applications.</p>"
        b"</body></html>"
    ),
    error_content_type="text/html; charset=UTF-8",
    maintenance_html=(
        b"<html><head><title>Kementerian ATR/BPN</title></head><body><h2>Layanan sedang "
        b"dalam pemeliharaan</h2><p>Mohon maaf atas ketidaknyamanannya.</p></body></html>"
    ),
    key_fields=frozenset({"kode", "nomorHak", "jenisHak", "nib", "luas", "pemegangHak"}),
)


def _xml(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status, headers=headers, media_type=XML_TYPE)


def office_name(regency: str) -> str:
    return f"Kantor Pertanahan {villages_by_regency()[regency][0].regency_name}"


def regencies_from_env() -> frozenset[str] | None:
    """``SIM_REGENCIES`` (comma-separated 4-digit Kemendagri codes); None when unset: all."""
    raw = os.environ.get("SIM_REGENCIES", "")
    codes = frozenset(code.strip() for code in raw.split(",") if code.strip())
    return codes or None


def create_office(
    regency: str, register: LandRegister, faults: FaultSettings, token: str
) -> FastAPI:
    """One land office; ``token`` empty refuses every caller."""
    expected = f"Bearer {token}".encode()
    name = office_name(regency)

    async def refusal(request: Request) -> Response | None:
        given = request.headers.get("authorization", "").encode()
        if token and hmac.compare_digest(given, expected):
            return None
        return _xml(_REFUSED, 401, {"WWW-Authenticate": f'Bearer realm="kantah-{regency}"'})

    app = FastAPI(title=name, docs_url=None, redoc_url=None, openapi_url=None)
    journal = install_journal(app)
    install_complaints(app, journal, refusal, name, f"KANTAH{regency}-ADU")

    @app.get("/api/sertipikat")
    async def certificates(request: Request, nik: str = "") -> Response:
        if (refused := await refusal(request)) is not None:
            return refused
        if _SIXTEEN_DIGITS.fullmatch(nik) is None:
            return _xml(_BAD_NIK, 400)
        return _xml(register.bodies.get((regency, nik), _NOT_FOUND))

    @app.get("/api/status")
    async def status() -> Response:
        now = jakarta_now().isoformat(timespec="seconds")
        return _xml(
            xml_document(
                f'<kode>00</kode><pesan>LAYANAN AKTIF</pesan><kantor kode="{regency}">{name}'
                f"</kantor><waktuServer>{now}</waktuServer>"
            )
        )

    install_faults(app, _STYLE, faults)
    return app


def create_app(
    world: World | None = None,
    regencies: Iterable[str] | None = None,
    faults: Callable[[], FaultSettings] = FaultSettings.from_env,
    token: str | None = None,
) -> FastAPI:
    """One office per regency under ``/kantah/<code>``; ``token`` defaults to ``SIM_API_KEY``.
    ``faults`` makes each office's own settings, so one office down leaves the others up."""
    register = LandRegister(world or default_world())
    known = villages_by_regency()
    codes = sorted(known if regencies is None else set(regencies))
    unknown = set(codes) - set(known)
    if unknown:
        raise ValueError(f"no demo regency with the codes {sorted(unknown)}")
    secret = token if token is not None else os.environ.get("SIM_API_KEY", "")
    host = FastAPI(title="Kantor Pertanahan", docs_url=None, redoc_url=None, openapi_url=None)
    for code in codes:
        host.mount(f"{PREFIX}/{code}", create_office(code, register, faults(), secret))
    return host


app = create_app(regencies=regencies_from_env())
