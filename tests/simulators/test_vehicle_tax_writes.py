import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from xml.etree.ElementTree import Element

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from simulators.dates import add_years
from simulators.faults import FaultSettings
from simulators.vehicle_tax.app import create_app
from simulators.vehicle_tax.records import rupiah
from simulators.world import World
from tests.simulators.conftest import REFERENCE_DATE

NEW_VILLAGE = "3174101004"


class Calendar:
    """A "today" the test can move, to see payment codes expire."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> date:
        return self.day


@pytest.fixture
def calendar() -> Calendar:
    return Calendar(REFERENCE_DATE)


@pytest.fixture
async def samsat(world: World, calendar: Calendar) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(world, FaultSettings(), today=calendar)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://samsat.test"
    ) as client:
        yield client


def _xml(response: httpx.Response) -> Element:
    assert response.headers["content-type"].startswith("application/xml")
    root: Element = fromstring(response.content)
    return root


def _outcome(response: httpx.Response) -> tuple[str | None, str | None]:
    root = _xml(response)
    return root.findtext("kode"), root.findtext("pesan")


def _amount(text: str | None) -> str:
    assert text is not None
    return text.removeprefix("Rp ").replace(".", "")


def _overdue(world: World) -> tuple[str, str]:
    """A vehicle of the fleet persona that is past its due date: (plate, owner NIK)."""
    persona = world.personas["several_vehicles_overdue"]
    plate = next(p for p in persona.plates if world.vehicles[p].pkb_due < REFERENCE_DATE)
    return plate, persona.nik


async def _issue(
    samsat: httpx.AsyncClient, plate: str, nik: str, ref: str = "tetap-1"
) -> httpx.Response:
    return await samsat.post("/samsat/penetapan", data={"nopol": plate, "nik": nik, "ref": ref})


async def _pay(
    samsat: httpx.AsyncClient, code: str | None, amount: str, ref: str = "bayar-1"
) -> httpx.Response:
    return await samsat.post(
        "/samsat/bayar", data={"kodeBayar": code or "", "jumlah": amount, "ref": ref}
    )


async def _info(samsat: httpx.AsyncClient, plate: str) -> Element:
    return _xml(await samsat.post("/samsat/infopkb", data={"nopol": plate}))


async def test_penetapan_issues_a_code_for_the_assessed_amount(
    samsat: httpx.AsyncClient, world: World
) -> None:
    plate, nik = _overdue(world)
    info = await _info(samsat, plate)
    response = await _issue(samsat, plate.replace(" ", "").lower(), nik)
    assert response.status_code == 200
    root = _xml(response)
    assert _outcome(response) == ("00", "KODE BAYAR DITERBITKAN")
    code = root.findtext("kodeBayar") or ""
    assert re.fullmatch(r"[0-9]{16}", code)
    assert code.startswith(world.citizens[nik].address.village.regency_code)
    assert root.findtext("namaPemilik") == world.citizens[nik].name
    assert root.findtext("jumlah") == info.findtext("penetapan/jumlah")
    tomorrow = REFERENCE_DATE + timedelta(days=1)
    assert root.findtext("berlakuSampai") == f"{tomorrow:%d/%m/%Y} 23:59"
    assessment = root.find("penetapan")
    expected = info.find("penetapan")
    assert assessment is not None
    assert expected is not None
    assert [(e.tag, e.text) for e in assessment] == [(e.tag, e.text) for e in expected]
    assert int(assessment.findtext("bulanTerlambat") or 0) > 0


async def test_payment_moves_the_due_date_a_year_on(
    samsat: httpx.AsyncClient, world: World
) -> None:
    plate, nik = _overdue(world)
    issued = _xml(await _issue(samsat, plate, nik))
    amount = _amount(issued.findtext("jumlah"))
    response = await _pay(samsat, issued.findtext("kodeBayar"), amount)
    assert _outcome(response) == ("00", "PEMBAYARAN BERHASIL")
    paid = _xml(response)
    new_due = add_years(world.vehicles[plate].pkb_due, 1)
    assert re.fullmatch(r"NTP-[0-9]{8}-[0-9]{6}", paid.findtext("noNotice") or "")
    assert paid.findtext("nopol") == plate
    assert paid.findtext("jumlah") == rupiah(int(amount))
    assert (paid.findtext("tglBayar") or "").startswith(f"{REFERENCE_DATE:%d/%m/%Y} ")
    assert paid.findtext("tglAkhirPkbBaru") == f"{new_due:%d/%m/%Y}"
    info = await _info(samsat, plate)
    assert info.findtext("kendaraan/tglAkhirPkb") == f"{new_due:%d/%m/%Y}"
    assert info.findtext("penetapan/bulanTerlambat") == "0"
    listed = await samsat.get("/samsat/api/kendaraan", params={"nik": nik})
    [vehicle] = [v for v in listed.json()["dataKendaraan"] if v["nopol"] == plate]
    assert vehicle["tglAkhirPkb"] == f"{new_due:%d/%m/%Y}"
    assert vehicle["penetapan"]["pkbDenda"] == "Rp 0"


async def test_replayed_payment_has_one_effect(samsat: httpx.AsyncClient, world: World) -> None:
    plate, nik = _overdue(world)
    issued = _xml(await _issue(samsat, plate, nik))
    code, amount = issued.findtext("kodeBayar"), _amount(issued.findtext("jumlah"))
    first = await _pay(samsat, code, amount, ref="same")
    again = await _pay(samsat, code, amount, ref="same")
    assert again.content == first.content
    new_due = add_years(world.vehicles[plate].pkb_due, 1)
    info = await _info(samsat, plate)
    assert info.findtext("kendaraan/tglAkhirPkb") == f"{new_due:%d/%m/%Y}"
    log = (await samsat.get("/_control/requests")).json()
    assert [(e["path"], e["ref"], e["replayed"]) for e in log] == [
        ("/samsat/penetapan", "tetap-1", False),
        ("/samsat/bayar", "same", False),
        ("/samsat/bayar", "same", True),
    ]


async def test_paying_a_paid_code_with_a_new_ref_is_09(
    samsat: httpx.AsyncClient, world: World
) -> None:
    plate, nik = _overdue(world)
    issued = _xml(await _issue(samsat, plate, nik))
    code, amount = issued.findtext("kodeBayar"), _amount(issued.findtext("jumlah"))
    first = _xml(await _pay(samsat, code, amount, ref="a"))
    second = await _pay(samsat, code, amount, ref="b")
    assert _outcome(second) == ("09", "KODE BAYAR SUDAH DIBAYAR")
    assert _xml(second).findtext("noNotice") == first.findtext("noNotice")
    new_due = add_years(world.vehicles[plate].pkb_due, 1)
    assert (await _info(samsat, plate)).findtext("kendaraan/tglAkhirPkb") == f"{new_due:%d/%m/%Y}"


async def test_replayed_penetapan_returns_the_same_code(
    samsat: httpx.AsyncClient, world: World
) -> None:
    plate, nik = _overdue(world)
    first = await _issue(samsat, plate, nik, ref="x")
    again = await _issue(samsat, plate, nik, ref="x")
    assert again.content == first.content
    code = _xml(first).findtext("kodeBayar")
    response = await _pay(samsat, code, _amount(_xml(first).findtext("jumlah")))
    assert _outcome(response)[0] == "00"


async def test_payment_rejections(samsat: httpx.AsyncClient, world: World) -> None:
    plate, nik = _overdue(world)
    issued = _xml(await _issue(samsat, plate, nik))
    code, amount = issued.findtext("kodeBayar"), _amount(issued.findtext("jumlah"))
    unknown = await _pay(samsat, "3174000000000000", amount, ref="r1")
    assert _outcome(unknown) == ("06", "KODE BAYAR TIDAK DIKENAL")
    short = await _pay(samsat, code, str(int(amount) - 1), ref="r2")
    assert _outcome(short) == ("07", "JUMLAH TIDAK SESUAI")
    formatted = await _pay(samsat, code, rupiah(int(amount)), ref="r3")
    assert _outcome(formatted) == ("07", "JUMLAH TIDAK SESUAI")
    assert (await _info(samsat, plate)).findtext("kendaraan/tglAkhirPkb") == (
        f"{world.vehicles[plate].pkb_due:%d/%m/%Y}"
    )


async def test_voided_code_cannot_be_paid(samsat: httpx.AsyncClient, world: World) -> None:
    plate, nik = _overdue(world)
    issued = _xml(await _issue(samsat, plate, nik))
    code, amount = issued.findtext("kodeBayar"), _amount(issued.findtext("jumlah"))
    voided = await samsat.post("/samsat/batal", data={"kodeBayar": code, "ref": "v"})
    assert voided.status_code == 200
    assert _outcome(voided) == ("00", "KODE BAYAR DIBATALKAN")
    assert _outcome(await _pay(samsat, code, amount)) == ("08", "KODE BAYAR SUDAH DIBATALKAN")
    again = await samsat.post("/samsat/batal", data={"kodeBayar": code, "ref": "v2"})
    assert _outcome(again) == ("00", "KODE BAYAR DIBATALKAN")


async def test_batal_rejections(samsat: httpx.AsyncClient, world: World) -> None:
    unknown = await samsat.post("/samsat/batal", data={"kodeBayar": "1", "ref": "v"})
    assert _outcome(unknown) == ("06", "KODE BAYAR TIDAK DIKENAL")
    plate, nik = _overdue(world)
    issued = _xml(await _issue(samsat, plate, nik))
    code = issued.findtext("kodeBayar")
    paid = _xml(await _pay(samsat, code, _amount(issued.findtext("jumlah"))))
    refused = await samsat.post("/samsat/batal", data={"kodeBayar": code, "ref": "v2"})
    assert _outcome(refused) == ("09", "KODE BAYAR SUDAH DIBAYAR")
    assert _xml(refused).findtext("noNotice") == paid.findtext("noNotice")


async def test_a_new_penetapan_supersedes_the_open_code(
    samsat: httpx.AsyncClient, world: World
) -> None:
    plate, nik = _overdue(world)
    old = _xml(await _issue(samsat, plate, nik, ref="a"))
    new = _xml(await _issue(samsat, plate, nik, ref="b"))
    assert old.findtext("kodeBayar") != new.findtext("kodeBayar")
    stale = await _pay(samsat, old.findtext("kodeBayar"), _amount(old.findtext("jumlah")))
    assert _outcome(stale)[0] == "08"
    fresh = await _pay(samsat, new.findtext("kodeBayar"), _amount(new.findtext("jumlah")), "c")
    assert _outcome(fresh)[0] == "00"


async def test_code_is_valid_until_the_end_of_the_next_day(
    samsat: httpx.AsyncClient, world: World, calendar: Calendar
) -> None:
    plate, nik = _overdue(world)
    first = _xml(await _issue(samsat, plate, nik, ref="a"))
    calendar.day = REFERENCE_DATE + timedelta(days=2)
    expired = await _pay(samsat, first.findtext("kodeBayar"), _amount(first.findtext("jumlah")))
    assert _outcome(expired) == ("08", "KODE BAYAR SUDAH DIBATALKAN")
    calendar.day = REFERENCE_DATE
    second = _xml(await _issue(samsat, plate, nik, ref="b"))
    calendar.day = REFERENCE_DATE + timedelta(days=1)
    paid = await _pay(samsat, second.findtext("kodeBayar"), _amount(second.findtext("jumlah")), "c")
    assert _outcome(paid)[0] == "00"


async def test_penetapan_rejections(samsat: httpx.AsyncClient, world: World) -> None:
    persona = world.personas["several_vehicles_overdue"]
    plate, nik = _overdue(world)
    unknown = await _issue(samsat, "B 1 ZZZ", nik, ref="1")
    assert (unknown.status_code, _outcome(unknown)) == (200, ("01", "NOPOL TIDAK TERDAFTAR"))
    stranger = await _issue(samsat, plate, world.personas["woman"].nik, ref="2")
    assert _outcome(stranger) == ("03", "NIK TIDAK SESUAI DENGAN PEMILIK")
    blocked = next(v for v in world.vehicles.values() if v.blocked)
    refused = await _issue(samsat, blocked.plate, blocked.owner_nik, ref="3")
    assert _outcome(refused) == ("04", "KENDARAAN DALAM STATUS BLOKIR")
    ahead = next(
        p for p in persona.plates if world.vehicles[p].pkb_due > REFERENCE_DATE + timedelta(days=90)
    )
    settled = await _issue(samsat, ahead, persona.nik, ref="4")
    assert _outcome(settled) == ("05", "PAJAK SUDAH LUNAS")
    malformed = await _issue(samsat, "12345", nik, ref="5")
    assert (malformed.status_code, _outcome(malformed)) == (400, ("02", "FORMAT NOPOL SALAH"))


async def test_paid_vehicle_has_nothing_more_to_pay(
    samsat: httpx.AsyncClient, world: World
) -> None:
    plate, nik = _overdue(world)
    issued = _xml(await _issue(samsat, plate, nik))
    await _pay(samsat, issued.findtext("kodeBayar"), _amount(issued.findtext("jumlah")))
    again = await _issue(samsat, plate, nik, ref="tetap-2")
    assert _outcome(again) == ("05", "PAJAK SUDAH LUNAS")


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/samsat/penetapan", {"nopol": "B 1 A", "nik": "3171010101010001"}),
        ("/samsat/penetapan", {"nopol": "B 1 A", "ref": "r"}),
        ("/samsat/bayar", {"kodeBayar": "1", "ref": "r"}),
        ("/samsat/bayar", {"kodeBayar": "1", "jumlah": "1", "ref": " "}),
        ("/samsat/batal", {"kodeBayar": "1"}),
    ],
)
async def test_incomplete_writes_are_400_and_unlogged(
    samsat: httpx.AsyncClient, path: str, form: dict[str, str]
) -> None:
    response = await samsat.post(path, data=form)
    assert response.status_code == 400
    assert _outcome(response) == ("99", "PARAMETER TIDAK LENGKAP")
    assert (await samsat.get("/_control/requests")).json() == []


async def test_owner_address_reaches_every_vehicle(samsat: httpx.AsyncClient, world: World) -> None:
    persona = world.personas["several_vehicles_overdue"]
    body = {
        "nik": persona.nik,
        "alamat": "Jl. Ciledug Raya No. 7 RT 004 RW 011",
        "kodeKelurahan": NEW_VILLAGE,
        "ref": "pindah",
    }
    response = await samsat.post("/samsat/api/alamat-pemilik", json=body)
    assert response.status_code == 200
    assert response.json() == {"status": "SUKSES", "kodeRespon": 0, "jumlahKendaraan": 4}
    expected = (
        "JL. CILEDUG RAYA NO. 7 RT 004 RW 011, PETUKANGAN SELATAN, PESANGGRAHAN, "
        "KOTA ADMINISTRASI JAKARTA SELATAN"
    )
    listed = (await samsat.get("/samsat/api/kendaraan", params={"nik": persona.nik})).json()
    assert {v["alamatPemilik"] for v in listed["dataKendaraan"]} == {expected}
    info = await _info(samsat, persona.plates[0])
    assert info.findtext("kendaraan/alamatPemilik") == expected
    replay = await samsat.post("/samsat/api/alamat-pemilik", json={**body, "alamat": "LAIN"})
    assert replay.json()["jumlahKendaraan"] == 4
    assert (await _info(samsat, persona.plates[0])).findtext("kendaraan/alamatPemilik") == expected


async def test_owner_address_of_a_nik_without_vehicles(
    samsat: httpx.AsyncClient, world: World
) -> None:
    body = {"nik": world.personas["nothing"].nik, "alamat": "JL. X", "kodeKelurahan": NEW_VILLAGE}
    response = await samsat.post("/samsat/api/alamat-pemilik", json={**body, "ref": "r"})
    assert response.json() == {"status": "SUKSES", "kodeRespon": 0, "jumlahKendaraan": 0}


@pytest.mark.parametrize(
    ("changes", "status", "code", "message"),
    [
        ({"nik": "123"}, 400, 2, "FORMAT NIK SALAH"),
        ({"kodeKelurahan": "3174109999"}, 400, 3, "KODE KELURAHAN TIDAK DIKENAL"),
        ({"alamat": ""}, 400, 1, "PARAMETER TIDAK LENGKAP"),
        ({"ref": None}, 400, 1, "PARAMETER TIDAK LENGKAP"),
    ],
)
async def test_owner_address_rejections(
    samsat: httpx.AsyncClient,
    world: World,
    changes: dict[str, str | None],
    status: int,
    code: int,
    message: str,
) -> None:
    body = {
        "nik": world.personas["family"].nik,
        "alamat": "JL. X",
        "kodeKelurahan": NEW_VILLAGE,
        "ref": "r",
        **changes,
    }
    response = await samsat.post("/samsat/api/alamat-pemilik", json=body)
    assert response.status_code == status
    assert response.json() == {"status": "GAGAL", "kodeRespon": code, "pesan": message}
