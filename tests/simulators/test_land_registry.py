"""BPN's land offices over real HTTP: XML certificates per regency, the bearer token, the XML
complaint desk, and the `land_certificates` declaration's expressions on their real replies."""

import datetime as dt
import re
import secrets
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element

import httpx
import jmespath
import pytest
from defusedxml.ElementTree import fromstring

from app.products.declaration import DeclaredFetch
from simulators.faults import FaultSettings
from simulators.land_registry.app import create_app
from simulators.land_registry.parcels import LandRegister
from simulators.stack import declaration_for, plan
from simulators.world import World
from tests.simulators import declared
from tests.socket_agencies import SocketAgencies

TOKEN = secrets.token_urlsafe(24)
JAKARTA_SELATAN, BANDUNG = "3174", "3273"
TWO_OFFICES = "3174101704820001"
BANDUNG_OWNER = "3273064811790001"
NOBODY = "3471073006980001"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def live(world: World) -> Iterator[SocketAgencies]:
    factories = {"bpn": lambda: create_app(world, faults=FaultSettings, token=TOKEN)}
    with SocketAgencies(factories) as started:
        yield started


@pytest.fixture
def bpn(live: SocketAgencies) -> Iterator[httpx.Client]:
    """A caller with the token; the faults and pace it changes at either office are reset."""
    with httpx.Client(base_url=live.urls["bpn"], headers=AUTH, timeout=5) as client:
        yield client
        for office in (JAKARTA_SELATAN, BANDUNG):
            client.delete(f"/kantah/{office}/_control/faults").raise_for_status()


def _xml(reply: httpx.Response) -> Element:
    assert reply.headers["content-type"] == "application/xml"
    root: Element = fromstring(reply.content)
    assert root.tag == "respon"
    return root


def _certificates(client: httpx.Client, office: str, nik: str) -> httpx.Response:
    return client.get(f"/kantah/{office}/api/sertipikat", params={"nik": nik})


def _filing(reference: str, nik: str = TWO_OFFICES) -> str:
    return (
        f"<pengaduan><nik>{nik}</nik><perihal>Sertipikat ganda</perihal>"
        "<uraian>Bidang saya tercatat dua kali</uraian>"
        f"<noReferensi>{reference}</noReferensi></pengaduan>"
    )


def test_an_owner_gets_the_certificates_in_xml(bpn: httpx.Client, world: World) -> None:
    root = _xml(_certificates(bpn, JAKARTA_SELATAN, TWO_OFFICES))

    assert root.findtext("kode") == "00"
    assert root.findtext("jumlahData") == "1"
    [certificate] = root.findall("daftarSertipikat/sertipikat")
    village = certificate.find("letakTanah/desa")
    assert village is not None
    code = village.get("kode", "")
    assert code == world.citizens[TWO_OFFICES].address.village.village_code
    dotted = f"{code[:2]}.{code[2:4]}.{code[4:6]}.{code[8:10]}.1."
    assert (certificate.findtext("nomorHak") or "").startswith(dotted)
    assert re.fullmatch(rf"{code[:6]}{code[7:]}[0-9]{{5}}", certificate.findtext("nib") or "")
    rights = certificate.find("jenisHak")
    assert rights is not None
    assert (rights.get("kode"), rights.text) == ("HM", "HAK MILIK")
    area = certificate.find("luas")
    assert area is not None
    assert (area.get("satuan"), area.text) == ("m2", "240")
    assert certificate.findtext("tanggalTerbit") == "2011-03-14"
    assert certificate.findtext("berakhirHak") == ""
    assert certificate.findtext("pemegangHak/nik") == TWO_OFFICES
    assert certificate.findtext("pemegangHak/nama") == world.citizens[TWO_OFFICES].name


def test_each_office_holds_only_its_regency(bpn: httpx.Client, world: World) -> None:
    bandung = _xml(_certificates(bpn, BANDUNG, TWO_OFFICES))
    elsewhere = _xml(_certificates(bpn, JAKARTA_SELATAN, BANDUNG_OWNER))

    [building] = bandung.findall("daftarSertipikat/sertipikat")
    assert building.findtext("letakTanah/kabupatenKota") == "KOTA BANDUNG"
    assert building.findtext("nomorHak", "").startswith("32.73.")
    assert building.findtext("berakhirHak") == "2046-08-02"
    assert elsewhere.findtext("kode") == "01"
    register = LandRegister(world)
    for office, holders in register.by_office.items():
        for held in holders.values():
            assert {c.village.regency_code for c in held} == {office}


def test_nothing_held_is_kode_01_and_a_bad_nik_is_a_400(bpn: httpx.Client) -> None:
    nothing = _certificates(bpn, JAKARTA_SELATAN, NOBODY)
    malformed = _certificates(bpn, JAKARTA_SELATAN, "31741017048200")
    missing = bpn.get(f"/kantah/{JAKARTA_SELATAN}/api/sertipikat")

    assert nothing.status_code == 200
    assert (_xml(nothing).findtext("kode"), _xml(nothing).findtext("pesan")) == (
        "01",
        "DATA TIDAK DITEMUKAN",
    )
    assert malformed.status_code == missing.status_code == 400
    assert _xml(malformed).findtext("kode") == "10"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}],
)
def test_a_caller_without_the_token_gets_a_401(
    live: SocketAgencies, headers: dict[str, str]
) -> None:
    base = f"{live.urls['bpn']}/kantah/{JAKARTA_SELATAN}/api"
    for reply in (
        httpx.get(f"{base}/sertipikat", params={"nik": TWO_OFFICES}, headers=headers),
        httpx.post(f"{base}/pengaduan", content=_filing("no-token"), headers=headers),
        httpx.get(f"{base}/pengaduan/KANTAH3174-ADU-20260101-000001", headers=headers),
    ):
        assert reply.status_code == 401
        assert reply.headers["www-authenticate"] == 'Bearer realm="kantah-3174"'
        assert _xml(reply).findtext("kode") == "41"
        assert TWO_OFFICES not in reply.text


def test_offices_started_without_a_token_accept_nobody(world: World) -> None:
    factories = {"bpn": lambda: create_app(world, [BANDUNG], FaultSettings, token="")}
    with SocketAgencies(factories) as started:
        reply = httpx.get(
            f"{started.urls['bpn']}/kantah/{BANDUNG}/api/sertipikat",
            params={"nik": BANDUNG_OWNER},
            headers={"Authorization": "Bearer"},
        )

    assert reply.status_code == 401


def test_every_office_has_its_health_and_its_own_faults(bpn: httpx.Client) -> None:
    bpn.put(f"/kantah/{JAKARTA_SELATAN}/_control/faults", json={"down": True}).raise_for_status()
    down = _certificates(bpn, JAKARTA_SELATAN, TWO_OFFICES)
    up = _certificates(bpn, BANDUNG, TWO_OFFICES)
    health = _xml(bpn.get(f"/kantah/{BANDUNG}/api/status", headers={"Authorization": ""}))
    no_office = bpn.get("/kantah/9999/api/status")

    assert down.status_code == 503
    assert "pemeliharaan" in down.text
    assert up.status_code == 200
    office = health.find("kantor")
    assert office is not None
    assert (office.get("kode"), office.text) == (BANDUNG, "Kantor Pertanahan Kota Bandung")
    assert no_office.status_code == 404


def test_a_complaint_in_xml_is_filed_once_per_reference(bpn: httpx.Client) -> None:
    office = f"/kantah/{JAKARTA_SELATAN}"
    bpn.put(f"{office}/_control/faults", json={"complaint_answer_seconds": 3600})
    bpn.delete(f"{office}/_control/requests").raise_for_status()
    first = bpn.post(f"{office}/api/pengaduan", content=_filing("bpn-ref-1"))
    again = bpn.post(f"{office}/api/pengaduan", content=_filing("bpn-ref-1"))
    elsewhere = bpn.post(f"/kantah/{BANDUNG}/api/pengaduan", content=_filing("bpn-ref-1"))

    ticket = _xml(first).findtext("noTiket") or ""
    assert _xml(first).findtext("kode") == "00"
    assert ticket.startswith("KANTAH3174-ADU-")
    assert again.content == first.content
    assert (_xml(elsewhere).findtext("noTiket") or "").startswith("KANTAH3273-ADU-")
    assert [e["replayed"] for e in bpn.get(f"{office}/_control/requests").json()] == [
        False,
        True,
    ]
    waiting = _xml(bpn.get(f"{office}/api/pengaduan/{ticket}"))
    assert waiting.findtext("pengaduan/status") == "DIPROSES"
    assert waiting.findtext("pengaduan/tanggapan") == ""

    bpn.put(f"{office}/_control/faults", json={"complaint_answer_seconds": 0})
    done = _xml(bpn.get(f"{office}/api/pengaduan/{ticket}"))
    assert done.findtext("pengaduan/status") == "SELESAI"
    assert "Kantor Pertanahan Kota Administrasi Jakarta Selatan" in (
        done.findtext("pengaduan/tanggapan") or ""
    )
    answered_at = dt.datetime.fromisoformat(done.findtext("pengaduan/tanggalTanggapan") or "")
    assert answered_at.utcoffset() == dt.timedelta(hours=7)


def test_the_complaint_desk_refuses_what_it_cannot_read(bpn: httpx.Client) -> None:
    desk = f"/kantah/{JAKARTA_SELATAN}/api/pengaduan"
    entities = (
        '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<pengaduan><nik>3174101704820001</nik><perihal>&b;</perihal>"
        "<uraian>x</uraian><noReferensi>bpn-entities</noReferensi></pengaduan>"
    )
    not_xml = bpn.post(desk, content=b'{"nik": "3174101704820001"}')
    no_reference = bpn.post(desk, content=_filing("").replace("<noReferensi></noReferensi>", ""))
    expanded = bpn.post(desk, content=entities)
    bad_nik = bpn.post(desk, content=_filing("bpn-ref-bad-nik", nik="12"))
    unknown = bpn.get(f"{desk}/KANTAH3174-ADU-20200101-999999")

    assert not_xml.status_code == no_reference.status_code == expanded.status_code == 400
    assert _xml(no_reference).findtext("kode") == "99"
    assert _xml(bad_nik).findtext("kode") == "10"
    assert unknown.status_code == 200
    assert _xml(unknown).findtext("kode") == "01"


def test_the_declaration_validates_and_its_expressions_compile() -> None:
    declaration = declared.load("land_certificates")

    assert [s.agency.jurisdiction for s in declaration.sources] == [["3174"], ["3273"]]
    for expression in declared.expressions(declaration):
        jmespath.compile(expression)


def _records(
    client: httpx.Client, office: str, nik: str
) -> tuple[httpx.Response, Any, list[dict[str, Any]] | None]:
    declaration = declared.load("land_certificates")
    fetch = declaration.fetch
    assert isinstance(fetch, DeclaredFetch)
    request = fetch.request
    query = {name: value.replace("{key}", nik) for name, value in request.query.items()}
    reply = client.get(f"/kantah/{office}{request.path}", params=query, headers=request.headers)
    mapping = fetch.response
    body = declared.read(reply.content, True, mapping.xml_force_list)
    assert mapping.not_found.when is not None
    if declared.search(mapping.not_found.when, body):
        return reply, body, None
    return reply, body, declared.search(mapping.records, body)


def test_the_declaration_reads_the_live_replies(bpn: httpx.Client, world: World) -> None:
    declaration = declared.load("land_certificates")
    jakarta = _records(bpn, JAKARTA_SELATAN, TWO_OFFICES)[2]
    bandung = _records(bpn, BANDUNG, TWO_OFFICES)[2]
    two = _records(bpn, BANDUNG, BANDUNG_OWNER)[2]
    nothing = _records(bpn, JAKARTA_SELATAN, NOBODY)[2]

    assert jakarta is not None
    assert bandung is not None
    assert two is not None
    assert nothing is None
    for record in [*jakarta, *bandung, *two]:
        assert declared.schema_errors(declaration, record) == []
    village = world.citizens[TWO_OFFICES].address.village
    assert jakarta == [
        {
            "certificate_number": jakarta[0]["certificate_number"],
            "right_type": "right_of_ownership",
            "parcel_id": jakarta[0]["parcel_id"],
            "area_m2": 240,
            "village": {"code": village.village_code, "name": village.village_name.upper()},
            "registered_on": "2011-03-14",
            "expires_on": None,
            "holder": {"nik": TWO_OFFICES, "name": world.citizens[TWO_OFFICES].name},
        }
    ]
    assert [(r["right_type"], r["expires_on"]) for r in bandung] == [
        ("right_to_build", "2046-08-02")
    ]
    assert [r["right_type"] for r in two] == ["right_of_ownership", "right_to_build"]


def test_every_certificate_maps_to_a_record_the_schema_accepts(world: World) -> None:
    declaration = declared.load("land_certificates")
    fetch = declaration.fetch
    assert isinstance(fetch, DeclaredFetch)
    register = LandRegister(world)

    records = [
        record
        for body in register.bodies.values()
        for record in declared.search(
            fetch.response.records,
            declared.read(body, True, fetch.response.xml_force_list),
        )
    ]

    assert len(records) > 100
    assert all(declared.schema_errors(declaration, record) == [] for record in records)
    assert {r["right_type"] for r in records} == {
        "right_of_ownership",
        "right_to_build",
        "right_of_use",
    }


def test_the_declaration_sorts_refusals_and_failures(live: SocketAgencies) -> None:
    declaration = declared.load("land_certificates")
    fetch = declaration.fetch
    assert isinstance(fetch, DeclaredFetch)
    base = f"{live.urls['bpn']}/kantah/{JAKARTA_SELATAN}/api/sertipikat"
    cases = {
        "unavailable": httpx.get(base, params={"nik": TWO_OFFICES}),
        "refused": httpx.get(base, params={"nik": "12"}, headers=AUTH),
    }

    for outcome, reply in cases.items():
        body = declared.read(reply.content, True, fetch.response.xml_force_list)
        rule = next(r for r in fetch.response.errors if reply.status_code in r.status)
        assert rule.outcome.value == outcome
        assert declared.search(rule.message or "", body) == body["respon"]["pesan"]


def test_the_declared_complaint_intake_works_against_the_desk(bpn: httpx.Client) -> None:
    intake = declared.load("land_certificates").complaints
    assert intake is not None
    assert isinstance(intake.file.body, str)
    values = {
        "nik": TWO_OFFICES,
        "subject": "Batas bidang <tidak> sesuai & tumpang tindih",
        "description": "Mohon pengukuran ulang",
        "service": "land-certificate-check",
        "received_by": None,
        "reference": "bpn-declared-1",
    }
    office = f"/kantah/{BANDUNG}"
    body = declared.fill(intake.file.body, values, xml=True)

    filed = bpn.post(f"{office}{intake.file.path}", content=body, headers=intake.file.headers)
    read = declared.read(filed.content, True, intake.xml_force_list)
    ticket = declared.search(intake.ticket, read)
    progress = intake.progress.path.replace("{ticket}", ticket)
    waiting = declared.read(bpn.get(f"{office}{progress}").content, True, [])
    bpn.put(f"{office}/_control/faults", json={"complaint_answer_seconds": 0})
    answered = declared.read(bpn.get(f"{office}{progress}").content, True, [])
    unknown = declared.read(bpn.get(f"{office}/api/pengaduan/nope").content, True, [])

    assert ticket.startswith("KANTAH3273-ADU-")
    assert declared.search(intake.answered, waiting) is False
    assert declared.search(intake.answered, answered) is True
    assert intake.answer is not None
    assert "BATAS BIDANG <TIDAK> SESUAI & TUMPANG TINDIH" in declared.search(
        intake.answer, answered
    )
    assert intake.answered_at is not None
    assert dt.datetime.fromisoformat(declared.search(intake.answered_at, answered))
    assert intake.not_found.when is not None
    assert declared.search(intake.not_found.when, unknown) is True


def test_the_stack_points_a_declaration_at_its_running_simulators(tmp_path: Any) -> None:
    stack = plan(
        f"sqlite+aiosqlite:///{tmp_path}/gateway.db",
        agency_ports={},
        product_ports={"bpjs_kesehatan": 18110, "land_registry": 18111},
    )

    land = declaration_for("land_certificates", stack)
    health = declaration_for("health_insurance", stack)

    assert [s["base_url"] for s in land["sources"]] == [
        "http://127.0.0.1:18111/kantah/3174",
        "http://127.0.0.1:18111/kantah/3273",
    ]
    assert health["sources"][0]["base_url"] == "http://127.0.0.1:18110/vclaim-rest"
    gateway = stack.gateway.env
    for host, variable in (
        ("bpjs_kesehatan", "SATUPINTU_AGENCY_SECRET_BPJS_CONS_KEY"),
        ("land_registry", "SATUPINTU_AGENCY_SECRET_BPN_TOKEN"),
    ):
        key = stack.products[host].env["SIM_API_KEY"]
        assert len(key) >= 32
        assert gateway[variable] == key
