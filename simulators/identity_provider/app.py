"""IKD-like OpenID Connect provider: citizens of the demo world sign in with NIK and PIN.

Authorization code flow with PKCE (S256 only, required of every client), ID tokens signed
RS256 and published at `/jwks.json`, userinfo, and discovery. `sub` is the NIK itself
(subject type "public"), repeated in the `nik` claim the gateway reads. Every citizen of the
demo world has the PIN `DEMO_PIN`; five wrong PINs lock a NIK, a deceased citizen cannot sign
in. Configuration: `SIM_IDP_ISSUER` (else the URL the request came to), `SIM_IDP_CLIENTS`,
`SIM_IDP_SIGNING_KEY`, `SIM_IDP_CONTROL_KEY` (see `simulators/CONTRACT.md`).
"""

import hmac
import os
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulators.faults import CONTROL_PREFIX, FailureStyle, FaultSettings, install_faults
from simulators.identity_provider import CONTROL_KEY_ENV, CONTROL_KEY_HEADER, ISSUER_ENV
from simulators.identity_provider.clients import Client, clients_from_env
from simulators.identity_provider.keys import ALGORITHM, SigningKey
from simulators.identity_provider.provider import ID_TOKEN_TTL_S, Provider
from simulators.identity_provider.signin import sign_in_router
from simulators.identity_provider.state import LOCKOUT_S, Clock, PinGuard, Store
from simulators.identity_provider.tokens import SCOPES_SUPPORTED, token_router
from simulators.identity_provider.web import NO_STORE
from simulators.world import World, default_world

CLAIMS_SUPPORTED = (
    *("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "jti", "amr", "at_hash"),
    *("nik", "name"),
)
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


class MintRequest(BaseModel):
    """Body of `POST /_control/id-token`: a negative `expires_in` makes an expired token."""

    model_config = ConfigDict(extra="forbid")

    nik: str = Field(pattern=r"^[0-9]{16}$")
    client_id: str = Field(min_length=1, max_length=128)
    nonce: str | None = Field(default=None, min_length=1, max_length=512)
    expires_in: int = Field(default=ID_TOKEN_TTL_S, ge=-86_400, le=3_600)


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
    minting_key = control_key if control_key is not None else os.environ.get(CONTROL_KEY_ENV, "")
    provider = Provider(
        citizens=(world or default_world()).citizens,
        clients=clients if clients is not None else clients_from_env(),
        key=signing_key or SigningKey.from_env(),
        store=Store(clock),
        guard=PinGuard(clock, lockout_s),
        clock=clock,
        fixed_issuer=(issuer or os.environ.get(ISSUER_ENV, "")).rstrip("/"),
    )

    app = FastAPI(
        title="Identitas Kependudukan Digital", docs_url=None, redoc_url=None, openapi_url=None
    )

    @app.get("/.well-known/openid-configuration")
    async def discovery(request: Request) -> dict[str, Any]:
        base = provider.issuer(request)
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
        return JSONResponse(provider.key.jwks(), headers={"Cache-Control": "public, max-age=300"})

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
        if minted.client_id not in provider.clients:
            return JSONResponse({"detail": "unknown client"}, 404)
        citizen = provider.citizens.get(minted.nik)
        if citizen is None:
            return JSONResponse({"detail": "unknown NIK"}, 404)
        if not citizen.alive:
            return JSONResponse({"detail": "a deceased citizen cannot sign in"}, 409)
        token, claims = provider.id_token(
            provider.issuer(request),
            minted.client_id,
            citizen,
            int(provider.clock()),
            minted.nonce,
            minted.expires_in,
        )
        return JSONResponse({"id_token": token, "claims": claims}, headers=NO_STORE)

    app.include_router(sign_in_router(provider))
    app.include_router(token_router(provider))
    install_faults(app, _STYLE, faults)
    return app


app = create_app()
