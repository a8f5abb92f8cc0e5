"""The citizen portal in Chromium, as a citizen uses it: signing in to their profile, renewing
vehicle tax through to the receipt, a profile while one tax office is down, a complaint filed
and answered, a parent acting for a child and the child's access log saying so, an address
change and the tax offices told of it, a mandate granted, seen by its holder and withdrawn.
Assertions read what a person sees (roles and accessible names, in Bahasa Indonesia, the
default), and the screenshots the README shows are taken here."""

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from app.workflows.calendar import is_working_day, jakarta_today
from simulators.stack import Stack
from simulators.world import personas
from tests.browser.conftest import (
    DESKTOP,
    STEP_TIMEOUT_MS,
    screenshot,
    session_of,
    sign_in_at_provider,
    sign_in_citizen,
    web_url,
)
from tests.browser.test_counter import in_indonesian

pytestmark = pytest.mark.e2e

DEMO = personas()
#: A payment, the tax office's receipt and a complaint's answer arrive through background
#: workers and a courier that asks again every few seconds.
SLOW_MS = 45_000

A11Y_PROBLEMS = """() => {
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const named = (el) => {
    if ((el.getAttribute("aria-label") || "").trim()) return true;
    const ids = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
    if (ids.some((id) => (document.getElementById(id)?.textContent || "").trim())) return true;
    if (el.labels && [...el.labels].some((l) => l.textContent.trim())) return true;
    if (el.tagName === "BUTTON") return el.textContent.trim() !== "";
    return false;
  };
  const controls = [...document.querySelectorAll("input, select, textarea, button")]
    .filter((el) => el.type !== "hidden" && visible(el));
  const unnamed = controls.filter((el) => !named(el)).map((el) => el.outerHTML.slice(0, 120));
  return { h1: document.querySelectorAll("h1").length, unnamed, controls: controls.length };
}"""


def assert_accessible(page: Page) -> None:
    """Every visible form control has an accessible name, and the view has exactly one h1."""
    found = page.evaluate(A11Y_PROBLEMS)
    assert found["h1"] == 1, f"{found['h1']} h1 elements on {page.url}"
    assert found["unnamed"] == [], f"controls without an accessible name on {page.url}"
    assert found["controls"] > 0


@contextmanager
def agency_faults(stack: Stack, codes: list[str], faults: dict[str, object]) -> Iterator[None]:
    """Sets faults on agency simulators through their control API, and clears them after."""
    urls = [f"{stack.agencies[code].url}/_control/faults" for code in codes]
    for url in urls:
        httpx.put(url, json=faults).raise_for_status()
    try:
        yield
    finally:
        for url in urls:
            httpx.delete(url).raise_for_status()


def h1(page: Page, name: str | re.Pattern[str]) -> None:
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def deadline_as_shown(deadline: dt.date) -> str:
    """A deadline as the portal writes it, with the working days left counted on the gateway's
    own calendar (weekends, public holidays and collective leave skipped)."""
    today = jakarta_today(dt.datetime.now(dt.UTC))
    left = sum(
        is_working_day(today + dt.timedelta(days=n)) for n in range(1, (deadline - today).days + 1)
    )
    counted = f"{left} hari kerja lagi" if left > 0 else "hari ini hari kerja terakhir"
    return f"{in_indonesian(deadline)} ({counted})"


def test_a_signed_in_citizen_sees_their_profile_with_their_vehicles(page: Page) -> None:
    citizen = DEMO["several_vehicles_overdue"]
    page.goto("/")
    h1(page, "Layanan publik dalam satu pintu")
    expect(page.get_by_role("link", name="Masuk dengan identitas digital")).to_be_visible()
    assert_accessible(page)

    sign_in_citizen(page, citizen.nik)

    h1(page, f"Profil {citizen.name}")
    expect(page.get_by_role("heading", level=2, name="Data kependudukan")).to_be_visible()
    vehicles = page.get_by_role("region", name="Kendaraan")
    for plate in citizen.plates:
        expect(vehicles.get_by_role("heading", level=3, name=plate)).to_be_visible()
    expect(vehicles.get_by_text(re.compile(r"Terlambat \d+ bulan")).first).to_be_visible()
    expect(page.get_by_role("link", name=f"Perpanjang pajak {citizen.plates[1]}")).to_be_visible()
    expect(page.get_by_text("Sebagian data tidak tersedia")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "portal-profile")
    screenshot(page, "portal-profile-phone", phone=True)

    page.get_by_role("button", name="English").click()
    h1(page, f"Profile of {citizen.name}")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_citizen_renews_vehicle_tax_pays_and_gets_a_receipt(page: Page) -> None:
    citizen = DEMO["multi_year_arrears"]
    plate = citizen.plates[0]

    sign_in_citizen(page, citizen.nik)
    page.get_by_role("link", name=f"Perpanjang pajak {plate}").click()
    h1(page, "Perpanjang pajak kendaraan")
    expect(page.get_by_role("radio", name=re.compile(re.escape(plate)))).to_be_checked()
    assert_accessible(page)
    page.get_by_role("button", name="Ajukan perpanjangan").click()

    h1(page, "Perpanjangan pajak kendaraan")
    status = page.get_by_role("status").filter(has_text="Status:")
    expect(status).to_have_text(re.compile("Menunggu pembayaran"), timeout=SLOW_MS)
    request_id = page.url.rsplit("/", 1)[-1]
    request = page.request.get(f"/api/v1/service-requests/{request_id}").json()
    term = page.locator("dt", has_text="Batas waktu layanan")
    due = term.locator("xpath=following-sibling::dd[1]")
    expect(due).to_have_text(deadline_as_shown(dt.date.fromisoformat(request["sla_deadline"])))
    payment = page.get_by_role("region", name="Pembayaran")
    expect(payment.get_by_text(re.compile(r"^Rp [\d.]+$"))).to_be_visible()
    amount = payment.get_by_text(re.compile(r"^Rp [\d.]+$")).inner_text()
    page.get_by_role("button", name=f"Bayar {amount}").click()

    receipt = page.get_by_role("region", name="Bukti pembayaran")
    expect(receipt).to_be_visible(timeout=SLOW_MS)
    expect(status).to_have_text(re.compile("Selesai"))
    expect(receipt.get_by_text(plate, exact=True)).to_be_visible()
    expect(receipt.get_by_text(amount, exact=True)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "portal-renewal-receipt")

    survey = page.get_by_role("region", name="Survei kepuasan")
    for group in survey.get_by_role("group").all():
        group.get_by_role("radio", name="4 — Sangat baik").check()
    survey.get_by_role("button", name="Kirim survei").click()
    expect(survey.get_by_role("status")).to_have_text(
        "Terima kasih. Jawaban survei Anda sudah tercatat."
    )


def test_a_complaint_is_filed_and_followed_to_the_agency_answer(
    page: Page, web_stack: Stack
) -> None:
    citizen = DEMO["bekasi_plate"]
    subject = "Kode bayar tidak terbit"

    with agency_faults(web_stack, list(web_stack.agencies), {"complaint_answer_seconds": 0.2}):
        sign_in_citizen(page, citizen.nik, return_to="/pengaduan")
        h1(page, "Pengaduan")
        page.get_by_role("link", name="Sampaikan pengaduan baru").click()
        h1(page, "Sampaikan pengaduan")
        page.get_by_role("button", name="Kirim pengaduan").click()
        expect(page.get_by_role("textbox", name="Perihal")).to_be_focused()
        expect(page.get_by_text("Wajib diisi.").first).to_be_visible()
        assert_accessible(page)

        page.get_by_role("textbox", name="Perihal").fill(subject)
        page.get_by_role("textbox", name="Uraian pengaduan").fill(
            "Perpanjangan pajak tahunan mobil saya tidak bisa diproses sejak kemarin."
        )
        page.get_by_role("combobox", name=re.compile("Layanan yang diadukan")).select_option(
            "vehicle-tax-renewal"
        )
        page.get_by_role("button", name="Kirim pengaduan").click()

        h1(page, f"Pengaduan: {subject}")
        answer = page.get_by_role("region", name="Jawaban instansi")
        expect(page.get_by_role("status")).to_have_text("Status: Selesai dijawab", timeout=SLOW_MS)
        expect(answer.get_by_text("Belum ada jawaban.")).to_have_count(0)
        expect(answer.locator("p").first).not_to_be_empty()
        history = page.get_by_role("region", name="Riwayat")
        expect(history.get_by_text("Dijawab", exact=True)).to_be_visible()

        page.get_by_role("link", name="Pengaduan", exact=True).click()
        expect(page.get_by_role("link", name=subject)).to_be_visible()


def test_a_parent_acts_for_a_child_and_the_child_log_says_so(page: Page) -> None:
    parent = DEMO["family"]

    sign_in_citizen(page, parent.nik)
    h1(page, f"Profil {parent.name}")
    family = page.get_by_role("region", name="Keluarga")
    act = family.get_by_role("button", name=re.compile("^Bertindak untuk ")).first
    expect(act).to_be_visible()
    child_name = act.inner_text().removeprefix("Bertindak untuk ")
    act.click()
    sign_in_at_provider(page, parent.nik)
    page.wait_for_url(lambda url: "/authorize" not in url and "/auth/" not in url)

    session = session_of(page)
    acting_for = session["acting_for"]
    assert isinstance(acting_for, dict)
    assert acting_for["name"] == child_name
    banner = page.get_by_role("region", name=f"Anda sedang bertindak untuk {child_name}.")
    expect(banner).to_be_visible()
    h1(page, f"Profil {child_name}")
    expect(page.get_by_role("region", name="Keluarga").get_by_role("button")).to_have_count(0)

    page.get_by_role("link", name="Riwayat akses data").click()
    h1(page, "Riwayat akses data")
    log = page.get_by_role("table", name=f"Akses ke data {child_name}, terbaru di atas")
    expect(log.get_by_role("cell", name=re.compile("bertindak untuk Anda")).first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "portal-access-log")

    banner.get_by_role("button", name=f"Berhenti bertindak untuk {child_name}").click()
    h1(page, f"Profil {parent.name}")
    expect(page.get_by_text(re.compile("Anda sedang bertindak untuk"))).to_have_count(0)
    assert session_of(page)["acting_for"] is None


def test_the_profile_with_vehicle_tax_down_shows_the_rest_and_names_the_office(
    page: Page, web_stack: Stack
) -> None:
    citizen = DEMO["several_vehicles_overdue"]

    with agency_faults(web_stack, ["bapenda_31"], {"down": True}):
        sign_in_citizen(page, citizen.nik)

        h1(page, f"Profil {citizen.name}")
        expect(
            page.get_by_role("heading", level=2, name="Sebagian data tidak tersedia")
        ).to_be_visible()
        expect(
            page.get_by_text(
                "Data kendaraan sedang tidak dapat diambil dari Bapenda DKI Jakarta. "
                "Bagian lain tetap ditampilkan."
            )
        ).to_be_visible()
        identity = page.get_by_role("region", name="Data kependudukan")
        expect(identity.get_by_text(citizen.nik, exact=True)).to_be_visible()
        vehicles = page.get_by_role("region", name="Kendaraan")
        expect(
            vehicles.get_by_text("Data ini tidak dapat diambil dari Bapenda DKI Jakarta saat ini.")
        ).to_be_visible()
        expect(vehicles.get_by_role("heading", level=3)).to_have_count(0)
        screenshot(page, "portal-agency-down")


def test_a_head_of_family_changes_address_and_sees_the_offices_told(page: Page) -> None:
    citizen = DEMO["two_provinces"]
    street = "Jl. K.H. Mas Mansyur No. 7"

    sign_in_citizen(page, citizen.nik, return_to="/pindah-alamat")
    h1(page, "Pindah alamat")
    expect(page.get_by_text(re.compile("^Alamat sekarang: "))).to_be_visible()
    rt = page.get_by_role("textbox", name="RT", exact=True)
    rt.fill("4")
    page.get_by_role("button", name="Ajukan pindah alamat").click()
    expect(page.get_by_role("textbox", name="Jalan dan nomor rumah")).to_be_focused()
    expect(rt).to_have_accessible_description(
        "Tiga angka, misalnya 004 Isi tiga angka, misalnya 004."
    )
    assert_accessible(page)

    page.get_by_role("textbox", name="Jalan dan nomor rumah").fill(street)
    rt.fill("004")
    page.get_by_role("textbox", name="RW", exact=True).fill("011")
    page.get_by_role("textbox", name="Kode kelurahan/desa").fill("31.71.07.1003")
    page.get_by_role("button", name="Ajukan pindah alamat").click()

    page.wait_for_url(re.compile(r"/permohonan/[^/]+$"))
    h1(page, "Pindah alamat")
    status = page.get_by_role("status").filter(has_text="Status:")
    expect(status).to_have_text("Status: Selesai", timeout=SLOW_MS)
    told = page.get_by_role("region", name="Instansi yang sudah diberi tahu")
    # Each province where a car of theirs is registered learns of the move.
    for office in ("Bapenda DKI Jakarta", "Bapenda Jawa Timur"):
        expect(told.get_by_text(re.compile(f"^{office}: 1 data diperbarui pada "))).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Permohonan saya").click()
    h1(page, "Permohonan saya")
    expect(page.get_by_role("link", name="Pindah alamat", exact=True)).to_be_visible()

    page.get_by_role("link", name="Profil", exact=True).click()
    identity = page.get_by_role("region", name="Data kependudukan")
    expect(identity.get_by_text(f"{street}, RT 004/RW 011, Karet Tengsin, ")).to_be_visible()


@contextmanager
def second_person(browser: Browser, stack: Stack) -> Iterator[Page]:
    """Another person's own browser, beside the test's: no cookie of the first is shared."""
    context = browser.new_context(
        base_url=web_url(stack), viewport=DESKTOP, locale="id-ID", timezone_id="Asia/Jakarta"
    )
    context.set_default_timeout(STEP_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def on_mandates_page(page: Page, nik: str) -> None:
    """Signs `nik` in, straight to their Kuasa page."""
    sign_in_citizen(page, nik, return_to="/kuasa")
    h1(page, "Kuasa")


def grant_mandate(page: Page, holder_nik: str, purpose: str) -> None:
    """On the Kuasa page: grants `holder_nik` a mandate with the form's default scopes and end
    date, and waits for the page to say it was given."""
    form = page.get_by_role("region", name="Berikan kuasa baru")
    form.get_by_role("textbox", name="NIK penerima kuasa").fill(holder_nik)
    form.get_by_role("textbox", name="Keperluan").fill(purpose)
    form.get_by_role("button", name="Berikan kuasa").click()
    expect(page.get_by_role("status").filter(has_text="Kuasa telah")).to_have_text(
        "Kuasa telah diberikan."
    )


def test_a_mandate_is_granted_seen_by_its_holder_and_withdrawn(
    page: Page, browser: Browser, web_stack: Stack
) -> None:
    grantor = DEMO["every_risk_business"]
    holder = DEMO["tangerang_plate"]

    on_mandates_page(page, grantor.nik)
    granted = page.get_by_role("region", name="Kuasa yang Anda berikan")
    expect(granted.get_by_text("Tidak ada.")).to_be_visible()
    form = page.get_by_role("region", name="Berikan kuasa baru")
    form.get_by_role("button", name="Berikan kuasa").click()
    grantee = form.get_by_role("textbox", name="NIK penerima kuasa")
    expect(grantee).to_be_focused()
    expect(grantee).to_have_accessible_description("16 angka Isi 16 angka NIK.")
    assert_accessible(page)

    grant_mandate(page, holder.nik, "Mengurus perizinan usaha saya")
    notice = page.get_by_role("status").filter(has_text="Kuasa telah")
    given = granted.get_by_role("listitem").filter(
        has=page.get_by_role("heading", level=3, name=f"Kepada NIK {holder.nik}")
    )
    expect(given.get_by_text("Berlaku", exact=True)).to_be_visible()
    expect(given.get_by_text("Mengurus perizinan usaha saya")).to_be_visible()

    with second_person(browser, web_stack) as other:
        on_mandates_page(other, holder.nik)
        received = other.get_by_role("region", name="Kuasa yang Anda terima")
        from_grantor = received.get_by_role("listitem").filter(
            has=other.get_by_role("heading", level=3, name=f"Dari NIK {grantor.nik}")
        )
        expect(from_grantor.get_by_text("Berlaku", exact=True)).to_be_visible()
        act = from_grantor.get_by_role("button", name=f"Bertindak untuk {grantor.nik}")
        expect(act).to_be_visible()
        assert_accessible(other)

        given.get_by_role("button", name=f"Cabut kuasa untuk {holder.nik}").click()
        expect(notice).to_have_text("Kuasa telah dicabut.")
        expect(given.get_by_text("Dicabut", exact=True)).to_be_visible()
        expect(given.get_by_role("button")).to_have_count(0)

        other.reload()
        h1(other, "Kuasa")
        expect(from_grantor.get_by_text("Dicabut", exact=True)).to_be_visible()
        expect(act).to_have_count(0)


def test_a_mandate_holder_acts_for_the_grantor(
    page: Page, browser: Browser, web_stack: Stack
) -> None:
    grantor = DEMO["pre_split_sorong"]
    holder = DEMO["tangerang_plate"]

    on_mandates_page(page, grantor.nik)
    grant_mandate(page, holder.nik, "Mengurus permohonan saya")

    with second_person(browser, web_stack) as other:
        on_mandates_page(other, holder.nik)
        received = other.get_by_role("region", name="Kuasa yang Anda terima")
        received.get_by_role("button", name=f"Bertindak untuk {grantor.nik}").click()
        sign_in_at_provider(other, holder.nik)
        other.wait_for_url(lambda url: "/authorize" not in url and "/auth/" not in url)

        acting_for = session_of(other)["acting_for"]
        assert isinstance(acting_for, dict), f"not acting for the grantor: {other.url}"
        banner = other.get_by_role("region", name=f"Anda sedang bertindak untuk {grantor.name}.")
        expect(banner).to_be_visible()
        h1(other, f"Profil {grantor.name}")
