"""East Java's own dialect: envelope, statuses, idempotent writes, faults and complaints."""

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from simulators.faults import FaultSettings
from simulators.samsat_jatim.app import create_app
from simulators.world import World
from tests.simulators.conftest import REFERENCE_DATE


@pytest.fixture
def jatim_app(world: World) -> FastAPI:
    return create_app(world, FaultSettings(), today=lambda: REFERENCE_DATE)


@pytest.fixture
async def jatim(jatim_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=jatim_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://jatim.test") as client:
        yield client


def _east_java(world: World, overdue: bool) -> tuple[str, str]:
    """A plate registered in East Java, unblocked, with its owner, overdue or not yet payable."""
    for vehicle in world.vehicles.values():
        if vehicle.province_code != "35" or vehicle.blocked:
            continue
        late = vehicle.pkb_due < REFERENCE_DATE
        far = vehicle.pkb_due > REFERENCE_DATE + timedelta(days=90)
        if (overdue and late) or (not overdue and far):
            return vehicle.plate, vehicle.owner_nik
    raise LookupError("no such East Java vehicle in the world")


async def test_unknown_and_malformed_plates(jatim: httpx.AsyncClient) -> None:
    unknown = await jatim.get("/api/v2/kendaraan/L1QQQ")
    assert unknown.status_code == 404
    assert unknown.json() == {
        "success": False,
        "error": {
            "code": "KENDARAAN_TIDAK_DITEMUKAN",
            "message": "Kendaraan tidak terdaftar di Jatim",
        },
    }
    malformed = await jatim.get("/api/v2/kendaraan/12-34")
    assert (malformed.status_code, malformed.json()["error"]["code"]) == (422, "NOPOL_TIDAK_VALID")
    bad_nik = await jatim.get("/api/v2/wajib-pajak/123/kendaraan")
    assert (bad_nik.status_code, bad_nik.json()["error"]["code"]) == (422, "NIK_TIDAK_VALID")
    nobody = await jatim.get("/api/v2/wajib-pajak/3578010101900999/kendaraan")
    assert nobody.json() == {
        "success": True,
        "data": {"nik": "3578010101900999", "jumlah_kendaraan": 0, "kendaraan": []},
    }


async def test_vehicle_shape(jatim: httpx.AsyncClient, world: World) -> None:
    plate = world.personas["deceased"].plates[0]
    data = (await jatim.get(f"/api/v2/kendaraan/{plate}")).json()["data"]
    assert list(data) == [
        "nopol",
        "merek",
        "tipe",
        "jenis",
        "golongan",
        "isi_silinder",
        "tahun_pembuatan",
        "warna",
        "nik_pemilik",
        "nama_pemilik",
        "alamat_pemilik",
        "kode_wilayah",
        "masa_berlaku_pkb",
        "masa_berlaku_stnk",
        "diblokir",
        "penetapan",
    ]
    assert data["kode_wilayah"] == "3578"
    assert data["masa_berlaku_pkb"] == world.vehicles[plate].pkb_due.isoformat()
    assert isinstance(data["penetapan"]["total"], int)


async def test_assess_pay_and_replay(jatim: httpx.AsyncClient, world: World) -> None:
    world_plate, nik = _east_java(world, overdue=True)
    issue = {"nopol": world_plate, "nik": nik, "referensi": "jt-1"}
    issued = await jatim.post("/api/v2/penetapan", json=issue)
    assert issued.status_code == 201
    again = await jatim.post("/api/v2/penetapan", json=issue)
    assert again.content == issued.content
    code = issued.json()["data"]["kode_bayar"]
    amount = issued.json()["data"]["jumlah"]
    assert issued.json()["data"]["berlaku_sampai"] == "2026-11-24T23:59:59+07:00"

    wrong = await jatim.post(
        "/api/v2/pembayaran", json={"kode_bayar": code, "jumlah": amount + 1, "referensi": "jt-2"}
    )
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (409, "JUMLAH_TIDAK_SESUAI")
    payment = {"kode_bayar": code, "jumlah": amount, "referensi": "jt-3"}
    paid = await jatim.post("/api/v2/pembayaran", json=payment)
    assert paid.status_code == 200
    assert (await jatim.post("/api/v2/pembayaran", json=payment)).content == paid.content
    twice = await jatim.post("/api/v2/pembayaran", json={**payment, "referensi": "jt-4"})
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "KODE_BAYAR_SUDAH_DIBAYAR"
    assert twice.json()["data"] == paid.json()["data"]
    cannot_void = await jatim.post(
        "/api/v2/pembatalan", json={"kode_bayar": code, "referensi": "jt-5"}
    )
    assert cannot_void.status_code == 409

    log = (await jatim.get("/_control/requests")).json()
    assert [(e["path"], e["replayed"]) for e in log] == [
        ("/api/v2/penetapan", False),
        ("/api/v2/penetapan", True),
        ("/api/v2/pembayaran", False),
        ("/api/v2/pembayaran", False),
        ("/api/v2/pembayaran", True),
        ("/api/v2/pembayaran", False),
        ("/api/v2/pembatalan", False),
    ]


async def test_refusals_are_409_and_voids_work(jatim: httpx.AsyncClient, world: World) -> None:
    plate, nik = _east_java(world, overdue=True)
    not_owner = await jatim.post(
        "/api/v2/penetapan", json={"nopol": plate, "nik": "3578010101900999", "referensi": "r1"}
    )
    assert (not_owner.status_code, not_owner.json()["error"]["code"]) == (409, "NIK_TIDAK_SESUAI")
    later, later_nik = _east_java(world, overdue=False)
    early = await jatim.post(
        "/api/v2/penetapan", json={"nopol": later, "nik": later_nik, "referensi": "r2"}
    )
    assert (early.status_code, early.json()["error"]["code"]) == (409, "PAJAK_SUDAH_LUNAS")
    issued = await jatim.post(
        "/api/v2/penetapan", json={"nopol": plate, "nik": nik, "referensi": "r3"}
    )
    code = issued.json()["data"]["kode_bayar"]
    voided = await jatim.post("/api/v2/pembatalan", json={"kode_bayar": code, "referensi": "r4"})
    assert voided.json() == {"success": True, "data": {"kode_bayar": code, "status": "DIBATALKAN"}}
    late = await jatim.post(
        "/api/v2/pembayaran",
        json={"kode_bayar": code, "jumlah": issued.json()["data"]["jumlah"], "referensi": "r5"},
    )
    assert (late.status_code, late.json()["error"]["code"]) == (409, "KODE_BAYAR_DIBATALKAN")
    unknown = await jatim.post(
        "/api/v2/pembayaran", json={"kode_bayar": "0", "jumlah": 1, "referensi": "r6"}
    )
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"nopol": "L 1 A", "nik": "3578010101900001"},
        {"nopol": "L 1 A", "referensi": "x"},
        {"kode_bayar": "1", "jumlah": "100", "referensi": "x"},
    ],
)
async def test_incomplete_writes_are_400_and_unlogged(
    jatim: httpx.AsyncClient, body: dict[str, str]
) -> None:
    path = "/api/v2/pembayaran" if "kode_bayar" in body else "/api/v2/penetapan"
    refused = await jatim.post(path, json=body)
    assert (refused.status_code, refused.json()["error"]["code"]) == (
        400,
        "PERMINTAAN_TIDAK_LENGKAP",
    )
    assert (await jatim.get("/_control/requests")).json() == []


async def test_owner_address(jatim: httpx.AsyncClient, world: World) -> None:
    mover = world.personas["two_provinces"]
    moved = await jatim.put(
        f"/api/v2/wajib-pajak/{mover.nik}/alamat",
        json={"alamat": "Jl. Kramat Raya 5", "kode_kelurahan": "3171031001", "referensi": "a1"},
    )
    assert moved.json() == {"success": True, "data": {"nik": mover.nik, "jumlah_kendaraan": 1}}
    data = (await jatim.get(f"/api/v2/kendaraan/{mover.plates[1]}")).json()["data"]
    assert data["alamat_pemilik"].startswith("JL. KRAMAT RAYA 5, ")
    unknown = await jatim.put(
        f"/api/v2/wajib-pajak/{mover.nik}/alamat",
        json={"alamat": "Jl. X", "kode_kelurahan": "9999999999", "referensi": "a2"},
    )
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (
        422,
        "KODE_KELURAHAN_TIDAK_DIKENAL",
    )


async def test_complaints_are_answered_later(jatim: httpx.AsyncClient) -> None:
    await jatim.put("/_control/faults", json={"complaint_answer_seconds": 0})
    filed = await jatim.post(
        "/api/v2/pengaduan",
        json={
            "nik": "3578010101900001",
            "judul": "Notice",
            "isi": "Belum terbit",
            "referensi": "c",
        },
    )
    assert filed.status_code == 201
    ticket = filed.json()["data"]["nomor_tiket"]
    assert ticket.startswith("JATIM-ADU-")
    status = (await jatim.get(f"/api/v2/pengaduan/{ticket}")).json()["data"]
    assert status["status"] == "SELESAI"
    assert "Bapenda Provinsi Jawa Timur" in status["tanggapan"]
    assert (await jatim.get("/api/v2/pengaduan/NOPE")).status_code == 404


async def test_health_and_faults(jatim: httpx.AsyncClient) -> None:
    health = (await jatim.get("/api/v2/health")).json()
    assert health["success"] is True
    assert (health["data"]["status"], health["data"]["provinsi"]) == ("UP", ["35"])
    await jatim.put("/_control/faults", json={"down": True})
    assert (await jatim.get("/api/v2/health")).status_code == 503
    await jatim.put("/_control/faults", json={"down": False, "wrong_schema": True})
    stripped = (await jatim.get("/api/v2/health")).json()
    assert "success" not in stripped
