import re

import httpx
import pytest

from simulators.civil_registry.app import create_app
from simulators.faults import FaultSettings
from simulators.world import World
from tests.simulators.conftest import ACCOUNT

PERSON_FIELDS = {
    "NIK",
    "NO_KK",
    "NAMA_LGKP",
    "TMPT_LHR",
    "TGL_LHR",
    "JENIS_KLMIN",
    "GOL_DARAH",
    "AGAMA",
    "STATUS_KAWIN",
    "JENIS_PKRJN",
    "KEWARGANEGARAAN",
    "STAT_HBKEL",
    "ALAMAT",
    "NO_RT",
    "NO_RW",
    "KEL_NAME",
    "KEC_NAME",
    "KAB_NAME",
    "PROP_NAME",
    "NO_PROP",
    "NO_KAB",
    "NO_KEC",
    "NO_KEL",
    "STATUS_HIDUP",
    "TGL_MATI",
    "MASA_BERLAKU_KTP",
}
MEMBER_FIELDS = {
    "NIK",
    "NAMA_LGKP",
    "STAT_HBKEL",
    "JENIS_KLMIN",
    "TGL_LHR",
    "TMPT_LHR",
    "STATUS_HIDUP",
}


async def test_call_nik_returns_the_ktp_record(civil: httpx.AsyncClient, world: World) -> None:
    nik = world.personas["woman"].nik
    response = await civil.post("/api/v1/CALL_NIK", json={"NIK": nik, **ACCOUNT})
    assert response.status_code == 200
    body = response.json()
    assert (body["RESPONSE_CODE"], body["RESPONSE_DESC"]) == ("00", "SUKSES")
    [person] = body["content"]
    assert set(person) == PERSON_FIELDS
    citizen = world.citizens[nik]
    assert person["NIK"] == nik
    assert person["NAMA_LGKP"] == citizen.name
    assert person["JENIS_KLMIN"] == "PEREMPUAN"
    assert person["TGL_LHR"] == citizen.birth_date.strftime("%d-%m-%Y") == "05-08-1990"
    assert nik[:6] == person["NO_PROP"] + person["NO_KAB"] + person["NO_KEC"]
    assert re.fullmatch(r"[0-9]{4}", person["NO_KEL"])
    assert re.fullmatch(r"[0-9]{3}", person["NO_RT"])
    assert re.fullmatch(r"[0-9]{3}", person["NO_RW"])
    assert person["KAB_NAME"] == "KOTA PEKANBARU"
    assert person["PROP_NAME"] == "RIAU"
    assert (person["STATUS_HIDUP"], person["TGL_MATI"]) == ("HIDUP", None)
    assert person["MASA_BERLAKU_KTP"] == "SEUMUR HIDUP"
    assert person["KEWARGANEGARAAN"] == "WNI"


async def test_value_sets_and_jakarta_names(civil: httpx.AsyncClient, world: World) -> None:
    nik = world.personas["several_vehicles_overdue"].nik
    response = await civil.post("/api/v1/CALL_NIK", json={"NIK": nik, **ACCOUNT})
    person = response.json()["content"][0]
    assert person["PROP_NAME"] == "DKI JAKARTA"
    assert person["KAB_NAME"] == "KOTA ADM. JAKARTA SELATAN"
    assert person["JENIS_KLMIN"] == "LAKI-LAKI"
    assert person["GOL_DARAH"] in {"A", "B", "AB", "O", "TIDAK TAHU"}
    assert person["AGAMA"] in {"ISLAM", "KRISTEN", "KATHOLIK", "HINDU", "BUDHA", "KONGHUCU"}
    assert person["STATUS_KAWIN"] == "KAWIN"
    assert person["STAT_HBKEL"] == "KEPALA KELUARGA"


async def test_deceased_citizen_has_a_death_date(civil: httpx.AsyncClient, world: World) -> None:
    nik = world.personas["deceased"].nik
    response = await civil.post("/api/v1/CALL_NIK", json={"NIK": nik, **ACCOUNT})
    person = response.json()["content"][0]
    assert person["STATUS_HIDUP"] == "MATI"
    death = world.citizens[nik].death_date
    assert death is not None
    assert person["TGL_MATI"] == death.strftime("%d-%m-%Y")


async def test_unknown_nik_is_code_11_with_http_200(civil: httpx.AsyncClient) -> None:
    response = await civil.post("/api/v1/CALL_NIK", json={"NIK": "3171010101010001", **ACCOUNT})
    assert response.status_code == 200
    assert response.json() == {
        "RESPONSE_CODE": "11",
        "RESPONSE_DESC": "DATA TIDAK DITEMUKAN",
        "content": [],
    }


@pytest.mark.parametrize(
    "nik", ["317101", "31710101010100011", "3171O10101010001", 3171010101010001]
)
async def test_badly_formed_nik_is_code_12(civil: httpx.AsyncClient, nik: object) -> None:
    response = await civil.post("/api/v1/CALL_NIK", json={"NIK": nik, **ACCOUNT})
    assert response.status_code == 200
    assert response.json() == {
        "RESPONSE_CODE": "12",
        "RESPONSE_DESC": "FORMAT NIK SALAH",
        "content": [],
    }


@pytest.mark.parametrize(
    "account",
    [{**ACCOUNT, "PASSWORD": "salah"}, {**ACCOUNT, "USER_ID": "orang-lain"}, {}],
)
async def test_wrong_account_is_401_code_05(
    civil: httpx.AsyncClient, world: World, account: dict[str, str]
) -> None:
    nik = world.personas["woman"].nik
    for path in ("/api/v1/CALL_NIK", "/api/v1/CALL_KK"):
        response = await civil.post(path, json={"NIK": nik, **account})
        assert response.status_code == 401
        assert response.json() == {
            "RESPONSE_CODE": "05",
            "RESPONSE_DESC": "USER TIDAK BERHAK AKSES",
            "content": [],
        }


async def test_account_comes_from_the_environment(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUKCAPIL_USER_ID", "gateway")
    monkeypatch.setenv("DUKCAPIL_PASSWORD", "rahasia")
    app = create_app(world, FaultSettings())
    nik = world.personas["woman"].nik
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://dukcapil.test"
    ) as client:
        default = await client.post("/api/v1/CALL_NIK", json={"NIK": nik, **ACCOUNT})
        custom = await client.post(
            "/api/v1/CALL_NIK", json={"NIK": nik, "USER_ID": "gateway", "PASSWORD": "rahasia"}
        )
    assert default.status_code == 401
    assert custom.json()["RESPONSE_CODE"] == "00"


async def test_body_that_is_not_json_is_rejected(civil: httpx.AsyncClient) -> None:
    response = await civil.post(
        "/api/v1/CALL_NIK", content=b"NIK=1", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["RESPONSE_CODE"] == "99"


async def test_call_kk_by_number_and_by_member_nik(civil: httpx.AsyncClient, world: World) -> None:
    persona = world.personas["family"]
    by_kk = await civil.post("/api/v1/CALL_KK", json={"NO_KK": persona.no_kk, **ACCOUNT})
    by_nik = await civil.post("/api/v1/CALL_KK", json={"NIK": persona.related_niks[-1], **ACCOUNT})
    assert by_kk.status_code == by_nik.status_code == 200
    body = by_kk.json()
    assert body == by_nik.json()
    assert body["RESPONSE_CODE"] == "00"
    assert body["NO_KK"] == persona.no_kk
    assert body["NAMA_KEP"] == persona.name
    for key in ("ALAMAT", "NO_RT", "NO_RW", "KEL_NAME", "KEC_NAME", "KAB_NAME", "PROP_NAME"):
        assert isinstance(body[key], str)
        assert body[key]
    members = body["content"]
    assert all(set(m) == MEMBER_FIELDS for m in members)
    assert [m["NIK"] for m in members] == [persona.nik, *persona.related_niks]
    assert sorted(m["STAT_HBKEL"] for m in members) == ["ANAK", "ANAK", "ISTRI", "KEPALA KELUARGA"]


async def test_call_kk_unknown_and_malformed(civil: httpx.AsyncClient) -> None:
    unknown = await civil.post("/api/v1/CALL_KK", json={"NO_KK": "3171010101010001", **ACCOUNT})
    assert unknown.json() == {
        "RESPONSE_CODE": "11",
        "RESPONSE_DESC": "DATA TIDAK DITEMUKAN",
        "content": [],
    }
    unknown_nik = await civil.post("/api/v1/CALL_KK", json={"NIK": "3171010101010001", **ACCOUNT})
    assert unknown_nik.json()["RESPONSE_CODE"] == "11"
    bad_kk = await civil.post("/api/v1/CALL_KK", json={"NO_KK": "12", **ACCOUNT})
    assert bad_kk.json()["RESPONSE_CODE"] == "12"
    bad_nik = await civil.post("/api/v1/CALL_KK", json={"NIK": "12", **ACCOUNT})
    assert bad_nik.json()["RESPONSE_CODE"] == "12"


async def test_ping(civil: httpx.AsyncClient) -> None:
    response = await civil.get("/api/v1/ping")
    body = response.json()
    assert (body["RESPONSE_CODE"], body["RESPONSE_DESC"]) == ("00", "SERVICE UP")
    assert re.fullmatch(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}", body["SERVER_TIME"])
