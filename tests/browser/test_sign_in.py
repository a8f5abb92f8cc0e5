"""Signing in to the web app through the identity provider's real pages, in Chromium: the
citizen's session names them and lives in a cookie no script can read; the counter console
lets in its officers only."""

import pytest
from playwright.sync_api import Page

from simulators.stack import COUNTER_AGENCY, COUNTER_NAME, COUNTER_OFFICERS
from simulators.world import personas
from tests.browser.conftest import session_of, sign_in_at_provider, sign_in_citizen, sign_in_officer

pytestmark = pytest.mark.e2e

DEMO = personas()


def test_a_citizen_signs_in_at_the_provider_and_the_session_names_them(page: Page) -> None:
    citizen = DEMO["several_vehicles_overdue"]
    assert session_of(page) == {"signed_in": False}

    sign_in_citizen(page, citizen.nik, return_to="/profil")

    assert page.url.endswith("/profil")
    session = session_of(page)
    assert session["signed_in"] is True
    assert session["role"] == "citizen"
    assert session["nik"] == citizen.nik
    assert session["name"] == citizen.name
    assert session["acting_for"] is None
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["sp_session"]["httpOnly"] is True
    assert cookies["sp_session"]["sameSite"] == "Lax"
    assert page.evaluate("document.cookie") == ""


def test_an_officer_of_the_counter_signs_in_to_the_console(page: Page) -> None:
    officer = DEMO[COUNTER_OFFICERS[0]]

    sign_in_officer(page, officer.nik)

    assert page.url.endswith("/counter")
    session = session_of(page)
    assert session["role"] == "officer"
    assert session["nik"] == officer.nik
    assert session["counter"] == {"agency": COUNTER_AGENCY, "name": COUNTER_NAME}


def test_a_citizen_who_is_no_officer_is_refused_at_the_counter(page: Page) -> None:
    citizen = DEMO["family"]
    assert citizen.key not in COUNTER_OFFICERS

    page.goto("/auth/login?as=officer&lang=en")
    sign_in_at_provider(page, citizen.nik)
    page.wait_for_url("**/auth/callback?**")

    assert page.locator("h1").inner_text() == "You are not registered as a counter officer"
    assert session_of(page) == {"signed_in": False}
    assert "sp_session" not in {c["name"] for c in page.context.cookies()}
