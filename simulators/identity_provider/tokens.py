"""The token endpoint (authorization code grant, PKCE S256, client_secret_basic or a public
client) and userinfo; errors are RFC 6749 5.2 JSON."""

import base64
import binascii
import hmac
import re
from typing import Any
from urllib.parse import unquote_plus

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from simulators.identity_provider.clients import Client
from simulators.identity_provider.keys import s256
from simulators.identity_provider.provider import Provider
from simulators.identity_provider.state import ACCESS_TOKEN_TTL_S
from simulators.identity_provider.web import NO_STORE, form_of

SCOPES_SUPPORTED = ("openid", "profile")
#: RFC 7636 4.1.
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


class OAuthError(Exception):
    """An RFC 6749 5.2 error answered as JSON; `invalid_client` carries a 401 challenge."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> JSONResponse:
        headers = dict(NO_STORE)
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="ikd"'
        body = {"error": self.error, "error_description": self.description}
        return JSONResponse(body, self.status, headers)


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


def token_router(provider: Provider) -> APIRouter:
    router = APIRouter()

    def authenticated(request: Request, form: dict[str, str]) -> Client:
        header = request.headers.get("authorization")
        if header is not None:
            credentials = _basic_credentials(header)
            client = provider.clients.get(credentials[0]) if credentials else None
            if credentials is None or client is None or not client.secret_matches(credentials[1]):
                raise OAuthError("invalid_client", "client authentication failed", 401)
            if form.get("client_id", client.client_id) != client.client_id:
                raise OAuthError("invalid_request", "client_id differs from the authenticated one")
            return client
        if "client_secret" in form:
            raise OAuthError("invalid_client", "send the secret with HTTP Basic", 401)
        client = provider.clients.get(form.get("client_id", ""))
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
        grant = provider.store.redeem(code)
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
        access_token = provider.store.issue_access_token(code, grant)
        token, _ = provider.id_token(
            provider.issuer(request),
            client.client_id,
            provider.citizens[grant.nik],
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

    @router.post("/token")
    async def token(request: Request) -> Response:
        form = await form_of(request)
        if form is None:
            error = OAuthError("invalid_request", "send one of each parameter, form-encoded")
            return error.response()
        try:
            return JSONResponse(exchanged(request, form), headers=NO_STORE)
        except OAuthError as error:
            return error.response()

    @router.api_route("/userinfo", methods=["GET", "POST"])
    async def userinfo(request: Request) -> Response:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        grant = (
            provider.store.access_tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        )
        if grant is None:
            challenge = 'Bearer error="invalid_token"' if scheme else "Bearer"
            body = {"error": "invalid_token", "error_description": "no valid access token"}
            return JSONResponse(body, 401, {"WWW-Authenticate": challenge, **NO_STORE})
        citizen = provider.citizens[grant.nik]
        claims = {"sub": citizen.nik, "nik": citizen.nik, "name": citizen.name}
        return JSONResponse(claims, headers=NO_STORE)

    return router
