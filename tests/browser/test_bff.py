"""The web app's server side (backend for frontend) as a browser meets it, over real sockets
in the running system: it holds every secret and token and gives the browser an HttpOnly
cookie only, refuses writes another site could make, sends nobody elsewhere after sign-in, and
lets a parent act for a minor child, not for an adult, as the gateway decides.

No browser here: an HTTP client plays one, going through the identity provider's real pages."""

import re
from collections.abc import Iterator
from html import unescape
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import pytest

from simulators.identity_provider import DEMO_PIN
from simulators.stack import COUNTER_OFFICERS, WEB_COUNTER_CLIENT, WEB_PORTAL_CLIENT, Stack
from simulators.world import personas
from tests.browser.conftest import web_url

pytestmark = pytest.mark.e2e

DEMO = personas()
PARENT = DEMO["family"]
#: On the parent's family card: a child born in 2015 and the parent's adult spouse.
CHILD_NIK = "3374091905150001"
ADULT_NIK = "3374096507870001"
CSRF = {"X-Requested-With": "satupintu-web"}
NOT_SIGNED_IN = "https://satupintu.go.id/problems/not-signed-in"
_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.")


def _hidden(page: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in _HIDDEN.findall(page)}


class Browser:
    """An HTTP client with a cookie jar that follows redirects by hand, keeping every answer
    it saw, as the checks on what reaches a browser need them."""

    def __init__(self, stack: Stack) -> None:
        self.web = web_url(stack)
        self.http = httpx.Client(base_url=self.web, timeout=30)
        self.seen: list[httpx.Response] = []

    def send(self, method: str, url: str, **options: object) -> httpx.Response:
        answer = self.http.request(method, url, **options)  # type: ignore[arg-type]
        self.seen.append(answer)
        return answer

    def follow(self, answer: httpx.Response) -> httpx.Response:
        """Follows redirects until an answer of the app or a page of the provider."""
        while answer.status_code in (302, 303):
            answer = self.send("GET", urljoin(str(answer.url), answer.headers["location"]))
        return answer

    def sign_in(self, query: str, nik: str, *, approve: bool = True) -> httpx.Response:
        """Through `/auth/login?<query>` and the provider's sign-in and consent pages; the
        answer is the app's last redirect (to `return_to`, maybe with `auth_error`)."""
        sign_in_page = self.follow(self.send("GET", f"/auth/login?{query}"))
        assert sign_in_page.status_code == 200, sign_in_page.text
        provider = f"{sign_in_page.url.scheme}://{sign_in_page.url.netloc.decode()}"
        form = {**_hidden(sign_in_page.text), "nik": nik, "pin": DEMO_PIN}
        signed = self.send("POST", f"{provider}/authorize/sign-in", data=form)
        assert signed.status_code in (302, 303), signed.text
        consent_page = self.follow(signed)
        decision = {**_hidden(consent_page.text), "decision": "approve" if approve else "deny"}
        decided = self.send("POST", f"{provider}/authorize/consent", data=decision)
        assert urlsplit(decided.headers["location"]).path == "/auth/callback"
        return self.send("GET", decided.headers["location"])

    def session(self) -> dict[str, object]:
        answer = self.send("GET", "/auth/session")
        assert answer.status_code == 200
        body: dict[str, object] = answer.json()
        return body

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def browser(web_stack: Stack) -> Iterator[Browser]:
    client = Browser(web_stack)
    yield client
    client.close()


def _secrets(stack: Stack) -> list[str]:
    assert stack.web is not None
    return [
        stack.credentials[WEB_PORTAL_CLIENT]["client_secret"],
        stack.credentials[WEB_COUNTER_CLIENT]["client_secret"],
        stack.web.env["WEB_IDP_CLIENT_SECRET"],
    ]


def test_the_api_without_a_session_is_a_401_problem(browser: Browser) -> None:
    answer = browser.send("GET", f"/api/v1/citizens/{PARENT.nik}")

    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == NOT_SIGNED_IN


def test_a_citizen_reads_their_profile_through_the_app_with_a_cookie_only(
    browser: Browser,
) -> None:
    back = browser.sign_in("as=citizen&return_to=/profil", PARENT.nik)

    assert back.status_code == 302
    assert back.headers["location"] == "/profil"
    cookie = next(c for c in back.headers.get_list("set-cookie") if c.startswith("sp_session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert "secure" not in flags  # the test stack is plain http
    assert browser.session()["nik"] == PARENT.nik
    profile = browser.send("GET", f"/api/v1/citizens/{PARENT.nik}")
    assert profile.status_code == 200
    assert profile.json()["identity"]["full_name"] == PARENT.name
    assert "authorization" not in {name.lower() for name in profile.headers}


def test_no_secret_or_token_ever_reaches_the_browser(browser: Browser, web_stack: Stack) -> None:
    browser.sign_in("as=citizen", PARENT.nik)
    browser.send("GET", "/")
    browser.send("GET", "/auth/session")
    browser.send("GET", f"/api/v1/citizens/{PARENT.nik}")
    browser.send("GET", "/api/v1/services")
    browser.send("POST", "/api/v1/complaints", headers=CSRF, json={})

    secrets = _secrets(web_stack)
    app_answers = [a for a in browser.seen if str(a.url).startswith(browser.web)]
    assert len(app_answers) >= 7
    for answer in app_answers:
        shown = answer.text + "\n" + "\n".join(f"{k}: {v}" for k, v in answer.headers.multi_items())
        assert not any(secret in shown for secret in secrets), answer.url
        assert _JWT.search(shown) is None, answer.url


def test_every_answer_carries_the_security_headers(browser: Browser) -> None:
    for path in ("/", "/counter", "/auth/session", "/healthz", "/api/v1/services", "/nope.txt"):
        answer = browser.send("GET", path)
        csp = answer.headers["content-security-policy"]
        assert "default-src 'self'" in csp, path
        assert "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp, path
        assert answer.headers["x-frame-options"] == "DENY", path
        assert answer.headers["referrer-policy"] == "no-referrer", path
        assert answer.headers["x-content-type-options"] == "nosniff", path


def test_a_write_without_the_apps_header_or_from_another_origin_is_refused(
    browser: Browser,
) -> None:
    browser.sign_in("as=citizen", PARENT.nik)
    complaint = {"agency": "bapenda_31", "category": "service", "description": "Antrean lama."}

    missing = browser.send("POST", "/api/v1/complaints", json=complaint)
    foreign = browser.send(
        "POST",
        "/api/v1/complaints",
        json=complaint,
        headers={**CSRF, "Origin": "https://evil.example"},
    )
    logout = browser.send("POST", "/auth/logout", headers={"Origin": "https://evil.example"})

    for refused in (missing, foreign, logout):
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    assert browser.session()["signed_in"] is True
    mine = browser.send("POST", "/auth/logout", headers={**CSRF, "Origin": browser.web})
    assert mine.status_code == 204
    assert browser.session() == {"signed_in": False}


@pytest.mark.parametrize(
    "return_to",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_after_sign_in_the_app_sends_nobody_to_another_site(
    browser: Browser, return_to: str
) -> None:
    back = browser.sign_in(f"as=citizen&{urlencode({'return_to': return_to})}", PARENT.nik)

    assert back.headers["location"] == "/"


def test_a_callback_this_browser_did_not_start_signs_nobody_in(
    browser: Browser, web_stack: Stack
) -> None:
    """Login CSRF: a victim's browser sent to the callback with an attacker's code."""
    started = browser.send("GET", "/auth/login?as=citizen")
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    victim = Browser(web_stack)
    try:
        answer = victim.send("GET", f"/auth/callback?code=attackers&state={state}")
        assert answer.headers["location"] == "/?auth_error=login_expired"
        assert victim.session() == {"signed_in": False}
    finally:
        victim.close()


def test_a_parent_acts_for_their_child_with_a_fresh_pin_and_goes_back(browser: Browser) -> None:
    browser.sign_in("as=citizen", PARENT.nik)

    back = browser.sign_in(f"as=citizen&act_for={CHILD_NIK}&return_to=/anak", PARENT.nik)

    assert back.headers["location"] == "/anak"
    session = browser.session()
    assert session["nik"] == PARENT.nik
    assert session["acting_for"] == {"nik": CHILD_NIK, "name": "GALUR WACANA"}
    # The name shown came from one read the child's access log records; it asked only the
    # civil registry, not the child's vehicles, businesses or insurance.
    log = browser.send("GET", f"/api/v1/citizens/{CHILD_NIK}/access-log")
    assert log.status_code == 200, log.text
    name_read = log.json()["items"][0]
    assert {part.split(".")[0] for part in name_read["released"]} <= {"identity", "family"}
    child = browser.send("GET", f"/api/v1/citizens/{CHILD_NIK}")
    assert child.status_code == 200
    stopped = browser.send("POST", "/auth/act-for/stop", headers=CSRF)
    assert stopped.status_code == 200
    assert stopped.json()["acting_for"] is None
    # Back on the parent's own token, which does not reach the child (the gateway does not
    # even say the child exists).
    assert browser.send("GET", f"/api/v1/citizens/{CHILD_NIK}").status_code == 404


def test_acting_for_an_adult_is_refused_and_the_session_stays_as_it_was(
    browser: Browser,
) -> None:
    browser.sign_in("as=citizen", PARENT.nik)
    before = browser.session()

    back = browser.sign_in(f"as=citizen&act_for={ADULT_NIK}&return_to=/keluarga", PARENT.nik)

    assert back.headers["location"] == "/keluarga?auth_error=invalid_grant"
    assert browser.session() == before
    assert browser.send("GET", f"/api/v1/citizens/{PARENT.nik}").status_code == 200


def test_the_counter_reaches_the_counters_paths_only(browser: Browser) -> None:
    officer = DEMO[COUNTER_OFFICERS[0]]
    back = browser.sign_in("as=officer", officer.nik)
    assert back.headers["location"] == "/counter"

    purpose = {"X-Purpose": "layanan loket MPP"}
    citizen = browser.send("GET", f"/api/v1/citizens/{PARENT.nik}", headers=purpose)
    agencies = browser.send("GET", "/api/v1/agencies", headers=purpose)

    assert citizen.status_code == 200
    assert citizen.json()["nik"] == PARENT.nik
    assert agencies.status_code == 403
    assert agencies.headers["content-type"] == "application/problem+json"


def test_a_citizen_who_is_no_officer_gets_no_counter_session(browser: Browser) -> None:
    back = browser.sign_in("as=officer&lang=en", PARENT.nik)

    assert back.status_code == 403
    assert "not registered as a counter officer" in back.text
    assert browser.session() == {"signed_in": False}
