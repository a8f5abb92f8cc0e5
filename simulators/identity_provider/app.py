"""IKD-like OpenID Connect provider: citizens of the demo world sign in with NIK and PIN.

Authorization code flow with PKCE (S256 only, required of every client), ID tokens signed
RS256 and published at `/jwks.json`, userinfo, and discovery. `sub` is the NIK itself
(subject type "public"), repeated in the `nik` claim the gateway reads. Every citizen of the
demo world has the PIN `DEMO_PIN`; five wrong PINs lock a NIK, a deceased citizen cannot sign
in. Configuration: `SIM_IDP_ISSUER` (else the URL the request came to), `SIM_IDP_CLIENTS`,
`SIM_IDP_SIGNING_KEY`, `SIM_IDP_CONTROL_KEY` (see `simulators/CONTRACT.md`).
"""

import base64
import binascii
import hmac
import math
import os
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulators.faults import CONTROL_PREFIX, FailureStyle, FaultSettings, install_faults
from simulators.identity_provider import (
    CONTROL_KEY_ENV,
    CONTROL_KEY_HEADER,
    DEMO_PIN,
    ISSUER_ENV,
)
from simulators.identity_provider.clients import Client, clients_from_env
from simulators.identity_provider.keys import ALGORITHM, SigningKey, half_hash, s256
from simulators.identity_provider.pages import (
    STYLE_HASH,
    TEXTS,
    FieldError,
    consent_page,
    error_page,
    sign_in_page,
)
from simulators.identity_provider.state import (
    ACCESS_TOKEN_TTL_S,
    LOCKOUT_S,
    SESSION_TTL_S,
    AuthRequest,
    Clock,
    Grant,
    Locale,
    PinGuard,
    Session,
    Store,
    Transaction,
)
from simulators.world import Citizen, World, default_world

ID_TOKEN_TTL_S = 300
COOKIE = "idp_session"
SCOPES_SUPPORTED = ("openid", "profile")
CLAIMS_SUPPORTED = (
    *("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "jti", "amr", "at_hash"),
    *("nik", "name"),
)
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_SIX_DIGITS = re.compile(r"[0-9]{6}")
#: RFC 7636 4.1 (verifier) and the 43 characters a base64url SHA-256 makes (challenge).
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_PRINTABLE = re.compile(r"[\x20-\x7e]{1,512}")
_FORM = "application/x-www-form-urlencoded"

_STYLE = FailureStyle(
    error_body=b"<!doctype html><html><body><h1>500 Internal Server Error</h1></body></html>",
    error_content_type="text/html; charset=utf-8",
    maintenance_html=(
        b"<html><head><title>IKD</title></head><body><h2>Layanan Identitas Kependudukan "
        b"Digital sedang dalam pemeliharaan.</h2><p>Silakan coba beberapa saat lagi.</p>"
        b"</body></html>"
    ),
    key_fields=frozenset({"id_token", "keys", "issuer", "jwks_uri", "sub"}),
)
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """An RFC 6749 5.2 error answered as JSON; `invalid_client` carries a 401 challenge."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> JSONResponse:
        headers = dict(_NO_STORE)
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="ikd"'
        body = {"error": self.error, "error_description": self.description}
        return JSONResponse(body, self.status, headers)


class MintRequest(BaseModel):
    """Body of `POST /_control/id-token`: a negative `expires_in` makes an expired token."""

    model_config = ConfigDict(extra="forbid")

    nik: str = Field(pattern=r"^[0-9]{16}$")
    client_id: str = Field(min_length=1, max_length=128)
    nonce: str | None = Field(default=None, min_length=1, max_length=512)
    expires_in: int = Field(default=ID_TOKEN_TTL_S, ge=-86_400, le=3_600)


def _locale(ui_locales: str | None) -> Locale:
    """The first of the asked languages (OIDC `ui_locales`) this provider speaks."""
    for tag in (ui_locales or "").split():
        primary = tag.split("-")[0].lower()
        if primary in {"id", "en"}:
            return "id" if primary == "id" else "en"
    return "id"


def _html(body: str, status: int = 200) -> Response:
    return Response(body, status, media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS)


def _with_query(uri: str, **params: str | None) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(name, value) for name, value in params.items() if value is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, 303, headers={"Cache-Control": "no-store"})


def _single(params: list[tuple[str, str]]) -> dict[str, str] | None:
    """The parameters by name, or None if any is repeated (RFC 6749 3.1, 3.2)."""
    values = dict(params)
    return values if len(values) == len(params) else None


async def _form(request: Request) -> dict[str, str] | None:
    """An urlencoded form body, the only kind these endpoints take, or None."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != _FORM:
        return None
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return _single(parse_qsl(text, keep_blank_values=True))


def _basic_credentials(header: str) -> tuple[str, str] | None:
    """client_secret_basic: both parts form-encoded before the Base64 (RFC 6749 2.3.1)."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    return (unquote_plus(client_id), unquote_plus(secret)) if colon else None


def create_app(
    world: World | None = None,
    *,
    clients: dict[str, Client] | None = None,
    signing_key: SigningKey | None = None,
    issuer: str | None = None,
    control_key: str | None = None,
    clock: Clock = time.time,
    lockout_s: float = LOCKOUT_S,
    faults: FaultSettings | None = None,
) -> FastAPI:
    """The provider; what is not passed comes from the `SIM_IDP_*` variables. Without a
    control key (`SIM_IDP_CONTROL_KEY`) nobody can mint tokens through `/_control`."""
    citizens = (world or default_world()).citizens
    registered = clients if clients is not None else clients_from_env()
    key = signing_key or SigningKey.from_env()
    fixed_issuer = (issuer or os.environ.get(ISSUER_ENV, "")).rstrip("/")
    minting_key = control_key if control_key is not None else os.environ.get(CONTROL_KEY_ENV, "")
    store = Store(clock)
    guard = PinGuard(clock, lockout_s)

    def issuer_of(request: Request) -> str:
        return fixed_issuer or str(request.base_url).rstrip("/")

    def id_token(
        issuer_url: str,
        client_id: str,
        citizen: Citizen,
        auth_time: int,
        nonce: str | None,
        expires_in: int = ID_TOKEN_TTL_S,
        access_token: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        now = int(clock())
        claims: dict[str, Any] = {
            "iss": issuer_url,
            "sub": citizen.nik,
            "aud": client_id,
            "iat": now,
            "exp": now + expires_in,
            "auth_time": auth_time,
            "jti": uuid.uuid4().hex,
            "amr": ["pin"],
            "nik": citizen.nik,
            "name": citizen.name,
        }
        if nonce is not None:
            claims["nonce"] = nonce
        if access_token is not None:
            claims["at_hash"] = half_hash(access_token)
        return key.sign(claims), claims

    app = FastAPI(
        title="Identitas Kependudukan Digital", docs_url=None, redoc_url=None, openapi_url=None
    )

    @app.get("/.well-known/openid-configuration")
    async def discovery(request: Request) -> dict[str, Any]:
        base = issuer_of(request)
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks.json",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "none"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": list(SCOPES_SUPPORTED),
            "claims_supported": list(CLAIMS_SUPPORTED),
            "ui_locales_supported": ["id", "en"],
            "authorization_response_iss_parameter_supported": True,
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
        }

    @app.get("/jwks.json")
    async def jwks() -> JSONResponse:
        return JSONResponse(key.jwks(), headers={"Cache-Control": "public, max-age=300"})

    @app.get("/authorize")
    async def authorize(request: Request) -> Response:
        given = _single(list(request.query_params.multi_items()))
        params = given or {}
        locale = _locale(params.get("ui_locales"))
        if given is None:
            return _html(error_page(locale, "repeated_parameter"), 400)
        client = registered.get(params.get("client_id", ""))
        if client is None:
            return _html(error_page(locale, "unknown_client"), 400)
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            return _html(error_page(locale, "bad_redirect"), 400)
        base = issuer_of(request)
        state = params.get("state")

        def refuse(error: str, description: str) -> RedirectResponse:
            answer = {"error": error, "error_description": description}
            return _redirect(_with_query(redirect_uri, **answer, state=state, iss=base))

        for name in ("state", "nonce", "scope"):
            if name in params and _PRINTABLE.fullmatch(params[name]) is None:
                return refuse("invalid_request", f"{name} must be 1 to 512 printable characters")
        if params.get("response_type") != "code":
            return refuse("unsupported_response_type", "only response_type=code is supported")
        scope = tuple(params.get("scope", "").split())
        if "openid" not in scope:
            return refuse("invalid_scope", "the scope must include openid")
        if params.get("code_challenge_method") != "S256":
            return refuse("invalid_request", "PKCE with code_challenge_method=S256 is required")
        challenge = params.get("code_challenge", "")
        if _CHALLENGE.fullmatch(challenge) is None:
            return refuse("invalid_request", "code_challenge must be a base64url SHA-256")
        if "request" in params or "request_uri" in params:
            return refuse("request_not_supported", "request objects are not supported")
        if params.get("prompt") == "none":
            return refuse("login_required", "every sign-in asks the citizen for the PIN")
        other: Locale = "en" if locale == "id" else "id"
        switch = "/authorize?" + urlencode({**params, "ui_locales": other})
        asked = AuthRequest(
            client, redirect_uri, scope, state, params.get("nonce"), challenge, locale, switch
        )
        session_id = request.cookies.get(COOKIE, "")
        session = store.sessions.get(session_id)
        if session is None:
            session_id, session = store.new_session()
        tx = session.begin(asked)
        response = _html(sign_in_page(locale, client.name, tx, session.csrf, switch))
        set_session_cookie(response, session_id, request)
        return response

    def set_session_cookie(response: Response, session_id: str, request: Request) -> None:
        response.set_cookie(
            COOKIE,
            session_id,
            max_age=SESSION_TTL_S,
            path="/authorize",
            secure=issuer_of(request).startswith("https://"),
            httponly=True,
            samesite="lax",
        )

    def pending(request: Request, tx: str) -> tuple[Session, Transaction] | None:
        session = store.sessions.get(request.cookies.get(COOKIE, ""))
        transaction = session.transactions.get(tx) if session else None
        return (session, transaction) if session and transaction else None

    def posted(
        request: Request, form: dict[str, str] | None
    ) -> tuple[str, Session, Transaction] | Response:
        """The form's transaction in this browser's session, or the page refusing it: a
        form without this session's CSRF token was not sent from its pages."""
        tx = (form or {}).get("tx", "")
        found = pending(request, tx)
        if found is None:
            return _html(error_page("id", "session_expired"), 400)
        session, transaction = found
        given = (form or {}).get("csrf_token", "")
        if not hmac.compare_digest(given.encode(), session.csrf.encode()):
            return _html(error_page(transaction.request.locale, "bad_form"), 403)
        return tx, session, transaction

    @app.post("/authorize/sign-in")
    async def sign_in(request: Request) -> Response:
        form = await _form(request)
        found = posted(request, form)
        if isinstance(found, Response):
            return found
        tx, session, transaction = found
        asked = transaction.request
        texts = TEXTS[asked.locale]
        nik = (form or {}).get("nik", "").strip()
        pin = (form or {}).get("pin", "").strip()

        def again(status: int, *errors: tuple[str, str, dict[str, object]]) -> Response:
            shown = tuple(
                FieldError(field, texts[key].format(**values)) for field, key, values in errors
            )
            page = sign_in_page(
                asked.locale,
                asked.client.name,
                tx,
                session.csrf,
                asked.language_switch,
                nik[:16],
                shown,
            )
            return _html(page, status)

        problems: list[tuple[str, str, dict[str, object]]] = []
        if _SIXTEEN_DIGITS.fullmatch(nik) is None:
            problems.append(("nik", "nik_format", {}))
        if _SIX_DIGITS.fullmatch(pin) is None:
            problems.append(("pin", "pin_format", {}))
        if problems:
            return again(400, *problems)
        if (wait := guard.locked_for(nik)) > 0:
            return again(423, ("nik", "locked", {"minutes": math.ceil(wait / 60)}))
        citizen = citizens.get(nik)
        if citizen is None or not hmac.compare_digest(pin.encode(), DEMO_PIN.encode()):
            left = guard.failed(nik)
            if left == 0:
                return again(423, ("nik", "locked", {"minutes": math.ceil(lockout_s / 60)}))
            return again(401, ("pin", "wrong_pin", {"left": left}))
        guard.succeeded(nik)
        if not citizen.alive:
            return again(403, ("nik", "deceased", {}))
        transaction.nik = nik
        transaction.auth_time = int(clock())
        session_id = store.promote(request.cookies[COOKIE], tx)
        signed_in = _redirect(f"/authorize/consent?{urlencode({'tx': tx})}")
        set_session_cookie(signed_in, session_id, request)
        return signed_in

    @app.get("/authorize/consent")
    async def consent(request: Request, tx: str = "") -> Response:
        found = pending(request, tx)
        nik = found[1].nik if found else None
        if found is None or nik is None:
            return _html(error_page("id", "session_expired"), 400)
        session, transaction = found
        citizen = citizens[nik]
        asked = transaction.request
        page = consent_page(
            asked.locale, asked.client.name, tx, session.csrf, citizen.name, citizen.nik
        )
        return _html(page)

    @app.post("/authorize/consent")
    async def decide(request: Request) -> Response:
        form = await _form(request)
        found = posted(request, form)
        if isinstance(found, Response):
            return found
        tx, session, transaction = found
        asked = transaction.request
        decision = (form or {}).get("decision")
        if transaction.nik is None or transaction.auth_time is None:
            return _html(error_page(asked.locale, "session_expired"), 400)
        if decision not in {"approve", "deny"}:
            return _html(error_page(asked.locale, "bad_form"), 400)
        del session.transactions[tx]
        base = issuer_of(request)
        if decision == "deny":
            answer = {"error": "access_denied", "error_description": "the citizen declined"}
            return _redirect(_with_query(asked.redirect_uri, **answer, state=asked.state, iss=base))
        grant = Grant(
            asked.client.client_id,
            asked.redirect_uri,
            asked.scope,
            asked.nonce,
            asked.code_challenge,
            transaction.nik,
            transaction.auth_time,
        )
        code = store.issue_code(grant)
        return _redirect(_with_query(asked.redirect_uri, code=code, state=asked.state, iss=base))

    def authenticated(request: Request, form: dict[str, str]) -> Client:
        header = request.headers.get("authorization")
        if header is not None:
            credentials = _basic_credentials(header)
            client = registered.get(credentials[0]) if credentials else None
            if credentials is None or client is None or not client.secret_matches(credentials[1]):
                raise OAuthError("invalid_client", "client authentication failed", 401)
            if form.get("client_id", client.client_id) != client.client_id:
                raise OAuthError("invalid_request", "client_id differs from the authenticated one")
            return client
        if "client_secret" in form:
            raise OAuthError("invalid_client", "send the secret with HTTP Basic", 401)
        client = registered.get(form.get("client_id", ""))
        if client is None:
            raise OAuthError("invalid_client", "unknown client", 401)
        if not client.public:
            raise OAuthError("invalid_client", "this client must authenticate", 401)
        return client

    def exchanged(request: Request, form: dict[str, str]) -> dict[str, Any]:
        client = authenticated(request, form)
        grant_type = form.get("grant_type")
        if grant_type is None:
            raise OAuthError("invalid_request", "grant_type is missing")
        if grant_type != "authorization_code":
            raise OAuthError("unsupported_grant_type", "only authorization_code is supported")
        code, redirect_uri, verifier = (
            form.get(name) for name in ("code", "redirect_uri", "code_verifier")
        )
        if not code or not redirect_uri or not verifier:
            raise OAuthError("invalid_request", "code, redirect_uri and code_verifier are required")
        grant = store.redeem(code)
        if grant is None:
            raise OAuthError("invalid_grant", "the code is unknown, expired or already used")
        if grant.client_id != client.client_id:
            raise OAuthError("invalid_grant", "the code was issued to another client")
        if redirect_uri != grant.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization's")
        if _VERIFIER.fullmatch(verifier) is None or not hmac.compare_digest(
            s256(verifier), grant.code_challenge
        ):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
        access_token = store.issue_access_token(code, grant)
        token, _ = id_token(
            issuer_of(request),
            client.client_id,
            citizens[grant.nik],
            grant.auth_time,
            grant.nonce,
            access_token=access_token,
        )
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_TTL_S,
            "id_token": token,
            "scope": " ".join(s for s in grant.scope if s in SCOPES_SUPPORTED),
        }

    @app.post("/token")
    async def token(request: Request) -> Response:
        form = await _form(request)
        if form is None:
            error = OAuthError("invalid_request", "send one of each parameter, form-encoded")
            return error.response()
        try:
            return JSONResponse(exchanged(request, form), headers=_NO_STORE)
        except OAuthError as error:
            return error.response()

    @app.api_route("/userinfo", methods=["GET", "POST"])
    async def userinfo(request: Request) -> Response:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        grant = store.access_tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if grant is None:
            challenge = 'Bearer error="invalid_token"' if scheme else "Bearer"
            body = {"error": "invalid_token", "error_description": "no valid access token"}
            return JSONResponse(body, 401, {"WWW-Authenticate": challenge, **_NO_STORE})
        citizen = citizens[grant.nik]
        claims = {"sub": citizen.nik, "nik": citizen.nik, "name": citizen.name}
        return JSONResponse(claims, headers=_NO_STORE)

    @app.post(f"{CONTROL_PREFIX}/id-token", include_in_schema=False)
    async def mint(request: Request) -> JSONResponse:
        """Tokens as the code flow would issue them, for tests and demos that need not drive
        the pages; guarded by its own key, since the gateway trusts what it signs."""
        if not minting_key:
            return JSONResponse({"detail": "minting is off: SIM_IDP_CONTROL_KEY is not set"}, 403)
        given = request.headers.get(CONTROL_KEY_HEADER, "")
        if not hmac.compare_digest(given.encode(), minting_key.encode()):
            return JSONResponse({"detail": f"wrong or missing {CONTROL_KEY_HEADER}"}, 401)
        try:
            minted = MintRequest.model_validate_json(await request.body())
        except ValidationError as error:
            errors = error.errors(include_url=False, include_context=False, include_input=False)
            return JSONResponse({"detail": errors}, 422)
        if minted.client_id not in registered:
            return JSONResponse({"detail": "unknown client"}, 404)
        citizen = citizens.get(minted.nik)
        if citizen is None:
            return JSONResponse({"detail": "unknown NIK"}, 404)
        if not citizen.alive:
            return JSONResponse({"detail": "a deceased citizen cannot sign in"}, 409)
        token, claims = id_token(
            issuer_of(request),
            minted.client_id,
            citizen,
            int(clock()),
            minted.nonce,
            minted.expires_in,
        )
        return JSONResponse({"id_token": token, "claims": claims}, headers=_NO_STORE)

    install_faults(app, _STYLE, faults)
    return app


app = create_app()
