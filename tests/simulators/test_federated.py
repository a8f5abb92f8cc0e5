"""Provincial offices: each holds its own province's vehicles and applies its own Perda.

Every amount below was worked out by hand (the arithmetic is in the comments) from
CONTRACT.md's "Rules as implemented"; the reference date is 23/11/2026.
"""

from collections.abc import AsyncIterator
from xml.etree import ElementTree

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette

from simulators.faults import FaultSettings
from simulators.samsat_jatim.app import create_app as jatim_app
from simulators.vehicle_tax.app import create_app as office_app
from simulators.vehicle_tax.app import provinces_from_env
from simulators.vehicle_tax.federation import PROVINCE_CODES, create_federation
from simulators.world import World
from tests.simulators.conftest import REFERENCE_DATE


def _office(world: World, *provinces: str) -> FastAPI:
    return office_app(
        world, FaultSettings(), today=lambda: REFERENCE_DATE, provinces=frozenset(provinces)
    )


async def _client(app: FastAPI | Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://office.test") as client:
        yield client


@pytest.fixture
async def jabar(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(_office(world, "32")):
        yield client


@pytest.fixture
async def dki(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(_office(world, "31")):
        yield client


@pytest.fixture
async def jatim_xml(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(_office(world, "35")):
        yield client


@pytest.fixture
async def jatim(world: World) -> AsyncIterator[httpx.AsyncClient]:
    app = jatim_app(world, FaultSettings(), today=lambda: REFERENCE_DATE)
    async for client in _client(app):
        yield client


def _xml(response: httpx.Response) -> ElementTree.Element:
    return ElementTree.fromstring(response.content)


async def _info(client: httpx.AsyncClient, plate: str) -> ElementTree.Element:
    return _xml(await client.post("/samsat/infopkb", data={"nopol": plate}))


def _amounts(element: ElementTree.Element, *names: str) -> list[int]:
    return [int((element.findtext(n) or "").removeprefix("Rp ").replace(".", "")) for n in names]


PARTS = ("pkbPokok", "opsenPkb", "pkbDenda", "swdklljPokok", "swdklljDenda", "jumlah")


async def test_bekasi_renewal_in_west_java_to_the_rupiah(
    jabar: httpx.AsyncClient, world: World
) -> None:
    # Avanza, NJKB 172,500,000, the owner's 1st car in West Java: 1.12 % = 1,932,000;
    # opsen 66 % = 1,275,120. Due 14/09/2026: two months to 14/11, nine days more start a
    # third: 1 % x 3 x (1,932,000 + 1,275,120) = 96,213.6 -> 96,214.
    # SWDKLLJ 143,000 + late fee 100,000. Total 3,546,334.
    persona = world.personas["bekasi_plate"]
    plate = persona.plates[0]
    root = await _info(jabar, plate)
    assessment = root.find("penetapan")
    assert assessment is not None
    assert (assessment.findtext("kepemilikanKe"), assessment.findtext("tarifPersen")) == (
        "1",
        "1,12",
    )
    assert _amounts(assessment, *PARTS) == [
        1_932_000,
        1_275_120,
        96_214,
        143_000,
        100_000,
        3_546_334,
    ]
    assert assessment.findtext("bulanTerlambat") == "3"
    assert len(assessment.findall("tahun")) == 1

    issued = _xml(
        await jabar.post(
            "/samsat/penetapan", data={"nopol": plate, "nik": persona.nik, "ref": "bks-1"}
        )
    )
    code = issued.findtext("kodeBayar") or ""
    assert code.startswith("3275261123")
    assert issued.findtext("jumlah") == "Rp 3.546.334"
    paid = _xml(
        await jabar.post(
            "/samsat/bayar", data={"kodeBayar": code, "jumlah": "3546334", "ref": "bks-2"}
        )
    )
    assert (paid.findtext("kode"), paid.findtext("jumlah")) == ("00", "Rp 3.546.334")
    assert (paid.findtext("tglAkhirPkbBaru"), paid.findtext("jumlahTahun")) == ("14/09/2027", "1")
    after = await _info(jabar, plate)
    assert after.findtext("kendaraan/tglAkhirPkb") == "14/09/2027"
    assert after.findtext("penetapan/pkbDenda") == "Rp 0"


async def test_two_years_of_arrears_each_with_its_own_sanction(
    jabar: httpx.AsyncClient, world: World
) -> None:
    # Sigra, NJKB 130,000,000, 1st car in West Java: PKB 1.12 % = 1,456,000, opsen 960,960,
    # together 2,416,960 a year.
    # Year due 11/07/2025: 17 started months: 1 % x 17 x 2,416,960 = 410,883.2 -> 410,883;
    #   1,456,000 + 960,960 + 410,883 + 143,000 + 100,000 = 3,070,843.
    # Year due 11/07/2026: 5 started months: 1 % x 5 x 2,416,960 = 120,848;
    #   1,456,000 + 960,960 + 120,848 + 143,000 + 100,000 = 2,780,808.
    # Totals: PKB 2,912,000, opsen 1,921,920, sanctions 531,731, SWDKLLJ 286,000,
    # late fees 200,000; 5,851,651 in all.
    persona = world.personas["multi_year_arrears"]
    plate = persona.plates[0]
    assessment = (await _info(jabar, plate)).find("penetapan")
    assert assessment is not None
    assert _amounts(assessment, *PARTS) == [
        2_912_000,
        1_921_920,
        531_731,
        286_000,
        200_000,
        5_851_651,
    ]
    assert (assessment.findtext("bulanTerlambat"), assessment.findtext("jumlahTahun")) == (
        "17",
        "2",
    )
    assert assessment.findtext("tglJatuhTempo") == "11/07/2025"
    years = assessment.findall("tahun")
    assert [y.findtext("tahunPajak") for y in years] == ["2025", "2026"]
    assert [y.findtext("bulanTerlambat") for y in years] == ["17", "5"]
    assert _amounts(years[0], *PARTS) == [1_456_000, 960_960, 410_883, 143_000, 100_000, 3_070_843]
    assert _amounts(years[1], *PARTS) == [1_456_000, 960_960, 120_848, 143_000, 100_000, 2_780_808]

    listed = (await jabar.get("/samsat/api/kendaraan", params={"nik": persona.nik})).json()
    [item] = listed["dataKendaraan"]
    assert [y["jumlah"] for y in item["penetapan"]["tahun"]] == ["Rp 3.070.843", "Rp 2.780.808"]

    issued = _xml(
        await jabar.post(
            "/samsat/penetapan", data={"nopol": plate, "nik": persona.nik, "ref": "arr-1"}
        )
    )
    assert issued.findtext("jumlah") == "Rp 5.851.651"
    paid = _xml(
        await jabar.post(
            "/samsat/bayar",
            data={"kodeBayar": issued.findtext("kodeBayar") or "", "jumlah": "5851651", "ref": "2"},
        )
    )
    # Two years paid: the due date moves from 11/07/2025 to 11/07/2027.
    assert (paid.findtext("tglAkhirPkbBaru"), paid.findtext("jumlahTahun")) == ("11/07/2027", "2")
    after = (await _info(jabar, plate)).find("penetapan")
    assert after is not None
    assert (after.findtext("bulanTerlambat"), after.findtext("jumlahTahun")) == ("0", "1")


async def test_dki_progressive_second_car(dki: httpx.AsyncClient, world: World) -> None:
    # Brio, NJKB 150,000,000, registered after the owner's Innova: 2nd car in DKI Jakarta,
    # 3 % (Perda DKI 1/2024) = 4,500,000, no opsen in DKI; due 22/01/2027, not late;
    # + SWDKLLJ 143,000 = 4,643,000.
    plate = world.personas["several_vehicles_overdue"].plates[2]
    assessment = (await _info(dki, plate)).find("penetapan")
    assert assessment is not None
    assert (assessment.findtext("kepemilikanKe"), assessment.findtext("tarifPersen")) == (
        "2",
        "3,00",
    )
    assert _amounts(assessment, *PARTS) == [4_500_000, 0, 0, 143_000, 0, 4_643_000]


async def test_east_java_dialect_answers_the_same_figures(
    jatim: httpx.AsyncClient, jatim_xml: httpx.AsyncClient, world: World
) -> None:
    # Calya, NJKB 135,000,000, the owner's 1st car in East Java (his Jakarta car is on
    # Jakarta's register, not this one): 1.2 % (Perda Jatim 8/2023) = 1,620,000;
    # opsen 66 % = 1,069,200. Due 29/10/2026: one started month: 1 % x 2,689,200 = 26,892.
    # + SWDKLLJ 143,000 + late fee 100,000 = 2,959,092.
    plate = world.personas["two_provinces"].plates[1]
    body = (await jatim.get(f"/api/v2/kendaraan/{plate.replace(' ', '').lower()}")).json()
    assert body["success"] is True
    json_figures = body["data"]["penetapan"]
    names = ("pokok_pkb", "opsen_pkb", "sanksi_pkb", "pokok_swdkllj", "sanksi_swdkllj", "total")
    assert [json_figures[n] for n in names] == [
        1_620_000,
        1_069_200,
        26_892,
        143_000,
        100_000,
        2_959_092,
    ]
    assert (json_figures["kepemilikan_ke"], json_figures["tarif_persen"]) == (1, 1.2)
    assert json_figures["jatuh_tempo"] == "2026-10-29"
    [year] = json_figures["rincian_tahun"]
    assert (year["tahun_pajak"], year["total"]) == (2026, 2_959_092)

    xml_figures = (await _info(jatim_xml, plate)).find("penetapan")
    assert xml_figures is not None
    assert _amounts(xml_figures, *PARTS) == [json_figures[n] for n in names]


async def test_an_office_knows_only_its_own_province(
    dki: httpx.AsyncClient, jatim: httpx.AsyncClient, world: World
) -> None:
    mover = world.personas["two_provinces"]
    jakarta_plate, surabaya_plate = mover.plates
    assert (await _info(dki, surabaya_plate)).findtext("kode") == "01"
    assert (await _info(dki, jakarta_plate)).findtext("kode") == "00"
    unknown = await jatim.get(f"/api/v2/kendaraan/{jakarta_plate}")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "KENDARAAN_TIDAK_DITEMUKAN"

    in_dki = (await dki.get("/samsat/api/kendaraan", params={"nik": mover.nik})).json()
    assert [v["nopol"] for v in in_dki["dataKendaraan"]] == [jakarta_plate]
    in_jatim = (await jatim.get(f"/api/v2/wajib-pajak/{mover.nik}/kendaraan")).json()["data"]
    assert [v["nopol"] for v in in_jatim["kendaraan"]] == [surabaya_plate]
    # Each province's own register: both cars are a first car, taxed 2 % and 1.2 %.
    assert in_dki["dataKendaraan"][0]["penetapan"]["kepemilikanKe"] == 1
    assert in_jatim["kendaraan"][0]["penetapan"]["kepemilikan_ke"] == 1

    issued = await dki.post(
        "/samsat/penetapan", data={"nopol": surabaya_plate, "nik": mover.nik, "ref": "x"}
    )
    assert _xml(issued).findtext("kode") == "01"


async def test_the_national_view_still_holds_every_vehicle(
    samsat: httpx.AsyncClient, world: World
) -> None:
    mover = world.personas["two_provinces"]
    body = (await samsat.get("/samsat/api/kendaraan", params={"nik": mover.nik})).json()
    assert sorted(v["nopol"] for v in body["dataKendaraan"]) == sorted(mover.plates)


async def test_federation_serves_one_office_per_province(world: World) -> None:
    federation = create_federation(
        world, today=lambda: REFERENCE_DATE, faults=lambda: FaultSettings()
    )
    assert len(PROVINCE_CODES) == len(set(PROVINCE_CODES)) == 38
    bekasi = world.personas["bekasi_plate"].plates[0]
    tangerang = world.personas["tangerang_plate"].plates[0]
    async for client in _client(federation):
        for code in PROVINCE_CODES:
            status = await client.get(f"/prov/{code}/samsat/status")
            assert status.json()["status"] == "ONLINE"
        found = _xml(await client.post("/prov/32/samsat/infopkb", data={"nopol": bekasi}))
        assert found.findtext("kode") == "00"
        banten = _xml(await client.post("/prov/36/samsat/infopkb", data={"nopol": tangerang}))
        assert banten.findtext("kode") == "00"
        elsewhere = _xml(await client.post("/prov/31/samsat/infopkb", data={"nopol": bekasi}))
        assert elsewhere.findtext("kode") == "01"

        await client.put("/prov/51/_control/faults", json={"down": True})
        assert (await client.get("/prov/51/samsat/status")).status_code == 503
        assert (await client.get("/prov/52/samsat/status")).status_code == 200
        await client.delete("/prov/51/_control/faults")
        assert (await client.get("/prov/51/samsat/status")).status_code == 200


async def test_federation_can_be_restricted(world: World) -> None:
    federation = create_federation(world, provinces=["32", "36"])
    async for client in _client(federation):
        assert (await client.get("/prov/36/samsat/status")).status_code == 200
        assert (await client.get("/prov/31/samsat/status")).status_code == 404
    with pytest.raises(ValueError, match="99"):
        create_federation(world, provinces=["99"])


def test_sim_provinces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIM_PROVINCES", raising=False)
    assert provinces_from_env() is None
    assert provinces_from_env("35") == frozenset({"35"})
    monkeypatch.setenv("SIM_PROVINCES", " 31, 32 ,")
    assert provinces_from_env() == frozenset({"31", "32"})
    monkeypatch.setenv("SIM_PROVINCES", "jabar")
    with pytest.raises(ValueError, match="jabar"):
        provinces_from_env()
