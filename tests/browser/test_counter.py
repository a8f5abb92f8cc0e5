"""The MPP counter console in Chromium, as an officer of the counter uses it: signed in through
the identity provider, they look a citizen up with a stated purpose, renew a vehicle's tax for
them and see its deadline in working days, see the overdue complaints of the counter's agency,
and the citizen's access log says who looked and why. Assertions are on what the officer sees:
roles, accessible names and focus."""

import asyncio
import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Request, expect
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from app.config import Settings
from app.db.models import ComplaintRecord
from simulators.stack import COUNTER_AGENCY, COUNTER_NAME, COUNTER_OFFICERS, Stack
from simulators.world import personas
from tests.browser.conftest import screenshot, sign_in_officer

DEMO = personas()
OFFICER = DEMO[COUNTER_OFFICERS[0]]
#: A Jakarta citizen with four vehicles, whose complaints about vehicle tax go to the counter's
#: own agency (DKI Jakarta's tax office).
CITIZEN = DEMO["several_vehicles_overdue"]
#: The motorcycle: other browser tests renew the citizen's cars.
PLATE = "B 8805 SXT"
RENEWAL = "Pengesahan STNK dan pembayaran PKB tahunan"
AGENCY_NAME = "Bapenda DKI Jakarta (SAMSAT)"
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


def in_indonesian(day: dt.date) -> str:
    """A date as the console writes it in Bahasa Indonesia: "Senin, 5 Januari 2026"."""
    return f"{DAYS[day.weekday()]}, {day.day} {MONTHS[day.month - 1]} {day.year}"


def gateway(stack: Stack, method: str, path: str, purpose: str, **kwargs: Any) -> httpx.Response:
    """A call to the gateway as the demo officer (every scope), outside the browser."""
    return httpx.request(
        method,
        f"{stack.gateway.url}{path}",
        headers=stack.officer_headers(purpose),
        timeout=30,
        **kwargs,
    )


def requests_of(stack: Stack, nik: str) -> list[dict[str, Any]]:
    answer = gateway(
        stack, "GET", "/v1/service-requests", "checking the counter's test", params={"nik": nik}
    )
    answer.raise_for_status()
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def move_verification_deadline(stack: Stack, complaint_id: str, due: dt.date) -> None:
    """Puts a complaint's verification deadline in the past, as the gateway's own complaint
    tests do: no clock of the gateway can be set from outside. Run on a thread with its own
    event loop, because Playwright's sync API already runs one on this thread."""
    url = Settings(database_url=stack.gateway.env["DATABASE_URL"]).database_url

    async def move() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.execute(
                update(ComplaintRecord)
                .where(ComplaintRecord.id == complaint_id)
                .values(verification_due=due)
            )
        await engine.dispose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, move()).result()


@pytest.fixture
def counter_office_down(web_stack: Stack) -> Iterator[None]:
    """The counter agency's simulator refuses every call, so a complaint for it stays in its
    first stage (verified, not handed over); it answers again afterwards."""
    office = web_stack.agencies[COUNTER_AGENCY].url
    httpx.put(f"{office}/_control/faults", json={"down": True}, timeout=10).raise_for_status()
    try:
        yield
    finally:
        httpx.delete(f"{office}/_control/faults", timeout=10).raise_for_status()


def look_up(page: Page, nik: str, purpose: str, queue: str = "") -> None:
    page.get_by_label("NIK", exact=True).fill(nik)
    page.get_by_label("Tujuan", exact=True).select_option(label=purpose)
    if queue:
        page.get_by_label("Nomor antrean (jika ada)").fill(queue)
    page.get_by_role("button", name="Cari warga").click()


def test_an_officer_looks_a_citizen_up_and_renews_their_vehicle_tax(
    page: Page, web_stack: Stack
) -> None:
    before = {r["id"] for r in requests_of(web_stack, CITIZEN.nik)}
    sign_in_officer(page, OFFICER.nik)
    expect(page.get_by_role("heading", level=1, name="Konsol Loket MPP")).to_be_visible()
    expect(page.get_by_text(COUNTER_NAME)).to_be_visible()
    expect(page.get_by_text(AGENCY_NAME)).to_be_visible()
    expect(page.get_by_text(OFFICER.name, exact=True)).to_be_visible()

    look_up(page, CITIZEN.nik, "Perpanjangan pajak kendaraan di loket", queue="A012")

    citizen = page.get_by_role("heading", level=2, name=f"Warga: {CITIZEN.name}")
    expect(citizen).to_be_focused()
    vehicles = page.get_by_role("table", name=f"Kendaraan atas nama {CITIZEN.name}")
    for plate in CITIZEN.plates:
        expect(vehicles.get_by_role("rowheader", name=plate, exact=True)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(f"Data {CITIZEN.name} ditampilkan.")
    page.get_by_label("Tujuan", exact=True).evaluate("e => e.closest('fieldset').scrollIntoView()")
    screenshot(page, "counter-lookup")

    page.get_by_label("Layanan", exact=True).select_option(label=RENEWAL)
    expect(page.get_by_text("Standar waktu: 1 hari kerja.", exact=False)).to_be_visible()
    page.get_by_label("Nomor polisi", exact=True).select_option(PLATE)
    page.get_by_role("button", name="Ajukan permohonan").dblclick()

    accepted = page.get_by_role("heading", name=f"Permohonan {RENEWAL} diterima.")
    expect(accepted).to_be_focused()
    filed = [r for r in requests_of(web_stack, CITIZEN.nik) if r["id"] not in before]
    assert [(r["service"], r["data"]["plate_number"]) for r in filed] == [
        ("vehicle-tax-renewal", PLATE)
    ], "a double click files one request"
    request = filed[0]
    deadline = f"{in_indonesian(dt.date.fromisoformat(request['sla_deadline']))} (1 hari kerja"
    result = page.get_by_role("group", name=f"Permohonan {RENEWAL} diterima.")
    expect(result).to_contain_text(request["id"])
    expect(result).to_contain_text(deadline)

    listed = page.get_by_role("table", name=f"Permohonan layanan {CITIZEN.name}, terbaru di atas")
    row = listed.get_by_role("row").filter(has_text=request["id"][:8])
    expect(row).to_have_count(1)
    expect(row.get_by_role("rowheader")).to_contain_text(RENEWAL)
    expect(row).to_contain_text(deadline)

    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "at 360 px the page does not scroll sideways (wide tables scroll in their own region)"
    )


def test_a_lookup_without_a_purpose_names_the_field_and_sends_nothing(
    page: Page, web_stack: Stack
) -> None:
    sign_in_officer(page, OFFICER.nik)
    page.get_by_label("NIK", exact=True).fill(CITIZEN.nik)
    page.wait_for_load_state("networkidle")
    sent: list[str] = []

    def record(request: Request) -> None:
        if "/api/" in request.url:
            sent.append(request.url)

    page.on("request", record)

    page.get_by_role("button", name="Cari warga").click()

    purpose = page.get_by_label("Tujuan", exact=True)
    expect(purpose).to_be_focused()
    expect(purpose).to_have_attribute("aria-invalid", "true")
    expect(purpose).to_have_accessible_description(
        "Wajib. Dicatat di riwayat akses warga. "
        "Tujuan wajib dipilih: sebutkan untuk apa data warga dibuka."
    )
    expect(page.get_by_role("alert")).to_contain_text("Tujuan wajib dipilih")
    expect(page.get_by_role("heading", name=f"Warga: {CITIZEN.name}")).to_have_count(0)
    page.wait_for_load_state("networkidle")
    assert sent == []


def test_the_officers_lookup_is_in_the_citizens_access_log_with_the_stated_purpose(
    page: Page, web_stack: Stack
) -> None:
    stated = "Pengecekan kendaraan untuk surat keterangan fiskal"
    sign_in_officer(page, OFFICER.nik)
    page.get_by_label("NIK", exact=True).fill(CITIZEN.nik)
    page.get_by_label("Tujuan", exact=True).select_option(label="Lainnya (tulis sendiri)")
    page.get_by_label("Tujuan lainnya").fill(stated)
    page.get_by_role("button", name="Cari warga").click()
    expect(page.get_by_role("heading", name=f"Warga: {CITIZEN.name}")).to_be_focused()

    log = gateway(
        web_stack,
        "GET",
        f"/v1/citizens/{CITIZEN.nik}/access-log",
        "checking the counter's access record",
        params={"page_size": 100},
    )

    assert log.status_code == 200, log.text
    lookups = [
        e
        for e in log.json()["items"]
        if e["client_id"] == "demo-counter" and e["operation"] == "citizen.profile"
    ]
    assert [e["purpose"] for e in lookups][:1] == [stated]
    assert "identity" in lookups[0]["released"]


def file_complaint(stack: Stack, subject: str) -> dict[str, Any]:
    """A complaint about the citizen's vehicle tax, which goes to the counter's own agency."""
    answer = gateway(
        stack,
        "POST",
        "/v1/complaints",
        "filing a complaint for the counter's test",
        json={
            "nik": CITIZEN.nik,
            "subject": subject,
            "description": f"Perpanjangan pajak {PLATE} di loket MPP tidak bisa diproses.",
            "service": "vehicle-tax-renewal",
        },
    )
    assert answer.status_code == 201, answer.text
    complaint: dict[str, Any] = answer.json()
    assert complaint["agency"] == COUNTER_AGENCY
    return complaint


def test_the_overdue_complaints_of_the_counters_agency_are_listed(
    page: Page, web_stack: Stack, counter_office_down: None
) -> None:
    subject = "Kode bayar PKB tidak terbit di loket"
    complaint = file_complaint(web_stack, subject)
    move_verification_deadline(web_stack, complaint["id"], dt.date(2026, 1, 5))
    in_time_subject = "Antrean loket PKB terlalu lama"
    in_time = file_complaint(web_stack, in_time_subject)
    assert in_time["overdue"] is False

    sign_in_officer(page, OFFICER.nik)
    page.get_by_role("navigation", name="Bagian konsol").get_by_role(
        "link", name="Pengaduan terlambat"
    ).click()
    expect(page.get_by_role("heading", name="Pengaduan yang melewati tenggat")).to_be_focused()
    expect(page.get_by_label("Tujuan", exact=True)).to_have_value("purposeOverdue")
    page.get_by_role("button", name="Tampilkan pengaduan terlambat").click()

    caption = f"Pengaduan terlambat di {AGENCY_NAME}"
    expect(page.get_by_role("region", name=caption)).to_be_focused()
    table = page.get_by_role("table", name=caption)
    row = table.get_by_role("row").filter(has_text=subject)
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell", name=CITIZEN.nik)).to_be_visible()
    expect(row).to_contain_text("Menunggu diteruskan ke instansi")
    expect(row).to_contain_text(f"Diteruskan paling lambat {in_indonesian(dt.date(2026, 1, 5))}")
    expect(table.get_by_role("row").filter(has_text=in_time_subject)).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("pengaduan terlambat ditampilkan")
    screenshot(page, "counter-overdue")
