"""RFC 8414 authorization server metadata, built from the gateway's public URL, so the
`issuer` a verifier reads is exactly the `iss` of the tokens it is about to check."""

from collections.abc import Iterable

from app.auth.grants import CLIENT_CREDENTIALS, TOKEN_EXCHANGE
from app.auth.scopes import BUILT_IN_SCOPES
from app.schemas.well_known import AuthorizationServerMetadata

TOKEN_PATH = "/v1/oauth/token"
JWKS_PATH = "/.well-known/jwks.json"


def metadata(
    issuer: str, product_scopes: Iterable[str] = (), *, token_exchange: bool = False
) -> AuthorizationServerMetadata:
    """`product_scopes`: those of the data products registered now, which a client may ask
    for like the built-in ones. `token_exchange`: whether an identity provider is trusted, so
    that portals can exchange their citizens' ID tokens (RFC 8693)."""
    return AuthorizationServerMetadata(
        issuer=issuer,
        token_endpoint=issuer + TOKEN_PATH,
        jwks_uri=issuer + JWKS_PATH,
        grant_types_supported=[CLIENT_CREDENTIALS, *([TOKEN_EXCHANGE] if token_exchange else [])],
        token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
        scopes_supported=sorted(BUILT_IN_SCOPES | frozenset(product_scopes)),
        service_documentation=issuer + "/docs",
    )
