import dataclasses
import re
from datetime import timedelta
from xml.etree.ElementTree import Element

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from simulators.faults import FaultSettings
from simulators.vehicle_tax.app import create_app
from simulators.vehicle_tax.records import normalise_plate, rupiah
from simulators.vehicle_tax.tax import assess
from simulators.world import World
from tests.simulators.conftest import REFERENCE_DATE

VEHICLE_FIELDS = [
    "nopol",
    "merk",
    "tipe",
    "jenis",
    "golongan",
    "cc",
    "tahunBuat",
    "warna",
    "nikPemilik",
    "namaPemilik",
    "alamatPemilik",
    "tglAkhirPkb",
    "tglAkhirStnk",
    "statusBlokir",
]
ASSESSMENT_FIELDS = [
    "kepemilikanKe",
    "njkb",
    "bobot",
    "tarifPersen",
    "pkbPokok",
    "opsenPkb",
    "pkbDenda",
    "swdklljPokok",
    "swdklljDenda",
    "bulanTerlambat",
    "jumlah",
    "tglJatuhTempo",
    "jumlahTahun",
    "tahun",
]
RUPIAH = re.compile(r"Rp [0-9]{1,3}(\.[0-9]{3})*")


def _xml(response: httpx.Response) -> Element:
    assert response.headers["content-type"].startswith("application/xml")
    root: Element = fromstring(response.content)
    return root


def _rupiah_value(text: str) -> int:
    assert RUPIAH.fullmatch(text), text
    return int(text.removeprefix("Rp ").replace(".", ""))


@pytest.mark.parametrize("spelling", ["{p}", "{compact}", "{lower}", "  {lower}  "])
async def test_infopkb_finds_a_plate_however_it_is_typed(
    samsat: httpx.AsyncClient, world: World, spelling: str
) -> None:
    plate = world.personas["deceased"].plates[0]
    typed = spelling.format(
        p=plate, compact=plate.replace(" ", ""), lower=plate.replace(" ", "").lower()
    )
    response = await samsat.post("/samsat/infopkb", data={"nopol": typed})
    assert response.status_code == 200
    root = _xml(response)
    assert root.tag == "respon"
    assert (root.findtext("kode"), root.findtext("pesan")) == ("00", "DATA DITEMUKAN")
    assert root.findtext("kendaraan/nopol") == plate


async def test_infopkb_document_shape_and_amounts(samsat: httpx.AsyncClient, world: World) -> None:
    persona = world.personas["several_vehicles_overdue"]
    for plate in persona.plates:
        root = _xml(await samsat.post("/samsat/infopkb", data={"nopol": plate}))
        vehicle = root.find("kendaraan")
        assessment = root.find("penetapan")
        assert vehicle is not None
        assert assessment is not None
        assert [child.tag for child in vehicle] == VEHICLE_FIELDS
        assert [child.tag for child in assessment] == ASSESSMENT_FIELDS
        record = world.vehicles[plate]
        assert vehicle.findtext("nikPemilik") == persona.nik
        assert vehicle.findtext("namaPemilik") == persona.name
        assert vehicle.findtext("tglAkhirPkb") == record.pkb_due.strftime("%d/%m/%Y")
        assert assessment.findtext("bobot") == "1,000"
        assert assessment.findtext("opsenPkb") == "Rp 0"
        parts = [
            _rupiah_value(assessment.findtext(k) or "")
            for k in ("pkbPokok", "opsenPkb", "pkbDenda", "swdklljPokok", "swdklljDenda")
        ]
        assert _rupiah_value(assessment.findtext("jumlah") or "") == sum(parts)
        expected = assess(
            njkb=record.model.njkb,
            bobot=record.model.bobot,
            golongan=record.model.golongan,
            cc=record.model.cc,
            province_code="31",
            ownership_order=int(assessment.findtext("kepemilikanKe") or 0),
            due_date=record.pkb_due,
            today=REFERENCE_DATE,
        )
        assert _rupiah_value(assessment.findtext("jumlah") or "") == expected.total


async def test_progressive_order_of_a_jakarta_fleet(
    samsat: httpx.AsyncClient, world: World
) -> None:
    persona = world.personas["several_vehicles_overdue"]
    orders: dict[str, list[tuple[str, str]]] = {"MOBIL_PRIBADI": [], "SEPEDA_MOTOR": []}
    for plate in persona.plates:
        root = _xml(await samsat.post("/samsat/infopkb", data={"nopol": plate}))
        orders[root.findtext("kendaraan/golongan") or ""].append(
            (
                root.findtext("penetapan/kepemilikanKe") or "",
                root.findtext("penetapan/tarifPersen") or "",
            )
        )
    assert sorted(orders["MOBIL_PRIBADI"]) == [("1", "2,00"), ("2", "3,00"), ("3", "4,00")]
    assert orders["SEPEDA_MOTOR"] == [("1", "2,00")]


async def test_unknown_plate_is_code_01(samsat: httpx.AsyncClient) -> None:
    response = await samsat.post("/samsat/infopkb", data={"nopol": "Z 1 ZZZ"})
    assert response.status_code == 200
    root = _xml(response)
    assert (root.findtext("kode"), root.findtext("pesan")) == ("01", "NOPOL TIDAK TERDAFTAR")
    assert root.find("kendaraan") is None


@pytest.mark.parametrize(
    "form", [{"nopol": "1234"}, {"nopol": "B 12345 X"}, {"nopol": "ABC 1 X"}, {"nopol": ""}, {}]
)
async def test_malformed_plate_is_http_400_code_02(
    samsat: httpx.AsyncClient, form: dict[str, str]
) -> None:
    response = await samsat.post("/samsat/infopkb", data=form)
    assert response.status_code == 400
    root = _xml(response)
    assert (root.findtext("kode"), root.findtext("pesan")) == ("02", "FORMAT NOPOL SALAH")


def test_plate_normalisation() -> None:
    assert normalise_plate("b1234xyz") == "B 1234 XYZ"
    assert normalise_plate("AB-12-C") == "AB 12 C"
    assert normalise_plate("DK 7") == "DK 7"
    assert normalise_plate("B 1234 WXYZ") is None


def test_rupiah_format() -> None:
    assert rupiah(0) == "Rp 0"
    assert rupiah(3_450_000) == "Rp 3.450.000"


async def test_xml_values_are_escaped(world: World) -> None:
    plate = world.personas["deceased"].plates[0]
    owner = world.citizens[world.vehicles[plate].owner_nik]
    tricky = dataclasses.replace(owner, name="A & B <C>")
    altered = dataclasses.replace(world, citizens={**world.citizens, owner.nik: tricky})
    app = create_app(altered, FaultSettings(), today=lambda: REFERENCE_DATE)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://samsat.test"
    ) as client:
        response = await client.post("/samsat/infopkb", data={"nopol": plate})
    assert b"A &amp; B &lt;C&gt;" in response.content
    assert _xml(response).findtext("kendaraan/namaPemilik") == "A & B <C>"


async def test_vehicles_by_nik(samsat: httpx.AsyncClient, world: World) -> None:
    persona = world.personas["several_vehicles_overdue"]
    response = await samsat.get("/samsat/api/kendaraan", params={"nik": persona.nik})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["kodeRespon"], body["jumlahData"]) == ("SUKSES", 0, 4)
    items = body["dataKendaraan"]
    assert sorted(i["nopol"] for i in items) == sorted(persona.plates)
    for item in items:
        assert list(item) == [*VEHICLE_FIELDS, "penetapan"]
        assert list(item["penetapan"]) == ASSESSMENT_FIELDS
        assert item["nikPemilik"] == persona.nik
    assert sum(i["penetapan"]["bulanTerlambat"] > 0 for i in items) == 2


async def test_late_vehicle_carries_penalties(samsat: httpx.AsyncClient, world: World) -> None:
    persona = world.personas["several_vehicles_overdue"]
    body = (await samsat.get("/samsat/api/kendaraan", params={"nik": persona.nik})).json()
    for item in body["dataKendaraan"]:
        due = world.vehicles[item["nopol"]].pkb_due
        late = item["penetapan"]["bulanTerlambat"]
        if due < REFERENCE_DATE:
            assert late >= 1
            assert item["penetapan"]["swdklljDenda"] in {"Rp 32.000", "Rp 100.000"}
            assert _rupiah_value(item["penetapan"]["pkbDenda"]) > 0
        else:
            assert late == 0
            assert item["penetapan"]["pkbDenda"] == "Rp 0"


async def test_assessment_follows_the_clock(world: World) -> None:
    plate = world.personas["family"].plates[0]
    due = world.vehicles[plate].pkb_due
    app = create_app(world, FaultSettings(), today=lambda: due + timedelta(days=1))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://samsat.test"
    ) as client:
        root = _xml(await client.post("/samsat/infopkb", data={"nopol": plate}))
    assert root.findtext("penetapan/bulanTerlambat") == "1"
    assert root.findtext("penetapan/swdklljDenda") == "Rp 32.000"


async def test_nik_without_vehicles_gets_an_empty_list(
    samsat: httpx.AsyncClient, world: World
) -> None:
    response = await samsat.get(
        "/samsat/api/kendaraan", params={"nik": world.personas["nothing"].nik}
    )
    assert response.json() == {
        "status": "SUKSES",
        "kodeRespon": 0,
        "jumlahData": 0,
        "dataKendaraan": [],
    }


async def test_bad_nik_is_rejected(samsat: httpx.AsyncClient) -> None:
    response = await samsat.get("/samsat/api/kendaraan", params={"nik": "12ab"})
    assert response.status_code == 400
    assert response.json()["status"] == "GAGAL"


async def test_status(samsat: httpx.AsyncClient) -> None:
    body = (await samsat.get("/samsat/status")).json()
    assert body["status"] == "ONLINE"
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", body["waktuServer"])
