"""Public documents for whoever verifies this gateway's tokens without sharing a secret."""

from fastapi import APIRouter, Request, Response

from app.auth.server_metadata import JWKS_PATH, metadata
from app.schemas.well_known import AuthorizationServerMetadata, Jwk, JwkSet

router = APIRouter(prefix="/.well-known", tags=["authentication"])

CACHE_CONTROL = "public, max-age=60"
"""Short, so a verifier that caches the keys sees a rotation within a minute; verifiers should
also fetch again on a `kid` they do not know."""


@router.get(
    JWKS_PATH.removeprefix("/.well-known"),
    summary="The public keys that sign access tokens (JWK Set)",
    description=(
        "Verify a token's signature with the key whose `kid` its header names (JWS `EdDSA`, "
        "Ed25519). A rotated key stays here until every token it signed has expired."
    ),
)
async def jwks(request: Request, response: Response) -> JwkSet:
    response.headers["Cache-Control"] = CACHE_CONTROL
    return JwkSet(keys=[Jwk(**key) for key in request.app.state.token_issuer.keys.published()])


@router.get(
    "/oauth-authorization-server",
    summary="OAuth 2.0 authorization server metadata (RFC 8414)",
    description=(
        "Where the token endpoint and the keys are, and what the server supports. `issuer` "
        "equals the `iss` claim of every token the gateway issues."
    ),
)
async def authorization_server(request: Request, response: Response) -> AuthorizationServerMetadata:
    response.headers["Cache-Control"] = CACHE_CONTROL
    return metadata(
        request.app.state.token_issuer.issuer,
        request.app.state.services.products.scopes(),
        token_exchange=request.app.state.id_tokens is not None,
    )
