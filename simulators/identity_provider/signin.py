"""The pages a citizen goes through: the authorization request, sign-in with NIK and PIN,
consent, and the redirect back to the client with a code (or `access_denied`).

A browser's progress lives server-side, under a random session id in an HttpOnly, SameSite
cookie; each form echoes the session's CSRF token, and signing in moves the transaction to a
new session id and token (no session fixation). Errors the client must hear go back to its
redirect URI (RFC 6749 4.1.2.1), except an unknown client or redirect URI: those get a page,
never a redirect anyone could aim elsewhere.
"""

import hmac
import math
import re
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from simulators.identity_provider import DEMO_PIN
from simulators.identity_provider.pages import (
    TEXTS,
    FieldError,
    consent_page,
    error_page,
    sign_in_page,
)
from simulators.identity_provider.provider import Provider
from simulators.identity_provider.state import (
    SESSION_TTL_S,
    AuthRequest,
    Grant,
    Locale,
    Session,
    Transaction,
)
from simulators.identity_provider.web import form_of, html, locale_of, redirect, single, with_query

COOKIE = "idp_session"
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_SIX_DIGITS = re.compile(r"[0-9]{6}")
#: The 43 characters a base64url SHA-256 makes (RFC 7636 4.2).
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_PRINTABLE = re.compile(r"[\x20-\x7e]{1,512}")


def sign_in_router(provider: Provider) -> APIRouter:
    router = APIRouter()

    @router.get("/authorize")
    async def authorize(request: Request) -> Response:
        given = single(list(request.query_params.multi_items()))
        params = given or {}
        locale = locale_of(params.get("ui_locales"))
        if given is None:
            return html(error_page(locale, "repeated_parameter"), 400)
        client = provider.clients.get(params.get("client_id", ""))
        if client is None:
            return html(error_page(locale, "unknown_client"), 400)
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            return html(error_page(locale, "bad_redirect"), 400)
        base = provider.issuer(request)
        state = params.get("state")

        def refuse(error: str, description: str) -> RedirectResponse:
            answer = {"error": error, "error_description": description}
            return redirect(with_query(redirect_uri, **answer, state=state, iss=base))

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
        session = provider.store.sessions.get(session_id)
        if session is None:
            session_id, session = provider.store.new_session()
        tx = session.begin(asked)
        response = html(sign_in_page(locale, client.name, tx, session.csrf, switch))
        set_session_cookie(response, session_id, request)
        return response

    def set_session_cookie(response: Response, session_id: str, request: Request) -> None:
        response.set_cookie(
            COOKIE,
            session_id,
            max_age=SESSION_TTL_S,
            path="/authorize",
            secure=provider.issuer(request).startswith("https://"),
            httponly=True,
            samesite="lax",
        )

    def pending(request: Request, tx: str) -> tuple[Session, Transaction] | None:
        session = provider.store.sessions.get(request.cookies.get(COOKIE, ""))
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
            return html(error_page("id", "session_expired"), 400)
        session, transaction = found
        given = (form or {}).get("csrf_token", "")
        if not hmac.compare_digest(given.encode(), session.csrf.encode()):
            return html(error_page(transaction.request.locale, "bad_form"), 403)
        return tx, session, transaction

    @router.post("/authorize/sign-in")
    async def sign_in(request: Request) -> Response:
        form = await form_of(request)
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
            return html(page, status)

        problems: list[tuple[str, str, dict[str, object]]] = []
        if _SIXTEEN_DIGITS.fullmatch(nik) is None:
            problems.append(("nik", "nik_format", {}))
        if _SIX_DIGITS.fullmatch(pin) is None:
            problems.append(("pin", "pin_format", {}))
        if problems:
            return again(400, *problems)
        if (wait := provider.guard.locked_for(nik)) > 0:
            return again(423, ("nik", "locked", {"minutes": math.ceil(wait / 60)}))
        citizen = provider.citizens.get(nik)
        if citizen is None or not hmac.compare_digest(pin.encode(), DEMO_PIN.encode()):
            left = provider.guard.failed(nik)
            if left == 0:
                return again(
                    423, ("nik", "locked", {"minutes": math.ceil(provider.guard.lockout_s / 60)})
                )
            return again(401, ("pin", "wrong_pin", {"left": left}))
        provider.guard.succeeded(nik)
        if not citizen.alive:
            return again(403, ("nik", "deceased", {}))
        transaction.nik = nik
        transaction.auth_time = int(provider.clock())
        session_id = provider.store.promote(request.cookies[COOKIE], tx)
        signed_in = redirect(f"/authorize/consent?{urlencode({'tx': tx})}")
        set_session_cookie(signed_in, session_id, request)
        return signed_in

    @router.get("/authorize/consent")
    async def consent(request: Request, tx: str = "") -> Response:
        found = pending(request, tx)
        nik = found[1].nik if found else None
        if found is None or nik is None:
            return html(error_page("id", "session_expired"), 400)
        session, transaction = found
        citizen = provider.citizens[nik]
        asked = transaction.request
        page = consent_page(
            asked.locale, asked.client.name, tx, session.csrf, citizen.name, citizen.nik
        )
        return html(page)

    @router.post("/authorize/consent")
    async def decide(request: Request) -> Response:
        form = await form_of(request)
        found = posted(request, form)
        if isinstance(found, Response):
            return found
        tx, session, transaction = found
        asked = transaction.request
        decision = (form or {}).get("decision")
        if transaction.nik is None or transaction.auth_time is None:
            return html(error_page(asked.locale, "session_expired"), 400)
        if decision not in {"approve", "deny"}:
            return html(error_page(asked.locale, "bad_form"), 400)
        del session.transactions[tx]
        base = provider.issuer(request)
        if decision == "deny":
            answer = {"error": "access_denied", "error_description": "the citizen declined"}
            return redirect(with_query(asked.redirect_uri, **answer, state=asked.state, iss=base))
        grant = Grant(
            asked.client.client_id,
            asked.redirect_uri,
            asked.scope,
            asked.nonce,
            asked.code_challenge,
            transaction.nik,
            transaction.auth_time,
        )
        code = provider.store.issue_code(grant)
        return redirect(with_query(asked.redirect_uri, code=code, state=asked.state, iss=base))

    return router
