import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from simulators.civil_registry.app import create_app
from simulators.faults import FaultSettings
from simulators.world import World
from tests.simulators.conftest import ACCOUNT

#: Kelurahan Petukangan Selatan, Kecamatan Pesanggrahan, Kota Administrasi Jakarta Selatan.
NEW_VILLAGE = "3174101004"
ADDRESS_FIELDS = {
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
}


def _move(nik: str, ref: str, **changes: Any) -> dict[str, Any]:
    return {
        "NIK": nik,
        "ALAMAT": "Jl. Ciledug Raya No. 7",
        "NO_RT": "4",
        "NO_RW": "011",
        "NO_KEL": NEW_VILLAGE,
        "REF": ref,
        **ACCOUNT,
        **changes,
    }


def _identity(person: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in person.items() if k not in ADDRESS_FIELDS}


async def _person(civil: httpx.AsyncClient, nik: str) -> dict[str, Any]:
    response = await civil.post("/api/v1/CALL_NIK", json={"NIK": nik, **ACCOUNT})
    person: dict[str, Any] = response.json()["content"][0]
    return person


async def _verify(civil: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    return await civil.post("/api/v1/VERIFY_NIK", json={**fields, **ACCOUNT})


async def test_verify_nik_matches_name_and_birth_date(
    civil: httpx.AsyncClient, world: World
) -> None:
    citizen = world.citizens[world.personas["woman"].nik]
    sloppy_name = "  " + citizen.name.lower().replace(" ", "   ") + " "
    response = await _verify(
        civil, NIK=citizen.nik, NAMA_LGKP=sloppy_name, TGL_LHR=f"{citizen.birth_date:%d-%m-%Y}"
    )
    assert response.status_code == 200
    assert response.json() == {
        "RESPONSE_CODE": "00",
        "RESPONSE_DESC": "SUKSES",
        "content": [
            {
                "NIK": citizen.nik,
                "NAMA_LGKP": "SESUAI",
                "TGL_LHR": "SESUAI",
                "STATUS_HIDUP": "HIDUP",
            }
        ],
    }


async def test_verify_nik_reports_mismatches_and_death(
    civil: httpx.AsyncClient, world: World
) -> None:
    nik = world.personas["deceased"].nik
    response = await _verify(civil, NIK=nik, NAMA_LGKP="ORANG LAIN", TGL_LHR="01-01-1950")
    [verdict] = response.json()["content"]
    assert verdict == {
        "NIK": nik,
        "NAMA_LGKP": "TIDAK SESUAI",
        "TGL_LHR": "TIDAK SESUAI",
        "STATUS_HIDUP": "MATI",
    }


async def test_verify_nik_without_birth_date_leaves_it_unchecked(
    civil: httpx.AsyncClient, world: World
) -> None:
    citizen = world.citizens[world.personas["family"].nik]
    response = await _verify(civil, NIK=citizen.nik, NAMA_LGKP=citizen.name)
    [verdict] = response.json()["content"]
    assert (verdict["NAMA_LGKP"], verdict["TGL_LHR"]) == ("SESUAI", None)


async def test_verify_nik_errors(civil: httpx.AsyncClient, world: World) -> None:
    unknown = await _verify(civil, NIK="3171010101010001", NAMA_LGKP="SIAPA")
    assert unknown.status_code == 200
    assert unknown.json() == {
        "RESPONSE_CODE": "11",
        "RESPONSE_DESC": "DATA TIDAK DITEMUKAN",
        "content": [],
    }
    malformed = await _verify(civil, NIK="31710", NAMA_LGKP="SIAPA")
    assert malformed.json()["RESPONSE_CODE"] == "12"
    nameless = await _verify(civil, NIK=world.personas["woman"].nik)
    assert nameless.status_code == 400
    assert nameless.json()["RESPONSE_CODE"] == "99"
    stranger = await civil.post(
        "/api/v1/VERIFY_NIK",
        json={"NIK": world.personas["woman"].nik, "NAMA_LGKP": "X", **ACCOUNT, "PASSWORD": "salah"},
    )
    assert stranger.status_code == 401
    assert stranger.json()["RESPONSE_CODE"] == "05"


async def test_verify_nik_is_not_a_logged_write(civil: httpx.AsyncClient, world: World) -> None:
    await _verify(civil, NIK=world.personas["woman"].nik, NAMA_LGKP="X")
    assert (await civil.get("/_control/requests")).json() == []


async def test_update_alamat_changes_the_ktp_address(
    civil: httpx.AsyncClient, world: World
) -> None:
    nik = world.personas["family"].nik
    before = await _person(civil, nik)
    response = await civil.post("/api/v1/UPDATE_ALAMAT", json=_move(nik, "pindah-1"))
    assert response.status_code == 200
    body = response.json()
    assert (body["RESPONSE_CODE"], body["RESPONSE_DESC"]) == ("00", "SUKSES")
    assert re.fullmatch(r"PDT-20[0-9]{6}-[0-9]{6}", body["NO_REGISTRASI"])
    after = await _person(civil, nik)
    assert after["ALAMAT"] == "JL. CILEDUG RAYA NO. 7"
    assert (after["NO_RT"], after["NO_RW"]) == ("004", "011")
    assert after["KEL_NAME"] == "PETUKANGAN SELATAN"
    assert after["KEC_NAME"] == "PESANGGRAHAN"
    assert after["KAB_NAME"] == "KOTA ADM. JAKARTA SELATAN"
    assert after["PROP_NAME"] == "DKI JAKARTA"
    assert (after["NO_PROP"], after["NO_KAB"], after["NO_KEC"], after["NO_KEL"]) == (
        "31",
        "74",
        "10",
        "1004",
    )
    assert _identity(after) == _identity(before)


async def test_update_alamat_is_idempotent_by_ref(civil: httpx.AsyncClient, world: World) -> None:
    nik = world.personas["woman"].nik
    first = await civil.post("/api/v1/UPDATE_ALAMAT", json=_move(nik, "ref-a"))
    again = await civil.post(
        "/api/v1/UPDATE_ALAMAT", json=_move(nik, "ref-a", ALAMAT="JL. LAIN NO. 1")
    )
    assert again.content == first.content
    assert (await _person(civil, nik))["ALAMAT"] == "JL. CILEDUG RAYA NO. 7"
    second = await civil.post("/api/v1/UPDATE_ALAMAT", json=_move(nik, "ref-b"))
    assert second.json()["NO_REGISTRASI"] != first.json()["NO_REGISTRASI"]
    log = (await civil.get("/_control/requests")).json()
    assert log == [
        {"method": "POST", "path": "/api/v1/UPDATE_ALAMAT", "ref": "ref-a", "replayed": False},
        {"method": "POST", "path": "/api/v1/UPDATE_ALAMAT", "ref": "ref-a", "replayed": True},
        {"method": "POST", "path": "/api/v1/UPDATE_ALAMAT", "ref": "ref-b", "replayed": False},
    ]


@pytest.mark.parametrize(
    ("persona", "changes", "code", "desc"),
    [
        (None, {"NIK": "3171010101010001"}, "11", "DATA TIDAK DITEMUKAN"),
        (None, {"NIK": "31710101"}, "12", "FORMAT NIK SALAH"),
        ("deceased", {}, "13", "PENDUDUK SUDAH MENINGGAL"),
        ("woman", {"NO_KEL": "3174109999"}, "14", "KODE WILAYAH TIDAK DIKENAL"),
        ("woman", {"NO_KEL": "317410"}, "14", "KODE WILAYAH TIDAK DIKENAL"),
    ],
)
async def test_update_alamat_rejections(
    civil: httpx.AsyncClient,
    world: World,
    persona: str | None,
    changes: dict[str, str],
    code: str,
    desc: str,
) -> None:
    nik = world.personas[persona].nik if persona else ""
    response = await civil.post("/api/v1/UPDATE_ALAMAT", json=_move(nik, "r", **changes))
    assert response.status_code == 200
    assert response.json() == {"RESPONSE_CODE": code, "RESPONSE_DESC": desc, "content": []}
    if persona:
        person = await _person(civil, nik)
        assert person["ALAMAT"] == world.citizens[nik].address.street


@pytest.mark.parametrize(
    "changes", [{"REF": ""}, {"REF": None}, {"ALAMAT": " "}, {"NO_RT": "1234"}, {"NO_RW": 5}]
)
async def test_update_alamat_without_required_fields_is_400_and_unlogged(
    civil: httpx.AsyncClient, world: World, changes: dict[str, Any]
) -> None:
    nik = world.personas["woman"].nik
    response = await civil.post("/api/v1/UPDATE_ALAMAT", json=_move(nik, "r", **changes))
    assert response.status_code == 400
    assert response.json()["RESPONSE_CODE"] == "99"
    assert (await civil.get("/_control/requests")).json() == []


async def test_update_alamat_needs_the_account(civil: httpx.AsyncClient, world: World) -> None:
    nik = world.personas["woman"].nik
    response = await civil.post("/api/v1/UPDATE_ALAMAT", json=_move(nik, "r", PASSWORD="salah"))
    assert response.status_code == 401
    assert (await _person(civil, nik))["ALAMAT"] == world.citizens[nik].address.street


async def test_each_app_keeps_its_own_state(civil_app: FastAPI, world: World) -> None:
    nik = world.personas["woman"].nik
    other = create_app(world, FaultSettings())
    transport = httpx.ASGITransport(app=civil_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://a.test") as first:
        await first.post("/api/v1/UPDATE_ALAMAT", json=_move(nik, "r"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=other), base_url="http://b.test"
    ) as second:
        assert (await _person(second, nik))["ALAMAT"] == world.citizens[nik].address.street
        assert (await second.get("/_control/requests")).json() == []
