"""BPJS Kesehatan's VClaim simulator over real HTTP: memberships, the consumer key, the
complaint desk, and the `health_insurance` declaration's expressions on its real replies."""

import datetime as dt
import json
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import jmespath
import pytest

from app.products.declaration import DeclaredFetch
from simulators.bpjs_kesehatan.app import create_app
from simulators.bpjs_kesehatan.members import MemberRegister, member_niks
from simulators.faults import FaultSettings
from simulators.world import World
from tests.simulators import declared
from tests.socket_agencies import SocketAgencies

KEY = secrets.token_urlsafe(24)
FAMILY_HEAD = "3374091203840001"
NOBODY = "3471073006980001"
SUSPENDED = "3174101704820001"
DECEASED = "3578051402480001"


@pytest.fixture(scope="module")
def live(world: World) -> Iterator[SocketAgencies]:
    factories = {"bpjs": lambda: create_app(world, FaultSettings(), api_key=KEY)}
    with SocketAgencies(factories) as started:
        yield started


@pytest.fixture
def vclaim(live: SocketAgencies) -> Iterator[httpx.Client]:
    """A consumer with the right key; the faults and pace it changes are reset after."""
    base = live.urls["bpjs"]
    with httpx.Client(base_url=base, headers={"X-Cons-Key": KEY}, timeout=5) as client:
        yield client
        client.delete("/_control/faults").raise_for_status()


def _member(client: httpx.Client, nik: str) -> dict[str, Any]:
    reply = client.get(f"/vclaim-rest/peserta/nik/{nik}")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/json"
    body: dict[str, Any] = reply.json()
    return body


def _file(client: httpx.Client, reference: str, nik: str = FAMILY_HEAD) -> httpx.Response:
    filing = {"nik": nik, "perihal": "Kartu KIS hilang", "uraian": "Mohon cetak ulang kartu"}
    body = {"request": {"t_pengaduan": {**filing, "noReferensi": reference}}}
    return client.post("/vclaim-rest/pengaduan", json=body)


def test_a_member_is_answered_in_the_vclaim_envelope(vclaim: httpx.Client, world: World) -> None:
    body = _member(vclaim, FAMILY_HEAD)

    assert body["metaData"] == {"code": "200", "message": "OK"}
    peserta = body["response"]["peserta"]
    assert peserta["noKartu"] == "0001234567890"
    assert peserta["nik"] == FAMILY_HEAD
    assert peserta["nama"] == world.citizens[FAMILY_HEAD].name
    assert peserta["statusPeserta"] == {"kode": "0", "keterangan": "AKTIF"}
    assert peserta["hakKelas"] == {"kode": "3", "keterangan": "KELAS III"}
    assert peserta["jenisPeserta"] == {"kode": "21", "keterangan": "PBI (APBN)"}
    assert dt.date.fromisoformat(peserta["tglTAT"]) > world.reference_date
    assert peserta["provUmum"]["nmProvider"].startswith("PUSKESMAS ")


def test_a_household_shares_its_segment_and_class(vclaim: httpx.Client, world: World) -> None:
    family = world.families[world.citizens[FAMILY_HEAD].no_kk]
    members = [_member(vclaim, nik)["response"]["peserta"] for nik in family.member_niks]

    assert len(members) == 4
    assert {(m["jenisPeserta"]["kode"], m["hakKelas"]["kode"]) for m in members} == {("21", "3")}
    assert len({m["noKartu"] for m in members}) == 4
    assert [m["pisa"] for m in members] == ["1", "2", "3", "3"]


def test_suspended_and_deceased_members_say_since_when(vclaim: httpx.Client, world: World) -> None:
    suspended = _member(vclaim, SUSPENDED)["response"]["peserta"]
    deceased = _member(vclaim, DECEASED)["response"]["peserta"]

    assert suspended["statusPeserta"] == {"kode": "7", "keterangan": "NON AKTIF KARENA PREMI"}
    assert dt.date.fromisoformat(suspended["tglTAT"]) < world.reference_date
    assert deceased["statusPeserta"] == {"kode": "1", "keterangan": "MENINGGAL"}
    assert deceased["tglTAT"] == str(world.citizens[DECEASED].death_date)


def test_not_a_member_and_a_malformed_nik_are_codes_inside_http_200(
    vclaim: httpx.Client,
) -> None:
    nobody = _member(vclaim, NOBODY)
    malformed = _member(vclaim, "33740912038400")

    assert nobody == {
        "metaData": {"code": "201", "message": "Peserta tidak ditemukan"},
        "response": None,
    }
    assert malformed["metaData"]["code"] == "201"
    assert "16 digit" in malformed["metaData"]["message"]


@pytest.mark.parametrize("headers", [{}, {"X-Cons-Key": "not-the-key"}, {"X-Cons-Key": ""}])
def test_a_consumer_without_the_key_learns_nothing(
    live: SocketAgencies, headers: dict[str, str]
) -> None:
    for path in (f"/vclaim-rest/peserta/nik/{FAMILY_HEAD}", "/vclaim-rest/pengaduan/X"):
        reply = httpx.get(live.urls["bpjs"] + path, headers=headers, timeout=5)

        assert reply.status_code == 200
        assert reply.json()["metaData"]["code"] == "401"
        assert reply.json()["response"] is None


def test_a_simulator_started_without_a_key_accepts_nobody(world: World) -> None:
    with SocketAgencies({"bpjs": lambda: create_app(world, FaultSettings(), api_key="")}) as s:
        reply = httpx.get(
            f"{s.urls['bpjs']}/vclaim-rest/peserta/nik/{FAMILY_HEAD}",
            headers={"X-Cons-Key": ""},
            timeout=5,
        )

    assert reply.json()["metaData"]["code"] == "401"


def test_almost_everyone_is_enrolled_with_a_card_of_their_own(world: World) -> None:
    register = MemberRegister(world)
    cards = [p["noKartu"] for p in register.peserta.values()]

    assert 0.85 * len(world.citizens) < len(cards) < len(world.citizens)
    assert len(set(cards)) == len(cards)
    assert all(len(card) == 13 and card.isdigit() for card in cards)
    assert NOBODY not in register.peserta
    for nik, peserta in register.peserta.items():
        alive = world.citizens[nik].alive
        assert (peserta["statusPeserta"]["kode"] == "1") is not alive


def test_the_member_niks_a_benchmark_asks_for_are_all_found(
    vclaim: httpx.Client, world: World
) -> None:
    niks = member_niks(world)

    assert NOBODY not in niks
    assert {_member(vclaim, nik)["metaData"]["code"] for nik in niks[::50]} == {"200"}


def test_the_status_endpoint_says_online(vclaim: httpx.Client) -> None:
    body = vclaim.get("/vclaim-rest/status").json()

    assert body["metaData"]["code"] == "200"
    assert body["response"]["status"] == "ONLINE"


def test_a_complaint_is_filed_once_per_reference_and_answered_later(
    vclaim: httpx.Client,
) -> None:
    vclaim.put("/_control/faults", json={"complaint_answer_seconds": 3600}).raise_for_status()
    vclaim.delete("/_control/requests").raise_for_status()
    first = _file(vclaim, "sp-ref-1")
    again = _file(vclaim, "sp-ref-1")
    other = _file(vclaim, "sp-ref-2")

    ticket = first.json()["response"]["noTiket"]
    assert first.json()["metaData"]["code"] == "200"
    assert again.content == first.content
    assert other.json()["response"]["noTiket"] != ticket
    assert [e["replayed"] for e in vclaim.get("/_control/requests").json()] == [
        False,
        True,
        False,
    ]
    waiting = vclaim.get(f"/vclaim-rest/pengaduan/{ticket}").json()["response"]["pengaduan"]
    assert waiting["status"] == {"kode": "1", "keterangan": "DALAM PROSES"}
    assert waiting["tanggapan"] is None
    assert waiting["tglTanggapan"] is None

    vclaim.put("/_control/faults", json={"complaint_answer_seconds": 0}).raise_for_status()
    done = vclaim.get(f"/vclaim-rest/pengaduan/{ticket}").json()["response"]["pengaduan"]
    assert done["status"] == {"kode": "2", "keterangan": "SELESAI"}
    assert "BPJS Kesehatan" in done["tanggapan"]
    answered_at = dt.datetime.fromisoformat(done["tglTanggapan"])
    assert answered_at.utcoffset() == dt.timedelta(hours=7)


def test_complaints_refuse_what_they_cannot_take(vclaim: httpx.Client) -> None:
    missing_reference = vclaim.post(
        "/vclaim-rest/pengaduan",
        json={"request": {"t_pengaduan": {"nik": FAMILY_HEAD, "perihal": "a", "uraian": "b"}}},
    )
    unwrapped = vclaim.post("/vclaim-rest/pengaduan", content=b"nik=1")
    bad_nik = _file(vclaim, "sp-ref-bad-nik", nik="12345")
    unknown = vclaim.get("/vclaim-rest/pengaduan/BPJSKES-ADU-20200101-999999")

    assert missing_reference.status_code == unwrapped.status_code == 400
    assert missing_reference.json()["metaData"]["code"] == "400"
    assert bad_nik.json() == {
        "metaData": {"code": "201", "message": "NIK tidak valid"},
        "response": None,
    }
    assert unknown.json()["metaData"] == {
        "code": "201",
        "message": "Data pengaduan tidak ditemukan",
    }


def test_faults_look_like_vclaim_breaking(vclaim: httpx.Client) -> None:
    vclaim.put("/_control/faults", json={"down": True}).raise_for_status()
    down = vclaim.get(f"/vclaim-rest/peserta/nik/{FAMILY_HEAD}")
    vclaim.put("/_control/faults", json={"down": False, "error_rate": 1.0}).raise_for_status()
    broken = vclaim.get(f"/vclaim-rest/peserta/nik/{FAMILY_HEAD}")

    assert down.status_code == 503
    assert "pemeliharaan" in down.text
    assert broken.status_code == 500
    assert broken.json()["metaData"]["code"] == "500"


def test_the_declaration_validates_and_its_expressions_compile() -> None:
    declaration = declared.load("health_insurance")

    assert declaration.kind == "declared:health_insurance"
    assert [s.agency.code for s in declaration.sources] == ["bpjs_kesehatan"]
    for expression in declared.expressions(declaration):
        jmespath.compile(expression)


def test_the_declaration_reads_the_live_replies(vclaim: httpx.Client, world: World) -> None:
    declaration = declared.load("health_insurance")
    fetch = declaration.fetch
    assert isinstance(fetch, DeclaredFetch)
    mapping = fetch.response

    def reply(nik: str) -> Any:
        path = fetch.request.path.replace("{key}", nik)
        return vclaim.get(f"/vclaim-rest{path}", headers=fetch.request.headers).json()

    found, missing = (reply(nik) for nik in (FAMILY_HEAD, NOBODY))
    record = declared.search(mapping.records, found)
    assert mapping.not_found.when is not None
    assert declared.search(mapping.not_found.when, missing) is True
    assert declared.search(mapping.not_found.when, found) is False
    assert declared.schema_errors(declaration, record) == []
    assert record == {
        "card_number": "0001234567890",
        "program": "JKN-KIS",
        "status": "active",
        "care_class": 3,
        "participant_type": "pbi_apbn",
        "valid_from": found["response"]["peserta"]["tglTMT"],
        "valid_until": found["response"]["peserta"]["tglTAT"],
        "primary_care_provider": {"code": "3374P009", "name": "PUSKESMAS GAJAHMUNGKUR"},
    }
    statuses = {
        declared.search(mapping.records, reply(nik))["status"]
        for nik in (SUSPENDED, DECEASED, "1471104508900001")
    }
    assert statuses == {"suspended", "deceased", "active"}


def test_every_member_maps_to_a_record_the_schema_accepts(world: World) -> None:
    declaration = declared.load("health_insurance")
    fetch = declaration.fetch
    assert isinstance(fetch, DeclaredFetch)
    register = MemberRegister(world)

    records = [
        declared.search(fetch.response.records, json.loads(b)) for b in register.bodies.values()
    ]

    assert all(declared.schema_errors(declaration, record) == [] for record in records)
    assert {r["participant_type"] for r in records} == {
        "wage_earner",
        "non_wage_earner",
        "non_worker",
        "pbi_apbn",
        "pbi_apbd",
    }
    assert {r["status"] for r in records} == {"active", "inactive", "suspended", "deceased"}


def test_the_declaration_sorts_refusals_and_failures(live: SocketAgencies) -> None:
    declaration = declared.load("health_insurance")
    fetch = declaration.fetch
    assert isinstance(fetch, DeclaredFetch)
    refused = httpx.get(
        f"{live.urls['bpjs']}/vclaim-rest/peserta/nik/{FAMILY_HEAD}", timeout=5
    ).json()

    matched = [
        rule
        for rule in fetch.response.errors
        if rule.when is not None and declared.search(rule.when, refused)
    ]

    assert [rule.outcome.value for rule in matched][:1] == ["unavailable"]
    assert declared.search(matched[0].message or "", refused).startswith("Authentication")
    assert fetch.response.not_found.when is not None
    assert not declared.search(fetch.response.not_found.when, refused)


def test_the_declared_complaint_intake_works_against_the_desk(vclaim: httpx.Client) -> None:
    declaration = declared.load("health_insurance")
    intake = declaration.complaints
    assert intake is not None
    values = {
        "nik": FAMILY_HEAD,
        "subject": "Faskes menolak kartu",
        "description": "Kartu KIS aktif tetapi ditolak di puskesmas",
        "service": None,
        "received_by": "civil_registry",
        "reference": "sp-declared-1",
    }
    body = declared.fill(intake.file.body, values)

    filed = vclaim.post(f"/vclaim-rest{intake.file.path}", json=body).json()
    ticket = declared.search(intake.ticket, filed)
    progress = vclaim.get(f"/vclaim-rest{intake.progress.path.replace('{ticket}', ticket)}")
    vclaim.put("/_control/faults", json={"complaint_answer_seconds": 0}).raise_for_status()
    answered = vclaim.get(f"/vclaim-rest/pengaduan/{ticket}").json()
    unknown = vclaim.get("/vclaim-rest/pengaduan/nope").json()

    assert ticket.startswith("BPJSKES-ADU-")
    assert declared.search(intake.answered, progress.json()) is False
    assert declared.search(intake.answered, answered) is True
    assert intake.answer is not None
    assert intake.answered_at is not None
    assert "ditindaklanjuti" in declared.search(intake.answer, answered)
    assert dt.datetime.fromisoformat(declared.search(intake.answered_at, answered))
    assert intake.not_found.when is not None
    assert declared.search(intake.not_found.when, unknown) is True
