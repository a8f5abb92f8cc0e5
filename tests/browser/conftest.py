"""The whole system with the web app, and a real Chromium to drive it.

`web_stack` starts every process as `make run` does, the web app's server among them, on free
ports, once per test session (building `web/` first when its output is missing or older than
its sources). `browser` is Debian's Chromium, headless, driven by Playwright's sync API, so
browser tests are plain (not async) functions; `page` gives each test a fresh context (no
cookie or storage of another test). Signing in goes through the identity provider's real
pages: the NIK, the demo PIN, then consent."""

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

from simulators.identity_provider import DEMO_PIN
from simulators.stack import (
    AGENCY_PORTS,
    DECLARED_AT_START,
    WEB_DIR,
    WEB_SERVER,
    Stack,
    free_port,
    plan,
    running,
)
from tests.conftest import EXTERNAL_DATABASE, RUN_SECRETS_ENV, _empty_tables

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(
    os.environ.get("SATUPINTU_SCREENSHOTS")
    or Path(tempfile.gettempdir()) / f"satupintu-screenshots-{os.getpid()}"
)
"""Where the tests put their screenshots: the README's (`docs/screenshots`) only when asked
(`make screenshots`), so an ordinary test run never rewrites committed files."""
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=360, height=740)
#: What the web app is built from; the build is redone when any of it is newer than its output.
WEB_SOURCES = ("server", "src", "scripts", "package.json", "package-lock.json")
#: How long a step of a browser test may wait (a sign-in passes three processes).
STEP_TIMEOUT_MS = 30_000


def _newest_source() -> float:
    newest = 0.0
    for name in WEB_SOURCES:
        path = WEB_DIR / name
        files = path.rglob("*") if path.is_dir() else [path]
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    return newest


def build_web() -> None:
    """`npm run build` in web/ unless dist/server.js is newer than every source; the
    dependencies must be installed (`make web` does both)."""
    if WEB_SERVER.is_file() and WEB_SERVER.stat().st_mtime >= _newest_source():
        return
    if not (WEB_DIR / "node_modules").is_dir():
        pytest.fail("web/node_modules is missing: run `make web` (npm ci and the build)")
    subprocess.run(["npm", "run", "--silent", "build"], cwd=WEB_DIR, check=True)


@pytest.fixture(scope="package")
def web_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole system as `make run` starts it, with the web app, on free ports. It lives no
    longer than the browser tests: on a shared database (CI's PostgreSQL) its gateway's worker
    would otherwise go on claiming the service requests of every later test."""
    build_web()
    directory = tmp_path_factory.mktemp("web")
    if EXTERNAL_DATABASE:
        from app.config import Settings

        _empty_tables(Settings(database_url=EXTERNAL_DATABASE).database_url)
    planned = plan(
        EXTERNAL_DATABASE or f"sqlite+aiosqlite:///{directory}/gateway.db",
        gateway_port=free_port(),
        agency_ports={code: free_port() for code in AGENCY_PORTS},
        provinces_port=free_port(),
        secrets=RUN_SECRETS_ENV,
        web_port=free_port(),
    )
    with running(planned) as started:
        started.declare(DECLARED_AT_START)
        yield started


def web_url(stack: Stack) -> str:
    assert stack.web is not None
    return stack.web.url


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the browser tests, and Chromium is not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
    yield launched
    launched.close()


@pytest.fixture
def context(browser: Browser, web_stack: Stack) -> Iterator[BrowserContext]:
    """A fresh browser profile for one test, at the desktop size the screenshots use."""
    fresh = browser.new_context(
        base_url=web_url(web_stack), viewport=DESKTOP, locale="id-ID", timezone_id="Asia/Jakarta"
    )
    fresh.set_default_timeout(STEP_TIMEOUT_MS)
    yield fresh
    fresh.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def sign_in_at_provider(page: Page, nik: str, *, approve: bool = True) -> None:
    """On the identity provider's sign-in page: NIK and the demo PIN, then consent (in either
    language: the fields are found by their labels' `for`, the buttons by their values)."""
    page.wait_for_selector("form[action='/authorize/sign-in']")
    page.locator("#nik").fill(nik)
    page.locator("#pin").fill(DEMO_PIN)
    page.locator("form[action='/authorize/sign-in'] button[type=submit]").click()
    page.wait_for_selector("form[action='/authorize/consent']")
    decision = "approve" if approve else "deny"
    page.locator(f"button[name=decision][value={decision}]").click()


def _back_in_app(url: str) -> bool:
    """Whether the browser left the provider's pages and the app's callback: signed in."""
    path = urlsplit(url).path
    return not path.startswith("/authorize") and path != "/auth/callback"


def _signed_in(page: Page, query: str, return_to: str, nik: str) -> None:
    page.goto(f"/auth/login?{query}&{urlencode({'return_to': return_to})}")
    sign_in_at_provider(page, nik)
    page.wait_for_url(_back_in_app)


def sign_in_citizen(page: Page, nik: str, return_to: str = "/") -> None:
    """Signs `nik` in to the citizen portal through the provider's real pages; the page ends
    at `return_to` in the app."""
    _signed_in(page, "as=citizen", return_to, nik)


def sign_in_officer(page: Page, nik: str, return_to: str = "/counter") -> None:
    """Signs `nik` in to the counter console; it must be one of the counter's officers
    (`simulators.stack.COUNTER_OFFICERS`), else the app answers with a refusal page."""
    _signed_in(page, "as=officer", return_to, nik)


def act_for(page: Page, parent_nik: str, child_nik: str, return_to: str = "/") -> None:
    """A signed-in citizen acts for `child_nik`: the app sends them to sign in again (their
    PIN), then exchanges the new ID token for a token for the child. A refusal comes back as
    `?auth_error=` on `return_to`."""
    _signed_in(page, f"as=citizen&act_for={child_nik}", return_to, parent_nik)


def screenshot(page: Page, name: str, *, phone: bool = False) -> Path:
    """`<name>.png` in `SCREENSHOTS` of the page at 1280x800 (or 360 px wide, `phone`)."""
    page.set_viewport_size(PHONE if phone else DESKTOP)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def session_of(page: Page) -> dict[str, object]:
    """`GET /auth/session` from the page's own context (its cookie), as the app reads it."""
    answer = page.request.get("/auth/session")
    assert answer.ok, answer.status
    body: dict[str, object] = answer.json()
    return body
