import re
from datetime import datetime

import httpx
import pytest

from simulators.dates import JAKARTA
from simulators.world import World
from tests.simulators.conftest import REFERENCE_DATE

USAHA_FIELDS = {
    "nib",
    "nama_usaha",
    "jenis_pelaku_usaha",
    "nik_pemilik",
    "npwp",
    "skala_usaha",
    "alamat_usaha",
    "tgl_terbit_nib",
    "kbli",
}


async def _list(oss: httpx.AsyncClient, nik: str, **paging: str) -> httpx.Response:
    return await oss.get("/oss/v2/pelaku-usaha", params={"nik_pemilik": nik, **paging})


async def test_businesses_of_an_owner(oss: httpx.AsyncClient, world: World) -> None:
    persona = world.personas["every_risk_business"]
    response = await _list(oss, persona.nik)
    assert response.status_code == 200
    body = response.json()
    assert (body["responCode"], body["responMessage"]) == (200, "Sukses")
    data = body["data"]
    assert (data["page"], data["per_page"], data["total"], data["total_page"]) == (1, 20, 2, 1)
    assert sorted(u["nib"] for u in data["items"]) == sorted(persona.nibs)
    for usaha in data["items"]:
        assert set(usaha) == USAHA_FIELDS
        assert usaha["nik_pemilik"] == persona.nik
        address = usaha["alamat_usaha"]
        assert address["kd_kel"].startswith(address["kd_kec"])
        assert address["kd_kec"].startswith(address["kd_kab"])
        assert address["kd_kab"].startswith(address["kd_prop"])
        issued = datetime.fromtimestamp(usaha["tgl_terbit_nib"] / 1000, JAKARTA)
        assert issued.date() <= REFERENCE_DATE
    kinds = {u["jenis_pelaku_usaha"]: u for u in data["items"]}
    assert kinds["UMK_PERORANGAN"]["npwp"] is None
    assert re.fullmatch(r"[0-9]{15,16}", kinds["PT"]["npwp"])
    licences = {
        (k["kd_resiko"], p["jenis_izin"], p["status"])
        for u in data["items"]
        for k in u["kbli"]
        for p in k["perizinan"]
    }
    assert {risk for risk, _, _ in licences} == {"R", "MR", "MT", "T"}
    assert ("MR", "SERTIFIKAT_STANDAR", "TERBIT") in licences
    assert ("MT", "SERTIFIKAT_STANDAR", "MENUNGGU_VERIFIKASI") in licences
    assert ("T", "IZIN", "TERBIT") in licences


async def test_pagination(oss: httpx.AsyncClient, world: World) -> None:
    nik = world.personas["every_risk_business"].nik
    pages = [(await _list(oss, nik, page=str(n), per_page="1")).json()["data"] for n in (1, 2, 3)]
    assert [len(p["items"]) for p in pages] == [1, 1, 0]
    assert all((p["total"], p["total_page"], p["per_page"]) == (2, 2, 1) for p in pages)
    assert pages[0]["items"][0]["nib"] != pages[1]["items"][0]["nib"]
    whole = (await _list(oss, nik, per_page="50")).json()["data"]["items"]
    assert [u["nib"] for u in whole] == [p["items"][0]["nib"] for p in pages[:2]]


async def test_per_page_above_fifty_is_refused(oss: httpx.AsyncClient, world: World) -> None:
    response = await _list(oss, world.personas["family"].nik, per_page="51")
    assert response.status_code == 400
    assert response.json() == {"responCode": 400, "responMessage": "per_page maksimal 50"}


@pytest.mark.parametrize(
    "paging", [{"page": "0"}, {"page": "x"}, {"per_page": "0"}, {"per_page": "-5"}]
)
async def test_other_bad_paging_is_400(
    oss: httpx.AsyncClient, world: World, paging: dict[str, str]
) -> None:
    response = await _list(oss, world.personas["family"].nik, **paging)
    assert response.status_code == 400
    assert response.json()["responCode"] == 400


async def test_bad_owner_nik_is_400(oss: httpx.AsyncClient) -> None:
    response = await oss.get("/oss/v2/pelaku-usaha", params={"nik_pemilik": "123"})
    assert response.status_code == 400


async def test_owner_without_business(oss: httpx.AsyncClient, world: World) -> None:
    data = (await _list(oss, world.personas["nothing"].nik)).json()["data"]
    assert data["items"] == []
    assert data["total"] == 0


async def test_business_by_nib(oss: httpx.AsyncClient, world: World) -> None:
    nib = world.personas["family"].nibs[0]
    response = await oss.get(f"/oss/v2/nib/{nib}")
    assert response.status_code == 200
    body = response.json()
    assert (body["responCode"], body["responMessage"]) == (200, "Sukses")
    usaha = body["data"]
    assert set(usaha) == USAHA_FIELDS
    assert usaha["nib"] == nib
    assert usaha["jenis_pelaku_usaha"] == "UMK_PERORANGAN"
    [activity] = usaha["kbli"]
    assert activity["kd_resiko"] == "R"
    assert [p["jenis_izin"] for p in activity["perizinan"]] == ["NIB"]
    assert activity["perizinan"][0]["nomor"] == nib
    assert activity["perizinan"][0]["tgl_terbit"] == usaha["tgl_terbit_nib"]


async def test_unknown_nib_is_404(oss: httpx.AsyncClient) -> None:
    response = await oss.get("/oss/v2/nib/1000000000000")
    assert response.status_code == 404
    assert response.json() == {"responCode": 404, "responMessage": "NIB tidak ditemukan"}


async def test_malformed_nib_is_400(oss: httpx.AsyncClient) -> None:
    response = await oss.get("/oss/v2/nib/12ab")
    assert response.status_code == 400


async def test_health(oss: httpx.AsyncClient) -> None:
    response = await oss.get("/oss/v2/health")
    assert response.json() == {"responCode": 200, "responMessage": "OK", "data": {"versi": "2.4.1"}}
