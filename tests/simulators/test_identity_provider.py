"""The IKD-like OpenID Connect provider over real HTTP: discovery and keys, the code flow
with PKCE driven as a browser would (sign-in page, consent page, redirect), the token and
userinfo endpoints, what each refuses, and the control endpoint that mints ID tokens."""

import base64
import hashlib
import json
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from pydantic import ValidationError

from simulators.faults import FaultSettings
from simulators.identity_provider import CONTROL_KEY_HEADER, DEMO_PIN
from simulators.identity_provider.app import create_app
from simulators.identity_provider.clients import Client, parse_clients
from simulators.identity_provider.keys import SigningKey
from simulators.identity_provider.state import LOCKOUT_S
from simulators.stack import (
    PORTAL_CLIENT_ID,
    PORTAL_REDIRECT_URI,
    TEST_CLIENT_ID,
    plan,
)
from simulators.world import World
from tests.socket_agencies import SocketAgencies

PORTAL_SECRET = secrets.token_urlsafe(32)
PORTAL_CALLBACK = "http://127.0.0.1:8080/auth/callback"
KIOSK_CALLBACK = "http://127.0.0.1:9090/kiosk/return?lane=2"
CONTROL_KEY = secrets.token_urlsafe(32)
KEY = SigningKey.generate()
FAMILY_HEAD = "3374091203840001"
NOTHING = "3471073006980001"
WOMAN = "1471104508900001"
DECEASED = "3578051402480001"
TWO_PROVINCES = "3171030912860001"
BEKASI = "3275046703910001"
UNKNOWN = "3174101704829999"
CLIENTS = {
    "portal": Client(
        client_id="portal",
        name="Portal satupintu",
        redirect_uris=(PORTAL_CALLBACK,),
        client_secret=PORTAL_SECRET,
    ),
    "kiosk": Client(client_id="kiosk", name="Anjungan Mandiri", redirect_uris=(KIOSK_CALLBACK,)),
}


class Clock:
    """The provider's time, which a test may move on past a lockout."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def live(world: World, clock: Clock) -> Iterator[SocketAgencies]:
    def provider() -> Any:
        return create_app(
            world,
            clients=CLIENTS,
            signing_key=KEY,
            control_key=CONTROL_KEY,
            clock=clock,
            faults=FaultSettings(),
        )

    with SocketAgencies({"idp": provider}) as started:
        yield started


@pytest.fixture
def base(live: SocketAgencies) -> str:
    return live.urls["idp"]


@pytest.fixture
def browser(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=5) as client:
        yield client


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name"):
            self.inputs[str(attributes["name"])] = attributes


def inputs(page: str) -> dict[str, dict[str, str | None]]:
    parser = _Inputs()
    parser.feed(page)
    return parser.inputs


def hidden(page: str) -> dict[str, str]:
    return {
        name: str(attributes["value"])
        for name, attributes in inputs(page).items()
        if attributes.get("type") == "hidden"
    }


@dataclass
class Pkce:
    verifier: str
    challenge: str


def pkce() -> Pkce:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return Pkce(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


def authorize_params(
    proof: Pkce, client_id: str = "portal", redirect_uri: str = PORTAL_CALLBACK, **extra: str
) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid profile",
        "state": secrets.token_urlsafe(12),
        "nonce": secrets.token_urlsafe(12),
        "code_challenge": proof.challenge,
        "code_challenge_method": "S256",
        **extra,
    }


def sign_in(browser: httpx.Client, params: dict[str, str], nik: str, pin: str) -> httpx.Response:
    page = browser.get("/authorize", params=params)
    assert page.status_code == 200, page.text
    form = {**hidden(page.text), "nik": nik, "pin": pin}
    return browser.post("/authorize/sign-in", data=form)


def consent(browser: httpx.Client, signed_in: httpx.Response, decision: str) -> httpx.Response:
    assert signed_in.status_code == 303, signed_in.text
    page = browser.get(signed_in.headers["location"])
    assert page.status_code == 200
    decided = browser.post("/authorize/consent", data={**hidden(page.text), "decision": decision})
    assert decided.status_code == 303
    return decided


def redirected(answer: httpx.Response) -> tuple[str, dict[str, str]]:
    location = urlsplit(answer.headers["location"])
    query = {name: values[0] for name, values in parse_qs(location.query).items()}
    return location._replace(query="").geturl(), query


def code_for(
    browser: httpx.Client, nik: str = FAMILY_HEAD, **kwargs: str
) -> tuple[str, Pkce, dict[str, str]]:
    proof = pkce()
    params = authorize_params(proof, **kwargs)
    _, answer = redirected(consent(browser, sign_in(browser, params, nik, DEMO_PIN), "approve"))
    assert answer["state"] == params["state"]
    return answer["code"], proof, params


def redeem(
    base: str,
    code: str,
    verifier: str,
    redirect_uri: str = PORTAL_CALLBACK,
    auth: tuple[str, str] | None = ("portal", PORTAL_SECRET),
    **form: str,
) -> httpx.Response:
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
        **form,
    }
    return httpx.post(f"{base}/token", data=body, auth=auth, timeout=5)


def verified(base: str, token: str, audience: str = "portal") -> dict[str, Any]:
    """The token's claims if it verifies with the key the provider publishes."""
    discovery = httpx.get(f"{base}/.well-known/openid-configuration").json()
    keys = httpx.get(discovery["jwks_uri"]).json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    [jwk] = [k for k in keys if k["kid"] == kid]
    claims: dict[str, Any] = jwt.decode(
        token,
        jwt.PyJWK(jwk).key,
        algorithms=discovery["id_token_signing_alg_values_supported"],
        audience=audience,
        issuer=discovery["issuer"],
        options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
    )
    return claims


def test_discovery_names_its_endpoints_and_keys_under_its_own_issuer(base: str) -> None:
    discovery = httpx.get(f"{base}/.well-known/openid-configuration").json()

    assert discovery["issuer"] == base
    for endpoint, path in (
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/userinfo"),
        ("jwks_uri", "/jwks.json"),
    ):
        assert discovery[endpoint] == base + path
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["response_types_supported"] == ["code"]
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(discovery["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "none",
    }
    assert {"nik", "name", "nonce"} <= set(discovery["claims_supported"])
    [key] = httpx.get(discovery["jwks_uri"]).json()["keys"]
    assert key["kid"] == KEY.kid
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert set(key) == {"kty", "alg", "use", "kid", "n", "e"}  # nothing private


def test_the_code_flow_with_pkce_gives_an_id_token_that_verifies(
    browser: httpx.Client, base: str, world: World
) -> None:
    proof = pkce()
    params = authorize_params(proof)
    page = browser.get("/authorize", params=params)
    before = browser.cookies["idp_session"]
    signed_in = browser.post(
        "/authorize/sign-in", data={**hidden(page.text), "nik": FAMILY_HEAD, "pin": DEMO_PIN}
    )
    assert browser.cookies["idp_session"] != before  # a new session once signed in
    decided = consent(browser, signed_in, "approve")
    callback, answer = redirected(decided)

    assert callback == PORTAL_CALLBACK
    assert answer["state"] == params["state"]
    assert answer["iss"] == base
    tokens = redeem(base, answer["code"], proof.verifier)
    assert tokens.status_code == 200, tokens.text
    assert tokens.headers["cache-control"] == "no-store"
    body = tokens.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    claims = verified(base, body["id_token"])
    assert claims["sub"] == claims["nik"] == FAMILY_HEAD
    assert claims["name"] == world.citizens[FAMILY_HEAD].name
    assert claims["nonce"] == params["nonce"]
    assert claims["exp"] - claims["iat"] == 300
    assert abs(claims["auth_time"] - time.time()) < 30
    assert re.fullmatch(r"[0-9a-f]{32}", claims["jti"])
    userinfo = httpx.get(
        f"{base}/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert userinfo.json() == {
        "sub": FAMILY_HEAD,
        "nik": FAMILY_HEAD,
        "name": world.citizens[FAMILY_HEAD].name,
    }


def test_each_id_token_has_its_own_jti_and_no_nonce_unless_asked(
    browser: httpx.Client, base: str
) -> None:
    first, proof, _ = code_for(browser, WOMAN)
    claims = verified(base, redeem(base, first, proof.verifier).json()["id_token"])
    proof = pkce()
    params = authorize_params(proof)
    del params["nonce"]
    signed_in = sign_in(browser, params, WOMAN, DEMO_PIN)
    _, answer = redirected(consent(browser, signed_in, "approve"))
    second = verified(base, redeem(base, answer["code"], proof.verifier).json()["id_token"])

    assert "nonce" not in second
    assert second["jti"] != claims["jti"]


def test_a_public_client_needs_only_pkce_and_a_confidential_one_its_secret(
    browser: httpx.Client, base: str
) -> None:
    code, proof, _ = code_for(browser, client_id="kiosk", redirect_uri=KIOSK_CALLBACK)
    kiosk = redeem(base, code, proof.verifier, KIOSK_CALLBACK, auth=None, client_id="kiosk")
    assert kiosk.status_code == 200, kiosk.text
    assert verified(base, kiosk.json()["id_token"], audience="kiosk")["nik"] == FAMILY_HEAD

    code, proof, _ = code_for(browser)
    unauthenticated = redeem(base, code, proof.verifier, auth=None, client_id="portal")
    wrong_secret = redeem(base, code, proof.verifier, auth=("portal", "x" * 43))
    posted_secret = redeem(
        base, code, proof.verifier, auth=None, client_id="portal", client_secret=PORTAL_SECRET
    )
    for refused in (unauthenticated, wrong_secret, posted_secret):
        assert refused.status_code == 401
        assert refused.json()["error"] == "invalid_client"
        assert refused.headers["www-authenticate"].startswith("Basic")


def test_a_wrong_verifier_is_refused_and_burns_the_code(browser: httpx.Client, base: str) -> None:
    code, proof, _ = code_for(browser)

    wrong = redeem(base, code, pkce().verifier)
    after = redeem(base, code, proof.verifier)

    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert after.json()["error"] == "invalid_grant"


def test_a_code_works_once_and_its_second_use_revokes_the_first_answer(
    browser: httpx.Client, base: str
) -> None:
    code, proof, _ = code_for(browser)
    first = redeem(base, code, proof.verifier)
    access = {"Authorization": f"Bearer {first.json()['access_token']}"}
    assert httpx.get(f"{base}/userinfo", headers=access).status_code == 200

    again = redeem(base, code, proof.verifier)

    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    revoked = httpx.get(f"{base}/userinfo", headers=access)
    assert revoked.status_code == 401
    assert revoked.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_a_code_is_redeemed_only_with_its_redirect_uri_and_by_its_client(
    browser: httpx.Client, base: str
) -> None:
    code, proof, _ = code_for(browser)
    elsewhere = redeem(base, code, proof.verifier, "http://127.0.0.1:8080/auth/other")
    assert elsewhere.json()["error"] == "invalid_grant"

    code, proof, _ = code_for(browser)
    stolen = redeem(base, code, proof.verifier, auth=None, client_id="kiosk")
    assert stolen.json()["error"] == "invalid_grant"


def test_an_unknown_client_or_unregistered_redirect_gets_a_page_not_a_redirect(
    browser: httpx.Client, base: str
) -> None:
    proof = pkce()
    unknown = browser.get("/authorize", params=authorize_params(proof, client_id="intruder"))
    elsewhere = browser.get(
        "/authorize", params=authorize_params(proof, redirect_uri="https://evil.example/cb")
    )
    prefix = browser.get(
        "/authorize", params=authorize_params(proof, redirect_uri=PORTAL_CALLBACK + "/x")
    )

    assert unknown.status_code == 400
    assert "tidak terdaftar" in unknown.text
    for refused in (elsewhere, prefix):
        assert refused.status_code == 400
        assert "location" not in refused.headers
        assert "Alamat kembali" in refused.text
    token = httpx.post(
        f"{base}/token",
        data={"grant_type": "authorization_code", "code": "x", "redirect_uri": PORTAL_CALLBACK},
        auth=("intruder", "x" * 40),
    )
    assert token.status_code == 401
    assert token.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"prompt": "none"}, "login_required"),
    ],
)
def test_an_authorization_request_without_pkce_or_openid_goes_back_refused(
    browser: httpx.Client, change: dict[str, str], error: str
) -> None:
    params = {**authorize_params(pkce()), **change}

    refused = browser.get("/authorize", params=params)

    assert refused.status_code == 303
    callback, answer = redirected(refused)
    assert callback == PORTAL_CALLBACK
    assert answer["error"] == error
    assert answer["state"] == params["state"]
    assert "code" not in answer


def test_a_wrong_pin_is_said_at_its_field(browser: httpx.Client) -> None:
    refused = sign_in(browser, authorize_params(pkce()), NOTHING, "654321")

    assert refused.status_code == 401
    assert '<html lang="id">' in refused.text
    assert "NIK atau PIN salah. Sisa percobaan: 4." in refused.text
    pin = inputs(refused.text)["pin"]
    assert pin["aria-invalid"] == "true"
    assert "pin-error" in str(pin["aria-describedby"]).split()
    assert "autofocus" in pin
    assert 'id="pin-error"' in refused.text
    assert 'role="alert"' in refused.text
    assert inputs(refused.text)["nik"]["value"] == NOTHING
    assert refused.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in refused.headers["content-security-policy"]


def test_english_on_request_and_format_errors_on_each_field(browser: httpx.Client) -> None:
    params = authorize_params(pkce(), ui_locales="en-GB id")
    page = browser.get("/authorize", params=params)
    assert '<html lang="en">' in page.text
    assert '<label for="nik">NIK</label>' in page.text
    assert 'hreflang="id"' in page.text

    refused = browser.post(
        "/authorize/sign-in", data={**hidden(page.text), "nik": "12345", "pin": "12a"}
    )

    assert refused.status_code == 400
    assert "The NIK must be 16 digits." in refused.text
    assert "The PIN must be 6 digits." in refused.text
    fields = inputs(refused.text)
    assert fields["nik"]["aria-invalid"] == fields["pin"]["aria-invalid"] == "true"
    assert "autofocus" in fields["nik"]
    assert "autofocus" not in fields["pin"]


def test_five_wrong_pins_lock_the_nik_for_a_while(
    browser: httpx.Client, base: str, clock: Clock
) -> None:
    params = authorize_params(pkce())
    answers = [sign_in(browser, params, TWO_PROVINCES, "000000") for _ in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 423]
    assert "Sisa percobaan: 1." in answers[3].text
    assert "dikunci; coba lagi dalam 15 menit" in answers[4].text

    right_pin = sign_in(browser, params, TWO_PROVINCES, DEMO_PIN)
    other_nik = sign_in(browser, params, BEKASI, DEMO_PIN)

    assert right_pin.status_code == 423
    assert other_nik.status_code == 303
    clock.offset = LOCKOUT_S + 1
    try:
        unlocked = sign_in(browser, params, TWO_PROVINCES, DEMO_PIN)
    finally:
        clock.offset = 0
    assert unlocked.status_code == 303


def test_an_unknown_nik_is_refused_like_a_wrong_pin(browser: httpx.Client) -> None:
    refused = sign_in(browser, authorize_params(pkce()), UNKNOWN, DEMO_PIN)

    assert refused.status_code == 401
    assert "NIK atau PIN salah" in refused.text


def test_a_deceased_citizen_cannot_sign_in(browser: httpx.Client) -> None:
    refused = sign_in(browser, authorize_params(pkce()), DECEASED, DEMO_PIN)

    assert refused.status_code == 403
    assert "tercatat meninggal dunia" in refused.text


def test_denying_consent_sends_access_denied_back(browser: httpx.Client, base: str) -> None:
    params = authorize_params(pkce())
    signed_in = sign_in(browser, params, FAMILY_HEAD, DEMO_PIN)
    page = browser.get(signed_in.headers["location"])
    assert "Portal satupintu" in page.text
    assert "NIK (Nomor Induk Kependudukan)" in page.text
    assert "Nama lengkap" in page.text

    denied = browser.post("/authorize/consent", data={**hidden(page.text), "decision": "deny"})

    callback, answer = redirected(denied)
    assert callback == PORTAL_CALLBACK
    assert answer["error"] == "access_denied"
    assert answer["state"] == params["state"]
    assert "code" not in answer
    replayed = browser.post("/authorize/consent", data={**hidden(page.text), "decision": "approve"})
    assert replayed.status_code == 400


def test_forms_without_the_session_or_its_csrf_token_are_refused(
    browser: httpx.Client, base: str
) -> None:
    page = browser.get("/authorize", params=authorize_params(pkce()))
    form = {**hidden(page.text), "nik": FAMILY_HEAD, "pin": DEMO_PIN}

    forged = browser.post("/authorize/sign-in", data={**form, "csrf_token": "x" * 43})
    cookieless = httpx.post(f"{base}/authorize/sign-in", data=form)
    as_json = browser.post("/authorize/sign-in", json=form)

    assert forged.status_code == 403
    assert cookieless.status_code == 400
    assert as_json.status_code == 400
    assert browser.post("/authorize/sign-in", data=form).status_code == 303


def test_the_control_endpoint_mints_tokens_only_with_its_key(base: str, world: World) -> None:
    url = f"{base}/_control/id-token"
    mint = {"nik": FAMILY_HEAD, "client_id": "kiosk", "nonce": "n-1"}
    keyed = {CONTROL_KEY_HEADER: CONTROL_KEY}

    assert httpx.post(url, json=mint).status_code == 401
    assert httpx.post(url, json=mint, headers={CONTROL_KEY_HEADER: "x" * 43}).status_code == 401
    minted = httpx.post(url, json=mint, headers=keyed)
    assert minted.status_code == 200
    claims = verified(base, minted.json()["id_token"], audience="kiosk")
    assert claims == minted.json()["claims"]
    assert (claims["nik"], claims["name"], claims["nonce"]) == (
        FAMILY_HEAD,
        world.citizens[FAMILY_HEAD].name,
        "n-1",
    )
    expired = httpx.post(url, json={**mint, "expires_in": -60}, headers=keyed).json()
    with pytest.raises(jwt.ExpiredSignatureError):
        verified(base, expired["id_token"], audience="kiosk")
    for refused, status in (
        ({**mint, "client_id": "intruder"}, 404),
        ({**mint, "nik": UNKNOWN}, 404),
        ({**mint, "nik": DECEASED}, 409),
        ({**mint, "nik": "12"}, 422),
        ({**mint, "scope": "all"}, 422),
    ):
        assert httpx.post(url, json=refused, headers=keyed).status_code == status


def test_without_a_control_key_nobody_can_mint(world: World, monkeypatch: Any) -> None:
    monkeypatch.delenv("SIM_IDP_CONTROL_KEY", raising=False)
    factories = {"idp": lambda: create_app(world, clients=CLIENTS, signing_key=KEY)}
    with SocketAgencies(factories) as started:
        refused = httpx.post(
            f"{started.urls['idp']}/_control/id-token",
            json={"nik": FAMILY_HEAD, "client_id": "kiosk"},
            headers={CONTROL_KEY_HEADER: ""},
        )
    assert refused.status_code == 403


def test_a_key_loaded_from_its_pem_keeps_its_kid() -> None:
    again = SigningKey.from_pem(KEY.pem())
    token = again.sign({"sub": "x"})

    assert again.kid == KEY.kid
    assert jwt.decode(token, jwt.PyJWK(KEY.public_jwk).key, algorithms=["RS256"]) == {"sub": "x"}


def test_clients_are_registered_by_json_and_checked() -> None:
    one = {"client_id": "a", "name": "A", "redirect_uris": ["https://a.example/cb"]}
    assert parse_clients(json.dumps([one]))["a"].public
    wrongs: list[dict[str, Any]] = [
        {"redirect_uris": ["https://a.example/cb#x"]},
        {"redirect_uris": ["/relative"]},
        {"redirect_uris": []},
        {"client_secret": "short"},
        {"client_id": "a b"},
    ]
    for wrong in wrongs:
        with pytest.raises(ValidationError):
            parse_clients(json.dumps([{**one, **wrong}]))
    with pytest.raises(ValueError, match="twice"):
        parse_clients(json.dumps([one, one]))


def test_the_stack_runs_the_provider_and_tells_the_gateway_to_trust_it(tmp_path: Any) -> None:
    stack = plan(f"sqlite+aiosqlite:///{tmp_path}/gateway.db", agency_ports={}, product_ports={})
    provider = stack.identity_provider
    assert provider is not None
    gateway = stack.gateway.env
    assert gateway["SATUPINTU_IDENTITY_ISSUER"] == provider.url
    assert gateway["SATUPINTU_IDENTITY_JWKS_URL"] == f"{provider.url}/jwks.json"
    assert gateway["SATUPINTU_IDENTITY_AUDIENCE"] == PORTAL_CLIENT_ID
    clients = {c["client_id"]: c for c in json.loads(provider.env["SIM_IDP_CLIENTS"])}
    assert clients[PORTAL_CLIENT_ID]["redirect_uris"] == [PORTAL_REDIRECT_URI]
    assert len(clients[PORTAL_CLIENT_ID]["client_secret"]) >= 32
    assert "client_secret" not in clients[TEST_CLIENT_ID]
    assert provider in stack.processes()
    assert not any(v == provider.env["SIM_IDP_CONTROL_KEY"] for v in gateway.values())

    provider.start()
    try:
        provider.wait_ready()
        token = stack.id_token(FAMILY_HEAD)
        other = stack.id_token(NOTHING, TEST_CLIENT_ID)
        claims = verified(provider.url, token, audience=PORTAL_CLIENT_ID)
        assert verified(provider.url, other, audience=TEST_CLIENT_ID)["nik"] == NOTHING
    finally:
        provider.stop()
    assert claims["iss"] == provider.url
    assert claims["nik"] == FAMILY_HEAD
