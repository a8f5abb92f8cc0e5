import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from simulators.faults import FaultSettings
from simulators.investment_licensing.app import create_app
from simulators.world import World

NEW_VILLAGE = "3174101004"


class Stopwatch:
    """A monotonic clock the test moves by hand, so verification needs no sleeping."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def stopwatch() -> Stopwatch:
    return Stopwatch()


@pytest.fixture
async def oss(world: World, stopwatch: Stopwatch) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(world, FaultSettings(), clock=stopwatch)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://oss.test"
    ) as client:
        yield client


def _application(nik: str, name: str, kbli: list[str], ref: str = "mohon-1") -> dict[str, Any]:
    return {
        "referensi": ref,
        "nik_pemilik": nik,
        "nama_usaha": name,
        "jenis_pelaku_usaha": "UMK_PERORANGAN",
        "alamat_usaha": {"alamat": "Jl. Ciledug Raya No. 7", "kd_kel": NEW_VILLAGE},
        "kbli": kbli,
    }


async def _apply(oss: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await oss.post("/oss/v2/permohonan", json=body)


async def _status(oss: httpx.AsyncClient, number: str) -> dict[str, Any]:
    response = await oss.get(f"/oss/v2/permohonan/{number}")
    assert response.status_code == 200
    data: dict[str, Any] = response.json()["data"]
    return data


async def _owned(oss: httpx.AsyncClient, nik: str) -> list[dict[str, Any]]:
    response = await oss.get("/oss/v2/pelaku-usaha", params={"nik_pemilik": nik})
    items: list[dict[str, Any]] = response.json()["data"]["items"]
    return items


async def test_low_risk_business_is_licensed_at_once(oss: httpx.AsyncClient, world: World) -> None:
    nik = world.personas["nothing"].nik
    response = await _apply(oss, _application(nik, "Warung Makan Bu Sri", ["56102"]))
    assert response.status_code == 201
    body = response.json()
    assert (body["responCode"], body["responMessage"]) == (201, "Permohonan diterima")
    data = body["data"]
    assert set(data) == {"id_permohonan", "status", "nib", "kd_resiko", "tgl_terbit_nib", "izin"}
    assert data["izin"] == {
        "jenis_izin": None,
        "nomor": None,
        "status": "TIDAK_DIPERLUKAN",
        "fiktif_positif": False,
        "tgl_keputusan": data["tgl_terbit_nib"],
        "alasan_penolakan": None,
        "batas_waktu_verifikasi": None,
    }
    assert re.fullmatch(r"PMH-.+", data["id_permohonan"])
    assert (data["status"], data["kd_resiko"]) == ("TERBIT", "R")
    assert re.fullmatch(r"[0-9]{13}", data["nib"])
    [usaha] = await _owned(oss, nik)
    assert usaha["nib"] == data["nib"]
    assert usaha["nama_usaha"] == "WARUNG MAKAN BU SRI"
    assert (usaha["jenis_pelaku_usaha"], usaha["npwp"]) == ("UMK_PERORANGAN", None)
    assert usaha["alamat_usaha"] == {
        "alamat": "JL. CILEDUG RAYA NO. 7",
        "kd_prop": "31",
        "kd_kab": "3174",
        "kd_kec": "317410",
        "kd_kel": NEW_VILLAGE,
    }
    [activity] = usaha["kbli"]
    assert [(p["jenis_izin"], p["status"]) for p in activity["perizinan"]] == [("NIB", "TERBIT")]
    by_nib = await oss.get(f"/oss/v2/nib/{data['nib']}")
    assert by_nib.json()["data"] == usaha
    status = await _status(oss, data["id_permohonan"])
    assert status == {
        **data,
        "alasan_penolakan": None,
        "tgl_keputusan": usaha["tgl_terbit_nib"],
    }


async def test_medium_low_risk_gets_its_standard_certificate(
    oss: httpx.AsyncClient, world: World
) -> None:
    nik = world.personas["nothing"].nik
    data = (await _apply(oss, _application(nik, "Resto", ["56102", "56101"]))).json()["data"]
    assert (data["status"], data["kd_resiko"]) == ("TERBIT", "MR")
    [usaha] = await _owned(oss, nik)
    permits = {
        k["kode_kbli"]: [(p["jenis_izin"], p["status"]) for p in k["perizinan"]]
        for k in usaha["kbli"]
    }
    assert permits == {
        "56102": [("NIB", "TERBIT")],
        "56101": [("NIB", "TERBIT"), ("SERTIFIKAT_STANDAR", "TERBIT")],
    }


async def test_high_risk_gets_its_nib_at_once_and_its_licence_after_verification(
    oss: httpx.AsyncClient, world: World, stopwatch: Stopwatch
) -> None:
    nik = world.personas["nothing"].nik
    response = await _apply(oss, _application(nik, "Klinik Sehat", ["86105", "56102"]))
    data = response.json()["data"]
    assert response.status_code == 201
    assert data["status"] == "MENUNGGU_VERIFIKASI"
    assert data["kd_resiko"] == "T"
    # The NIB is issued at registration for every risk level (PP 28/2025).
    assert re.fullmatch(r"[0-9]{13}", data["nib"])
    assert data["izin"]["jenis_izin"] == "IZIN"
    assert data["izin"]["status"] == "MENUNGGU_VERIFIKASI"
    assert data["izin"]["nomor"] == data["nib"] + "0001"
    [usaha] = await _owned(oss, nik)
    assert usaha["nib"] == data["nib"]
    permits = {
        k["kd_resiko"]: [(p["jenis_izin"], p["status"]) for p in k["perizinan"]]
        for k in usaha["kbli"]
    }
    assert permits == {
        "T": [("NIB", "TERBIT"), ("IZIN", "MENUNGGU_VERIFIKASI")],
        "R": [("NIB", "TERBIT")],
    }
    stopwatch.seconds += 2.9
    pending = await _status(oss, data["id_permohonan"])
    assert (pending["status"], pending["nib"], pending["izin"]["tgl_keputusan"]) == (
        "MENUNGGU_VERIFIKASI",
        data["nib"],
        None,
    )
    stopwatch.seconds += 0.1
    [usaha] = await _owned(oss, nik)
    decided = await _status(oss, data["id_permohonan"])
    assert decided["status"] == "TERBIT"
    assert decided["nib"] == usaha["nib"] == data["nib"]
    assert decided["izin"]["status"] == "TERBIT"
    assert decided["izin"]["fiktif_positif"] is False
    assert decided["alasan_penolakan"] is None
    # Decided verification_seconds (3) after the NIB's issue.
    assert decided["izin"]["tgl_keputusan"] == usaha["tgl_terbit_nib"] + 3000
    permits = {
        k["kd_resiko"]: [(p["jenis_izin"], p["status"]) for p in k["perizinan"]]
        for k in usaha["kbli"]
    }
    assert permits == {"T": [("NIB", "TERBIT"), ("IZIN", "TERBIT")], "R": [("NIB", "TERBIT")]}
    replay = await _apply(oss, _application(nik, "Klinik Sehat", ["86105", "56102"]))
    assert replay.json()["data"] == data


async def test_decision_is_seen_by_a_nib_lookup_too(
    oss: httpx.AsyncClient, world: World, stopwatch: Stopwatch
) -> None:
    nik = world.personas["nothing"].nik
    data = (await _apply(oss, _application(nik, "Hotel", ["55110"]))).json()["data"]
    assert (data["status"], data["kd_resiko"]) == ("MENUNGGU_VERIFIKASI", "MT")
    assert data["izin"]["jenis_izin"] == "SERTIFIKAT_STANDAR"
    stopwatch.seconds += 3
    usaha = (await oss.get(f"/oss/v2/nib/{data['nib']}")).json()["data"]
    [activity] = usaha["kbli"]
    assert [(p["jenis_izin"], p["status"]) for p in activity["perizinan"]] == [
        ("NIB", "TERBIT"),
        ("SERTIFIKAT_STANDAR", "TERBIT"),
    ]


async def test_a_refusal_refuses_the_permit_and_keeps_the_nib(
    oss: httpx.AsyncClient, world: World, stopwatch: Stopwatch
) -> None:
    nik = world.personas["nothing"].nik
    data = (await _apply(oss, _application(nik, "Apotek Ditolak", ["47772"]))).json()["data"]
    stopwatch.seconds += 3
    decided = await _status(oss, data["id_permohonan"])
    assert (decided["status"], decided["nib"]) == ("DITOLAK", data["nib"])
    assert decided["izin"]["status"] == "DITOLAK"
    assert isinstance(decided["alasan_penolakan"], str)
    assert "verifikasi" in decided["alasan_penolakan"].lower()
    assert decided["izin"]["alasan_penolakan"] == decided["alasan_penolakan"]
    assert decided["tgl_keputusan"] > 0
    [usaha] = await _owned(oss, nik)
    assert usaha["nib"] == data["nib"]
    [activity] = usaha["kbli"]
    nib_permit, refused = activity["perizinan"]
    assert (nib_permit["jenis_izin"], nib_permit["status"]) == ("NIB", "TERBIT")
    assert (refused["status"], refused["tgl_terbit"]) == ("DITOLAK", None)
    assert refused["keterangan"] == decided["alasan_penolakan"]


async def test_verification_time_is_a_control_setting(world: World) -> None:
    app = create_app(world, FaultSettings())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://oss.test"
    ) as oss:
        nik = world.personas["nothing"].nik
        data = (await _apply(oss, _application(nik, "Gudang", ["52101"]))).json()["data"]
        assert (await _status(oss, data["id_permohonan"]))["status"] == "MENUNGGU_VERIFIKASI"
        changed = await oss.put("/_control/faults", json={"verification_seconds": 0})
        assert changed.json()["verification_seconds"] == 0
        assert (await _status(oss, data["id_permohonan"]))["status"] == "TERBIT"


async def test_unknown_application_is_404(oss: httpx.AsyncClient) -> None:
    response = await oss.get("/oss/v2/permohonan/PMH-19700101-000001")
    assert response.status_code == 404
    assert response.json() == {"responCode": 404, "responMessage": "Permohonan tidak ditemukan"}


async def test_unknown_kbli_is_422(oss: httpx.AsyncClient, world: World) -> None:
    body = _application(world.personas["nothing"].nik, "X", ["56102", "99999"])
    response = await _apply(oss, body)
    assert response.status_code == 422
    assert response.json() == {"responCode": 422, "responMessage": "KBLI 99999 tidak dikenal"}


@pytest.mark.parametrize(
    "changes",
    [
        {"nik_pemilik": "123"},
        {"kbli": []},
        {"kbli": "56102"},
        {"nama_usaha": " "},
        {"jenis_pelaku_usaha": "PT"},
        {"alamat_usaha": {"alamat": "JL. X", "kd_kel": "3174109999"}},
        {"alamat_usaha": None},
    ],
)
async def test_bad_applications_are_400(
    oss: httpx.AsyncClient, world: World, changes: dict[str, Any]
) -> None:
    nik = world.personas["nothing"].nik
    response = await _apply(oss, {**_application(nik, "X", ["56102"]), **changes})
    assert response.status_code == 400
    assert response.json()["responCode"] == 400
    assert await _owned(oss, nik) == []


async def test_application_without_reference_is_400_and_unlogged(
    oss: httpx.AsyncClient, world: World
) -> None:
    body = _application(world.personas["nothing"].nik, "X", ["56102"], ref="")
    response = await _apply(oss, body)
    assert response.status_code == 400
    assert response.json() == {"responCode": 400, "responMessage": "referensi wajib diisi"}
    assert (await oss.get("/_control/requests")).json() == []


async def test_replayed_application_creates_one_business(
    oss: httpx.AsyncClient, world: World
) -> None:
    nik = world.personas["nothing"].nik
    first = await _apply(oss, _application(nik, "Kedai", ["56103"], ref="sekali"))
    again = await _apply(oss, _application(nik, "Kedai", ["56103"], ref="sekali"))
    assert again.status_code == 201
    assert again.content == first.content
    assert len(await _owned(oss, nik)) == 1
    log = (await oss.get("/_control/requests")).json()
    assert log == [
        {"method": "POST", "path": "/oss/v2/permohonan", "ref": "sekali", "replayed": False},
        {"method": "POST", "path": "/oss/v2/permohonan", "ref": "sekali", "replayed": True},
    ]


async def test_owner_address_moves_individual_businesses_only(
    oss: httpx.AsyncClient, world: World
) -> None:
    persona = world.personas["every_risk_business"]
    body = {
        "nik_pemilik": persona.nik,
        "alamat": "Jl. Ciledug Raya No. 9",
        "kd_kel": NEW_VILLAGE,
        "referensi": "pindah",
    }
    response = await oss.put("/oss/v2/pelaku-usaha/alamat", json=body)
    assert response.status_code == 200
    assert response.json() == {
        "responCode": 200,
        "responMessage": "Sukses",
        "data": {"jumlah_usaha": 1},
    }
    addresses = {u["jenis_pelaku_usaha"]: u["alamat_usaha"] for u in await _owned(oss, persona.nik)}
    assert addresses["UMK_PERORANGAN"]["alamat"] == "JL. CILEDUG RAYA NO. 9"
    assert addresses["UMK_PERORANGAN"]["kd_kel"] == NEW_VILLAGE
    company = next(b for n in persona.nibs if (b := world.businesses[n]).owner_kind == "PT")
    assert addresses["PT"]["kd_kel"] == company.address.village.village_code
    by_nib = (await oss.get(f"/oss/v2/nib/{_umk(world, persona.nibs)}")).json()["data"]
    assert by_nib["alamat_usaha"]["alamat"] == "JL. CILEDUG RAYA NO. 9"
    replay = await oss.put("/oss/v2/pelaku-usaha/alamat", json=body)
    assert replay.content == response.content
    log = (await oss.get("/_control/requests")).json()
    assert [e["replayed"] for e in log] == [False, True]
    assert {e["method"] for e in log} == {"PUT"}


def _umk(world: World, nibs: tuple[str, ...]) -> str:
    return next(n for n in nibs if world.businesses[n].owner_kind == "UMK_PERORANGAN")


async def test_owner_address_of_a_nik_without_business(
    oss: httpx.AsyncClient, world: World
) -> None:
    body = {
        "nik_pemilik": world.personas["nothing"].nik,
        "alamat": "JL. X",
        "kd_kel": NEW_VILLAGE,
        "referensi": "r",
    }
    response = await oss.put("/oss/v2/pelaku-usaha/alamat", json=body)
    assert response.json()["data"] == {"jumlah_usaha": 0}


@pytest.mark.parametrize(
    "changes",
    [{"nik_pemilik": "1"}, {"kd_kel": "1"}, {"alamat": ""}, {"referensi": None}],
)
async def test_bad_owner_address_is_400(
    oss: httpx.AsyncClient, world: World, changes: dict[str, Any]
) -> None:
    body = {
        "nik_pemilik": world.personas["family"].nik,
        "alamat": "JL. X",
        "kd_kel": NEW_VILLAGE,
        "referensi": "r",
        **changes,
    }
    response = await oss.put("/oss/v2/pelaku-usaha/alamat", json=body)
    assert response.status_code == 400
    assert response.json()["responCode"] == 400
