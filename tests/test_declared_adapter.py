"""Declared adapters against real backends on real ports, through the production HTTP client:
a JSON one (a membership per NIK, an API key header or basic auth, its code inside HTTP 200)
and an XML one (certificates per NIK, a bearer token, one or many elements), each written in
its own dialect so that only the declaration's templates and mappings make sense of it."""

import base64
import datetime as dt
import traceback
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import unquote

import orjson
import pytest
from defusedxml import ElementTree
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import REGISTRY

from app.adapters.base import (
    AdapterContext,
    AgencyAdapter,
    AgencyLevel,
    AgencyNotFound,
    AgencyRefusedInput,
    AgencyReplyError,
    AgencyUnavailable,
    Capability,
    ComplaintDesk,
    ComplaintFiling,
    ConformanceFixtures,
    ProductSource,
    ServiceStandard,
)
from app.agencies.endpoint_policy import EndpointPolicy
from app.bus.bus import Bus, ResilienceSettings
from app.bus.calls import CallResult, Deadline
from app.bus.registry import AdapterKind, AdapterRegistry, InstanceSpec
from app.config import AgencyEndpoint
from app.http_client import AiohttpAgencyClient
from app.products.catalog import DataProduct
from app.products.conformance import builder, check_declaration
from app.products.declaration import ProductDeclaration
from app.products.declared_adapter import declared_kind, validate_declaration
from app.products.mapping import MAX_OUTPUT_NODES, MAX_STEPS, MappingCutOff
from app.products.secrets import SecretResolver
from app.schemas.sources import SourceStatus
from app.services.product_reads import subject_of
from tests.socket_agencies import SocketAgencies

API_KEY = "cons-key-7781"
TOKEN = "bpn-token-31"
MEMBER = "3174101704820001"
MEMBERSHIP = {
    "noKartu": "0001234567890",
    "nik": MEMBER,
    "kelas": "1",
    "statusPeserta": "AKTIF",
    "tglTMT": "2020-01-01",
}
OWNER_OF_ONE = "3273064811790001"
OWNER_OF_TWO = "3374091203840001"
CERTIFICATES = {
    OWNER_OF_ONE: [("10.01.02.03.1.00001", "120")],
    OWNER_OF_TWO: [("11.02.03.04.1.00077", "96"), ("11.02.03.04.1.00078", "250.5")],
}
#: A developer holding a whole housing estate: more certificates than one mapping may give.
ESTATE_OWNER = "3173010101800001"
CERTIFICATES[ESTATE_OWNER] = [
    (f"09.01.01.01.1.{plot:05d}", "72") for plot in range(MAX_OUTPUT_NODES // 3)
]
NOBODY = "3471073006980001"
#: A member whose reply carries a long history, which each error rule below scans once.
LONG_HISTORY = "3174101704820099"
HISTORY = [{"kode": "IURAN"}] * 16_000
#: A condition that scans the history: 5 steps per entry, so 80,000 of one reply's 100,000.
SCANS_HISTORY = "riwayat[?kode == 'TUNGGAKAN']"


def in_digits_of(zero: str, nik: str) -> str:
    """`nik` written in the digits of the script whose zero is `zero`."""
    return "".join(chr(ord(zero) + int(digit)) for digit in nik)


#: Members whose agency writes their NIK in another script's digits: 16 digits to
#: `str.isdigit` and to a regular expression's digit class, yet no NIK.
OTHER_SCRIPTS = {
    "3174101704820002": in_digits_of("\u0660", "3174101704820002"),  # Arabic-Indic
    "3174101704820003": in_digits_of("\uff10", "3174101704820003"),  # fullwidth
}
#: A complaint whose answer holds what must never be quoted back in an error.
MARKER = "RAHASIA-MARKER"
MARKED_TICKET = "LPR-7777"
BASIC_USER = "petugas-gateway"
#: A colon and a non-ASCII letter: the password is everything after the first colon, in UTF-8.
BASIC_PASSWORD = "kata:sandi-rahasia-é"
BASIC_HEADER = "Basic cGV0dWdhcy1nYXRld2F5OmthdGE6c2FuZGktcmFoYXNpYS3DqQ=="
#: An account the backend knows but does not let read memberships (403).
AUDITOR = ("auditor", "audit-only")
ENVIRONMENT = {
    "SATUPINTU_AGENCY_SECRET_BPJS_KEY": API_KEY,
    "SATUPINTU_AGENCY_SECRET_BPJS_PASSWORD": BASIC_PASSWORD,
}

journal: list[dict[str, Any]] = []


def _heard(request: Request, body: bytes = b"") -> None:
    journal.append(
        {
            "raw_path": request.scope["raw_path"].decode(),
            "query": dict(request.query_params),
            "headers": dict(request.headers),
            "body": body,
        }
    )


def bpjs() -> FastAPI:
    """Codes inside HTTP 200: 200 found, 201 not a member, 503 maintenance."""
    app = FastAPI()
    tickets: dict[str, dict[str, Any]] = {}

    def basic(request: Request) -> tuple[str, str] | None:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme != "Basic":
            return None
        user, _, password = base64.b64decode(encoded).decode().partition(":")
        return user, password

    def refused(request: Request) -> JSONResponse | None:
        account = basic(request)
        if account == AUDITOR:
            return JSONResponse({"metaData": {"code": "403"}}, status_code=403)
        if (
            request.headers.get("x-cons-id") != API_KEY
            and request.query_params.get("key") != API_KEY
            and account != (BASIC_USER, BASIC_PASSWORD)
        ):
            return JSONResponse({"metaData": {"code": "401"}}, status_code=401)
        return None

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "UP"}

    @app.get("/peserta/{key:path}")
    async def member(key: str, request: Request) -> JSONResponse:
        _heard(request)
        if (refusal := refused(request)) is not None:
            return refusal
        if key == "maintenance":
            return JSONResponse({"metaData": {"code": "503", "message": "Sedang pemeliharaan"}})
        if key == "crash":
            return JSONResponse({"error": "NullPointerException"}, status_code=500)
        if key == "bad-key":
            return JSONResponse({"metaData": {"code": "400"}}, status_code=400)
        if key == "drifted":
            return JSONResponse(
                {"metaData": {"code": "200"}, "response": {"peserta": {**MEMBERSHIP, "kelas": "I"}}}
            )
        if key == LONG_HISTORY:
            return JSONResponse(
                {
                    "metaData": {"code": "200"},
                    "response": {"peserta": {**MEMBERSHIP, "nik": LONG_HISTORY}},
                    "riwayat": HISTORY,
                }
            )
        if key in OTHER_SCRIPTS:
            written = {**MEMBERSHIP, "nik": OTHER_SCRIPTS[key]}
            return JSONResponse({"metaData": {"code": "200"}, "response": {"peserta": written}})
        if key != MEMBER:
            return JSONResponse({"metaData": {"code": "201", "message": "Tidak terdaftar"}})
        return JSONResponse({"metaData": {"code": "200"}, "response": {"peserta": MEMBERSHIP}})

    @app.post("/pengaduan")
    async def complain(request: Request) -> JSONResponse:
        body = await request.body()
        _heard(request, body)
        filed = await request.json()
        ticket = f"LPR-{len(tickets) + 1:04d}"
        tickets[ticket] = filed
        return JSONResponse({"data": {"tiket": ticket}}, status_code=201)

    @app.get("/pengaduan/{ticket}")
    async def progress(ticket: str) -> JSONResponse:
        if ticket == MARKED_TICKET:
            return JSONResponse({"data": {"dijawab": True, "jawaban": MARKER, "waktu": MARKER}})
        if ticket not in tickets:
            return JSONResponse({"error": "TIKET_TIDAK_ADA"}, status_code=404)
        return JSONResponse(
            {"data": {"dijawab": True, "jawaban": "Sudah aktif", "waktu": "2026-03-02 10:00:00"}}
        )

    return app


def bpn() -> FastAPI:
    """XML, a bearer token, one `Sertipikat` element per certificate."""
    app = FastAPI()

    def xml(text: str, status: int = 200) -> Response:
        return Response(text, status_code=status, media_type="application/xml")

    @app.get("/health")
    async def health(request: Request) -> Response:
        return xml("<Health>OK</Health>")

    @app.get("/sertipikat")
    async def certificates(request: Request) -> Response:
        _heard(request)
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return xml("<Fault>unauthorised</Fault>", 401)
        nik = request.query_params.get("nik", "")
        found = CERTIFICATES.get(nik)
        if nik == "dtd":
            return xml('<!DOCTYPE r [<!ENTITY a "a">]><Hasil><Status>OK</Status></Hasil>')
        if not found:
            return xml("<Hasil><Status>TIDAK_ADA</Status></Hasil>")
        items = "".join(
            f"<Sertipikat nomor='{number}'><Luas>{area}</Luas><Pemilik>{nik}</Pemilik></Sertipikat>"
            for number, area in found
        )
        return xml(f"<Hasil><Status>OK</Status><Daftar>{items}</Daftar></Hasil>")

    @app.post("/cari")
    async def search(request: Request) -> Response:
        body = await request.body()
        _heard(request, body)
        nik = ElementTree.fromstring(body).findtext("Nik")
        return xml(f"<Hasil><Status>TIDAK_ADA</Status><Dicari>{len(nik or '')}</Dicari></Hasil>")

    return app


def health_insurance(url: str, **changes: Any) -> dict[str, Any]:
    declaration: dict[str, Any] = {
        "name": "health_insurance",
        "title": "Health insurance (JKN-KIS)",
        "key": {"kind": "nik"},
        "cardinality": "one",
        "schema": {
            "type": "object",
            "required": ["card_number", "nik", "class", "active", "since"],
            "properties": {
                "card_number": {"type": "string", "pattern": "^[0-9]{13}$"},
                "nik": {"type": "string"},
                "class": {"type": "integer", "minimum": 1, "maximum": 3},
                "active": {"type": "boolean"},
                "since": {"type": "string", "format": "date"},
            },
            "additionalProperties": False,
        },
        "scope": "health_insurance:read",
        "classification": "specific",
        "specific_category": "health",
        "processing_basis": "public_task",
        "legal_basis": ["UU 24/2011 tentang BPJS"],
        "complaint_topics": ["bpjs", "kartu kis"],
        "services": [
            {
                "code": "jkn-membership-activation",
                "name_id": "Aktivasi kepesertaan JKN",
                "name_en": "JKN membership activation",
                "category": "health",
                "requirements": ["KTP-el"],
                "procedure": ["Datang ke kantor cabang"],
                "working_days": 14,
                "fee": "Tidak dipungut biaya",
                "product": "Kartu JKN-KIS",
                "complaint_channel": "BPJS Kesehatan Care Center 165",
                "legal_basis": ["Perpres 82/2018"],
                "responsible_unit": "Kantor Cabang",
            }
        ],
        "fetch": {
            "request": {"path": "/peserta/{key}", "headers": {"Accept": "application/json"}},
            "response": {
                "errors": [
                    {
                        "when": "metaData.code == '503'",
                        "outcome": "unavailable",
                        "message": "metaData.message",
                    }
                ],
                "not_found": {"when": "metaData.code == '201'"},
                "records": "response.peserta.{card_number: noKartu, nik: nik, "
                "class: to_number(kelas), active: statusPeserta == 'AKTIF', since: tglTMT}",
            },
            "health": {"path": "/health"},
        },
        "complaints": {
            "file": {
                "method": "POST",
                "path": "/pengaduan",
                "body": {
                    "nik": "{nik}",
                    "perihal": "{subject}",
                    "isi": "{description}",
                    "layanan": "{service}",
                    "ref": "{reference}",
                },
            },
            "ticket": "data.tiket",
            "progress": {"path": "/pengaduan/{ticket}"},
            "not_found": {"status": [404]},
            "answered": "data.dijawab",
            "answer": "data.jawaban",
            "answered_at": "data.waktu",
        },
        "sources": [
            {
                "agency": {"code": "bpjs_kesehatan", "name": "BPJS Kesehatan", "level": "central"},
                "base_url": url,
                "auth": {
                    "type": "api_key",
                    "location": "header",
                    "name": "X-Cons-ID",
                    "key": {"secret_ref": "BPJS_KEY"},
                },
                "fixtures": {"found": MEMBER, "missing": NOBODY},
            }
        ],
    }
    declaration.update(changes)
    return declaration


def land_certificates(url: str, **changes: Any) -> dict[str, Any]:
    declaration: dict[str, Any] = {
        "name": "land_certificates",
        "title": "Land certificates",
        "key": {"kind": "nik"},
        "cardinality": "many",
        "schema": {
            "type": "object",
            "required": ["number", "area_m2", "owner_nik"],
            "properties": {
                "number": {"type": "string"},
                "area_m2": {"type": "number"},
                "owner_nik": {"type": "string"},
            },
        },
        "scope": "land_certificates:read",
        "classification": "general",
        "processing_basis": "public_task",
        "legal_basis": ["PP 18/2021"],
        "fetch": {
            "request": {"path": "/sertipikat", "query": {"nik": "{key}"}},
            "response": {
                "format": "xml",
                "xml_force_list": ["Sertipikat"],
                "not_found": {"when": "Hasil.Status == 'TIDAK_ADA'"},
                "records": 'Hasil.Daftar.Sertipikat[].{number: "@nomor", '
                "area_m2: to_number(Luas), owner_nik: Pemilik}",
            },
            "health": {"path": "/health"},
        },
        "sources": [
            {
                "agency": {
                    "code": "bpn_31",
                    "name": "Kantor Pertanahan DKI Jakarta",
                    "level": "provincial",
                    "jurisdiction": ["31"],
                },
                "base_url": url,
                "auth": {"type": "bearer", "token": {"value": TOKEN}},
                "fixtures": {"found": OWNER_OF_TWO, "missing": NOBODY},
            }
        ],
    }
    declaration.update(changes)
    return declaration


def product(declaration: dict[str, Any], version: int = 3) -> DataProduct:
    return DataProduct(
        declaration=ProductDeclaration.model_validate(declaration),
        version=version,
        changed_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        changed_by="admin-bpjs",
    )


def not_installed(code: str) -> AdapterKind | None:
    return None


@pytest.fixture(scope="module")
def backends() -> Iterator[SocketAgencies]:
    with SocketAgencies({"bpjs": bpjs, "bpn": bpn}) as agencies:
        yield agencies


@pytest.fixture
async def http() -> AsyncIterator[AiohttpAgencyClient]:
    client = AiohttpAgencyClient(10, 15.0, 1.0, EndpointPolicy.allowing(["127.0.0.1"]))
    yield client
    await client.aclose()


@pytest.fixture(autouse=True)
def fresh_journal() -> None:
    journal.clear()


def on_bus(declared: DataProduct, http: AiohttpAgencyClient, **resilience: Any) -> Bus:
    """The product's first source on a bus of its own, as a registration puts it there."""
    kind = declared_kind(declared, not_installed, SecretResolver(ENVIRONMENT))
    source = declared.declaration.sources[0]
    spec = InstanceSpec(
        code=source.agency.code,
        kind=kind.code,
        endpoint=AgencyEndpoint(base_url=source.base_url, timeout_ms=5000),
    )
    return Bus(AdapterRegistry({kind.code: kind}, [spec], http), ResilienceSettings(**resilience))


async def read(bus: Bus, declared: DataProduct, key: str) -> CallResult[Any]:
    name = declared.declaration.name

    async def fetch(source: ProductSource) -> Any:
        return await source.fetch_product(name, key)

    return await bus.call(
        declared.declaration.capability, ProductSource, name, fetch, Deadline(10_000), client="t"
    )


def calls_counted(agency: str, status: SourceStatus) -> float:
    return (
        REGISTRY.get_sample_value(
            "satupintu_agency_calls_total", {"agency": agency, "status": status.value}
        )
        or 0.0
    )


def adapter(
    declared: DataProduct, http: AiohttpAgencyClient, environ: dict[str, str] | None = None
) -> Any:
    kind = declared_kind(
        declared, not_installed, SecretResolver(ENVIRONMENT if environ is None else environ)
    )
    source = declared.declaration.sources[0]
    endpoint = AgencyEndpoint(base_url=source.base_url, timeout_ms=source.timeout_ms)
    return kind.factory(AdapterContext(code=source.agency.code, endpoint=endpoint, http=http))


async def test_a_declared_kind_is_an_adapter_of_the_declaration(backends, http) -> None:
    declared = product(health_insurance(backends.urls["bpjs"]))
    kind = declared_kind(declared, not_installed, SecretResolver(ENVIRONMENT))
    assert (kind.code, kind.version) == ("declared:health_insurance", "declaration v3")
    built = adapter(declared, http)
    assert isinstance(built, AgencyAdapter)
    assert isinstance(built, ProductSource)
    assert isinstance(built, ComplaintDesk)
    assert built.capabilities == {"product:health_insurance", Capability.COMPLAINT_INTAKE}
    assert (built.code, built.name, built.level) == (
        "bpjs_kesehatan",
        "BPJS Kesehatan",
        AgencyLevel.CENTRAL,
    )
    assert [s.code for s in built.services] == ["jkn-membership-activation"]
    assert all(isinstance(s, ServiceStandard) for s in built.services)
    await built.health()


async def test_a_product_without_complaints_is_not_a_desk(backends, http) -> None:
    built = adapter(product(land_certificates(backends.urls["bpn"])), http)
    assert not isinstance(built, ComplaintDesk)
    assert built.capabilities == {"product:land_certificates"}


async def test_a_one_product_reads_its_record_with_the_api_key_header(backends, http) -> None:
    built = adapter(product(health_insurance(backends.urls["bpjs"])), http)
    record = await built.fetch_product("health_insurance", MEMBER)
    assert record == {
        "card_number": "0001234567890",
        "nik": MEMBER,
        "class": 1,
        "active": True,
        "since": "2020-01-01",
    }
    assert journal[-1]["headers"]["x-cons-id"] == API_KEY
    assert journal[-1]["headers"]["accept"] == "application/json"


async def test_an_api_key_can_go_in_the_query(backends, http) -> None:
    declaration = health_insurance(backends.urls["bpjs"])
    declaration["sources"][0]["auth"] = {
        "type": "api_key",
        "location": "query",
        "name": "key",
        "key": {"value": API_KEY},
    }
    built = adapter(product(declaration), http)
    assert (await built.fetch_product("health_insurance", MEMBER))["class"] == 1
    assert journal[-1]["query"] == {"key": API_KEY}
    assert "x-cons-id" not in journal[-1]["headers"]


async def test_a_key_reaches_the_backend_as_one_path_segment(backends, http) -> None:
    built = adapter(product(health_insurance(backends.urls["bpjs"])), http)
    with pytest.raises(AgencyNotFound):
        await built.fetch_product("health_insurance", "a/b&c<d e")
    segment = journal[-1]["raw_path"].removeprefix("/peserta/")
    assert "/" not in segment
    assert unquote(segment) == "a/b&c<d e"


async def test_the_backends_own_signals_decide_the_outcome(backends, http) -> None:
    built = adapter(product(health_insurance(backends.urls["bpjs"])), http)
    with pytest.raises(AgencyNotFound):
        await built.fetch_product("health_insurance", NOBODY)
    with pytest.raises(AgencyUnavailable, match="agency says: Sedang pemeliharaan"):
        await built.fetch_product("health_insurance", "maintenance")
    with pytest.raises(AgencyReplyError, match="HTTP 500"):
        await built.fetch_product("health_insurance", "crash")
    with pytest.raises(AgencyRefusedInput, match="HTTP 400"):
        await built.fetch_product("health_insurance", "bad-key")


async def test_a_record_that_does_not_fit_the_schema_is_a_reply_error(backends, http) -> None:
    built = adapter(product(health_insurance(backends.urls["bpjs"])), http)
    with pytest.raises(AgencyReplyError, match="class: is not of type integer"):
        await built.fetch_product("health_insurance", "drifted")


async def test_refused_credentials_are_unavailable(backends, http) -> None:
    declaration = health_insurance(backends.urls["bpjs"])
    declaration["sources"][0]["auth"]["key"] = {"value": "wrong"}
    with pytest.raises(AgencyUnavailable, match="credentials"):
        await adapter(product(declaration), http).fetch_product("health_insurance", MEMBER)


async def test_a_secret_missing_from_the_environment_makes_the_source_unavailable(
    backends, http
) -> None:
    built = adapter(product(health_insurance(backends.urls["bpjs"])), http, environ={})
    with pytest.raises(AgencyUnavailable, match="secret BPJS_KEY is not set on the gateway"):
        await built.fetch_product("health_insurance", MEMBER)
    assert journal == []
    missing = SecretResolver({}).missing(product(health_insurance("http://x")).declaration)
    assert missing == [
        (
            "sources.0.auth.key",
            "the gateway has no SATUPINTU_AGENCY_SECRET_BPJS_KEY in its environment",
        )
    ]


async def test_a_many_product_reads_xml_with_one_or_many_elements(backends, http) -> None:
    built = adapter(product(land_certificates(backends.urls["bpn"])), http)
    assert await built.fetch_product("land_certificates", OWNER_OF_ONE) == [
        {"number": "10.01.02.03.1.00001", "area_m2": 120, "owner_nik": OWNER_OF_ONE}
    ]
    two = await built.fetch_product("land_certificates", OWNER_OF_TWO)
    assert [c["area_m2"] for c in two] == [96, 250.5]
    assert await built.fetch_product("land_certificates", NOBODY) == []
    assert journal[-1]["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert journal[-1]["query"] == {"nik": NOBODY}


async def test_an_xml_reply_with_a_dtd_is_a_reply_error(backends, http) -> None:
    built = adapter(product(land_certificates(backends.urls["bpn"])), http)
    with pytest.raises(AgencyReplyError, match="XML"):
        await built.fetch_product("land_certificates", "dtd")


async def test_an_xml_request_body_carries_the_key_escaped(backends, http) -> None:
    declaration = land_certificates(backends.urls["bpn"])
    declaration["fetch"]["request"] = {
        "method": "POST",
        "path": "/cari",
        "body": "<Cari><Nik>{key}</Nik></Cari>",
    }
    built = adapter(product(declaration), http)
    assert await built.fetch_product("land_certificates", "<&>") == []
    assert journal[-1]["body"] == b"<Cari><Nik>&lt;&amp;&gt;</Nik></Cari>"


async def test_a_mapping_that_explodes_on_a_real_reply_is_cut_off(backends, http) -> None:
    declaration = health_insurance(backends.urls["bpjs"])
    declaration["fetch"]["response"]["records"] = "response" + " | {a:@,b:@}" * 40
    built = adapter(product(declaration), http)
    with pytest.raises(MappingCutOff):
        await built.fetch_product("health_insurance", MEMBER)


async def test_one_citizens_oversized_record_fails_only_that_read(
    backends, http, monkeypatch
) -> None:
    """A cut-off depends on what one citizen holds, not on the agency: were it counted, a few
    reads of one estate owner's certificates would open the circuit for every citizen, and
    each would be retried at the same cost. (The clock is made generous, so that the size
    limit stops it however busy the machine.)"""
    monkeypatch.setattr("app.products.mapping.MAX_SECONDS", 60.0)
    declared = product(land_certificates(backends.urls["bpn"]))
    threshold = 3
    bus = on_bus(declared, http, failure_threshold=threshold, retry_ratio=10.0)
    assert (await read(bus, declared, OWNER_OF_ONE)).status is SourceStatus.OK  # earns retries
    errors = calls_counted("bpn_31", SourceStatus.ERROR)
    for _ in range(threshold + 2):
        journal.clear()
        cut = await read(bus, declared, ESTATE_OWNER)
        assert cut.status is SourceStatus.ERROR
        assert (
            cut.detail == f"`fetch.response.records`: mapping gave over {MAX_OUTPUT_NODES} values"
        )
        assert len(journal) == 1
    assert calls_counted("bpn_31", SourceStatus.ERROR) == errors + threshold + 2
    other = await read(bus, declared, OWNER_OF_TWO)
    assert other.status is SourceStatus.OK
    assert [record["number"] for record in other.value or []] == [
        "11.02.03.04.1.00077",
        "11.02.03.04.1.00078",
    ]


async def test_a_crashing_backend_still_opens_the_circuit(backends, http) -> None:
    """The agency failing (HTTP 500) is not what one citizen holds: it counts as before."""
    declared = product(health_insurance(backends.urls["bpjs"]))
    bus = on_bus(declared, http, failure_threshold=2, retry_ratio=0.0)
    for _ in range(2):
        assert (await read(bus, declared, "crash")).status is SourceStatus.ERROR
    refused = await read(bus, declared, MEMBER)
    assert refused.status is SourceStatus.UNAVAILABLE
    assert "circuit open" in str(refused.detail)


async def test_the_rules_of_one_reply_share_one_budget(backends, http, monkeypatch) -> None:
    """Each rule alone is within a mapping's budget; all of them on one reply are not, so a
    declaration's 32 rules cannot each spend a budget of their own on the event loop. (The
    clock is made generous, so that only the steps decide, however busy the machine.)"""
    monkeypatch.setattr("app.products.mapping.MAX_SECONDS", 60.0)
    rule = {"when": SCANS_HISTORY, "outcome": "error", "message": "'ada tunggakan'"}
    one_rule = health_insurance(backends.urls["bpjs"])
    one_rule["fetch"]["response"]["errors"] = [rule]
    record = await adapter(product(one_rule), http).fetch_product("health_insurance", LONG_HISTORY)
    assert record["nik"] == LONG_HISTORY

    three_rules = health_insurance(backends.urls["bpjs"])
    three_rules["fetch"]["response"]["errors"] = [rule] * 3
    built = adapter(product(three_rules), http)
    with pytest.raises(MappingCutOff, match=f"over {MAX_STEPS} steps"):
        await built.fetch_product("health_insurance", LONG_HISTORY)
    assert (await built.fetch_product("health_insurance", MEMBER))["nik"] == MEMBER


def basic_auth(declaration: dict[str, Any], username: str, password: dict[str, str]) -> None:
    declaration["sources"][0]["auth"] = {
        "type": "basic",
        "username": username,
        "password": password,
    }


async def test_basic_auth_sends_the_username_and_password(backends, http) -> None:
    declaration = health_insurance(backends.urls["bpjs"])
    basic_auth(declaration, BASIC_USER, {"secret_ref": "BPJS_PASSWORD"})
    built = adapter(product(declaration), http)
    assert (await built.fetch_product("health_insurance", MEMBER))["nik"] == MEMBER
    assert journal[-1]["headers"]["authorization"] == BASIC_HEADER
    assert "x-cons-id" not in journal[-1]["headers"]


@pytest.mark.parametrize(
    ("username", "password", "refusal"),
    [(BASIC_USER, "wrong", 401), (*AUDITOR, 403)],
    ids=["wrong password", "account not allowed"],
)
async def test_basic_credentials_the_backend_refuses_make_the_source_unavailable(
    backends, http, username: str, password: str, refusal: int
) -> None:
    declaration = health_insurance(backends.urls["bpjs"])
    basic_auth(declaration, username, {"value": password})
    declared = product(declaration)
    result = await read(on_bus(declared, http), declared, MEMBER)
    assert result.report().model_dump() == {
        "status": "unavailable",
        "latency_ms": result.latency_ms,
        "parts": ["health_insurance"],
        "detail": "agency refused the gateway's credentials (read)",
    }
    assert len(journal) == 1
    sent = base64.b64decode(journal[-1]["headers"]["authorization"].removeprefix("Basic "))
    assert sent.decode() == f"{username}:{password}"
    assert refusal in {401, 403}


async def test_complaints_are_filed_and_followed(backends, http) -> None:
    desk = adapter(product(health_insurance(backends.urls["bpjs"])), http)
    filing = ComplaintFiling(
        nik=MEMBER,
        subject="Kartu belum aktif",
        description="Sudah bayar iuran <3 bulan>",
        service=None,
        received_by="civil_registry",
    )
    ticket = await desk.file_complaint(filing, "ref-0001")
    assert ticket.startswith("LPR-")
    assert desk.complaint_topics == {"bpjs", "kartu kis"}
    assert orjson.loads(journal[-1]["body"]) == {
        "nik": MEMBER,
        "perihal": "Kartu belum aktif",
        "isi": "Sudah bayar iuran <3 bulan>",
        "layanan": None,
        "ref": "ref-0001",
    }
    progress = await desk.complaint_progress(ticket)
    assert (progress.ticket, progress.answered, progress.answer) == (ticket, True, "Sudah aktif")
    assert progress.answered_at == dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)
    with pytest.raises(AgencyNotFound):
        await desk.complaint_progress("LPR-9999")


async def test_a_good_declaration_passes_conformance(backends, http) -> None:
    empty = {"health_insurance": "not found", "land_certificates": "[]"}
    for declared in (
        product(health_insurance(backends.urls["bpjs"])),
        product(land_certificates(backends.urls["bpn"])),
    ):
        kind = declared_kind(declared, not_installed, SecretResolver(ENVIRONMENT))
        results = await check_declaration(declared, builder(kind, http))
        assert [(r.name, r.passed, r.detail) for r in results] == [
            (f"{declared.declaration.sources[0].agency.code}: {name}", True, "ok")
            for name in (
                "health",
                "found key gives records",
                f"missing key gives {empty[declared.name]}",
            )
        ]


async def test_a_mapping_that_does_not_match_the_backend_fails_conformance(backends, http) -> None:
    declaration = land_certificates(backends.urls["bpn"])
    declaration["fetch"]["response"]["records"] = "Hasil.Daftar.Certificate[].{number: Number}"
    declared = product(declaration)
    kind = declared_kind(declared, not_installed, SecretResolver(ENVIRONMENT))
    results = {r.name: r for r in await check_declaration(declared, builder(kind, http))}
    found = results["bpn_31: found key gives records"]
    assert not found.passed
    assert "needs a list of records" in found.detail
    assert results["bpn_31: health"].passed


async def test_a_not_found_signal_that_never_matches_fails_conformance(backends, http) -> None:
    declaration = health_insurance(backends.urls["bpjs"])
    declaration["fetch"]["response"]["not_found"] = {"status": [404]}
    declared = product(declaration)
    kind = declared_kind(declared, not_installed, SecretResolver(ENVIRONMENT))
    results = {r.name: r for r in await check_declaration(declared, builder(kind, http))}
    missing = results["bpjs_kesehatan: missing key gives not found"]
    assert not missing.passed
    assert "does not fit the product's schema" in missing.detail


def test_validation_tells_every_static_problem_with_its_field() -> None:
    declaration = health_insurance("http://127.0.0.1:9")
    declaration["fetch"]["request"]["path"] = "/peserta/{nik}"
    declaration["fetch"]["response"]["records"] = "response.{"
    declaration["complaints"]["answered"] = "data.[dijawab"
    declaration["schema"] = {"type": "object", "properties": {"a": {"type": "text"}}}
    issues = validate_declaration(ProductDeclaration.model_validate(declaration))
    assert {issue.field for issue in issues} == {
        "fetch.request.path",
        "fetch.response.records",
        "complaints.answered",
        "schema.properties.a.type",
    }


def test_a_good_declaration_has_no_static_problem() -> None:
    for declaration in (health_insurance("http://127.0.0.1:9"), land_certificates("http://x")):
        assert validate_declaration(ProductDeclaration.model_validate(declaration)) == []


class MembershipCode:
    """An installed Python adapter for the product, reading the JSON backend itself; `raw`
    returns the backend's own fields, which the product's schema does not allow."""

    name = "BPJS adapter package"
    level = AgencyLevel.CENTRAL
    capabilities = frozenset({"product:health_insurance"})
    services: tuple[ServiceStandard, ...] = ()
    conformance = ConformanceFixtures()

    def __init__(self, context: AdapterContext, raw: bool) -> None:
        self.code = context.code
        self._context = context
        self._raw = raw

    async def health(self) -> None:
        await self._context.http.get(f"{self._context.endpoint.base_url}/health")

    async def fetch_product(self, product: str, key: str) -> Any:
        reply = await self._context.http.get(
            f"{self._context.endpoint.base_url}/peserta/{key}", headers={"X-Cons-ID": API_KEY}
        )
        found = reply.json()["response"]["peserta"]
        if self._raw:
            return found
        return {
            "card_number": found["noKartu"],
            "nik": found["nik"],
            "class": int(found["kelas"]),
            "active": True,
            "since": found["tglTMT"],
        }


@pytest.mark.parametrize("raw", [False, True], ids=["fits", "does not fit"])
async def test_an_installed_adapter_is_checked_against_the_schema(backends, http, raw) -> None:
    declaration = health_insurance(backends.urls["bpjs"])
    declaration["fetch"] = {"adapter": "bpjs_package"}
    del declaration["complaints"]
    del declaration["complaint_topics"]
    package = AdapterKind("bpjs_package", lambda context: MembershipCode(context, raw), "1.0")
    kind = declared_kind(
        product(declaration),
        {"bpjs_package": package}.get,
        SecretResolver(ENVIRONMENT),
    )
    source = product(declaration).declaration.sources[0]
    built = builder(kind, http)(source)
    assert isinstance(built, ProductSource)
    assert not isinstance(built, ComplaintDesk)
    assert built.name == "BPJS Kesehatan"
    await built.health()
    if raw:
        with pytest.raises(AgencyReplyError, match="required property `card_number` is missing"):
            await built.fetch_product("health_insurance", MEMBER)
    else:
        assert (await built.fetch_product("health_insurance", MEMBER))["class"] == 1


async def test_an_adapter_kind_that_is_not_installed_fails_conformance(backends, http) -> None:
    declaration = health_insurance(backends.urls["bpjs"])
    declaration["fetch"] = {"adapter": "bpjs_package"}
    declared = product(declaration)
    kind = declared_kind(declared, not_installed, SecretResolver(ENVIRONMENT))
    [result] = await check_declaration(declared, builder(kind, http))
    assert (result.name, result.passed) == ("bpjs_kesehatan: adapter", False)
    assert "adapter kind bpjs_package is not installed" in result.detail


@pytest.mark.parametrize(("subject", "passes"), [("nik", True), ("card_number", False)])
async def test_records_of_a_product_not_keyed_by_nik_must_name_their_citizen(
    backends, http, subject, passes
) -> None:
    declaration = health_insurance(
        backends.urls["bpjs"],
        key={"kind": "own", "name": "member_key", "pattern": "^[0-9]{16}$"},
        subject=subject,
    )
    declared = product(declaration)
    kind = declared_kind(declared, not_installed, SecretResolver(ENVIRONMENT))
    results = {r.name: r for r in await check_declaration(declared, builder(kind, http))}
    found = results["bpjs_kesehatan: found key gives records"]
    assert found.passed is passes
    if not passes:
        assert found.detail == "record 0: `subject` does not give a 16-digit NIK"


@pytest.mark.parametrize("member", OTHER_SCRIPTS, ids=["arabic-indic digits", "fullwidth digits"])
async def test_a_subject_in_another_scripts_digits_fails_conformance_as_reads_refuse_it(
    backends, http, member
) -> None:
    """Conformance and reads take a subject as a NIK by the same check: a declaration whose
    records name their citizens in digits no read accepts is refused before it is stored, not
    admitted to answer every read with an error."""
    declaration = health_insurance(
        backends.urls["bpjs"],
        key={"kind": "own", "name": "member_key", "pattern": "^[0-9]{16}$"},
        subject="nik",
    )
    declaration["sources"][0]["fixtures"]["found"] = member
    declared = product(declaration)
    kind = declared_kind(declared, not_installed, SecretResolver(ENVIRONMENT))
    results = {r.name: r for r in await check_declaration(declared, builder(kind, http))}
    found = results["bpjs_kesehatan: found key gives records"]
    assert not found.passed
    assert found.detail == "record 0: `subject` does not give a 16-digit NIK"
    record = await adapter(declared, http).fetch_product("health_insurance", member)
    with pytest.raises(AgencyReplyError, match="`subject` gives no 16-digit NIK"):
        subject_of(declared, record, "record 0")


async def test_a_complaint_reply_a_mapping_fails_on_names_the_field_not_the_value(
    backends, http
) -> None:
    """What the courier records for a complaint, and any traceback of it, names the intake's
    field and never what the agency answered."""
    joined = health_insurance(backends.urls["bpjs"])
    joined["complaints"]["answer"] = "join(' ', data.jawaban)"
    with pytest.raises(AgencyReplyError) as answer:
        await adapter(product(joined), http).complaint_progress(MARKED_TICKET)
    desk = adapter(product(health_insurance(backends.urls["bpjs"])), http)
    with pytest.raises(AgencyReplyError) as answered_at:
        await desk.complaint_progress(MARKED_TICKET)

    assert str(answer.value) == (
        "`complaints.answer` failed on the reply: "
        "invalid type for function join: expected array-string, got string"
    )
    assert str(answered_at.value) == "`complaints.answered_at` did not give an ISO 8601 time"
    for failure in (answer.value, answered_at.value):
        assert MARKER not in "".join(traceback.format_exception(failure))
