"""An agency verifies the gateway's tokens from what it publishes, with no shared secret."""

import time

import pytest
from joserfc import jwt as jose_jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet, KeySetSerialization, OKPKey

from app.auth.scopes import ClientKind, Scope
from tests.conftest import client_of

ANONYMOUS: dict[str, str] = {}
# RFC 9864 prefers the name `Ed25519` to `EdDSA`; PyJWT 2.15 signs only under the older one.
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


async def issued_token(app, scope: str | None = None) -> str:
    """A token from the real token endpoint, as a client would get it."""
    made = await app.state.clients.create(
        "counter", ClientKind.OFFICER, {Scope.IDENTITY_READ, Scope.VEHICLES_READ}
    )
    form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    async with client_of(app, ANONYMOUS) as client:
        answer = await client.post(
            "/v1/oauth/token", data=form, auth=(made.client.client_id, made.secret)
        )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


async def test_the_published_keys_verify_a_real_token_with_another_jose_library(gateway_app):
    token = await issued_token(gateway_app, "identity:read")
    async with client_of(gateway_app, ANONYMOUS) as client:
        metadata = (await client.get("/.well-known/oauth-authorization-server")).json()
        published = await client.get(metadata["jwks_uri"].removeprefix(metadata["issuer"]))
    assert published.status_code == 200
    assert "max-age=" in published.headers["Cache-Control"]
    assert "no-store" not in published.headers["Cache-Control"]
    for key in published.json()["keys"]:
        assert set(key) == {"kty", "crv", "x", "kid", "alg", "use"}, "a private member leaked"

    verified = jose_jwt.decode(token, KeySet.import_key_set(published.json()), ["EdDSA"])
    registry = jose_jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": metadata["issuer"]},
        aud={"essential": True, "value": "satupintu"},
        exp={"essential": True},
    )
    registry.validate(verified.claims)
    assert verified.claims["scope"] == "identity:read"
    assert verified.header["typ"] == "at+jwt"
    assert verified.claims["exp"] > time.time()


async def test_a_token_is_not_verified_by_some_other_key(gateway_app):
    token = await issued_token(gateway_app)
    stranger = OKPKey.generate_key("Ed25519", parameters={"kid": "stranger"})
    with pytest.raises(BadSignatureError):
        jose_jwt.decode(token, stranger, ["EdDSA"])


async def test_the_metadata_describes_the_tokens_the_gateway_issues(gateway_app):
    token = await issued_token(gateway_app)
    async with client_of(gateway_app, ANONYMOUS) as client:
        answer = await client.get("/.well-known/oauth-authorization-server")
    assert answer.status_code == 200
    assert "max-age=" in answer.headers["Cache-Control"]
    metadata = answer.json()
    claims = jose_jwt.decode(
        token, KeySet.import_key_set(gateway_app_jwks(gateway_app)), ["EdDSA"]
    ).claims
    assert metadata["issuer"] == claims["iss"] == gateway_app.state.settings.public_url
    assert metadata["token_endpoint"] == f"{metadata['issuer']}/v1/oauth/token"
    assert metadata["jwks_uri"] == f"{metadata['issuer']}/.well-known/jwks.json"
    assert metadata["grant_types_supported"] == ["client_credentials"]
    assert set(claims["scope"].split()) <= set(metadata["scopes_supported"])
    assert set(metadata["scopes_supported"]) == {scope.value for scope in Scope}
    assert metadata["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
    ]
    # The token endpoint the metadata names is the one that issued the token.
    async with client_of(gateway_app, ANONYMOUS) as client:
        refused = await client.post(metadata["token_endpoint"].removeprefix(metadata["issuer"]))
    assert refused.json()["error"] == "unsupported_grant_type"


def gateway_app_jwks(app) -> KeySetSerialization:
    return {"keys": app.state.token_issuer.keys.published()}


def test_the_documents_are_in_the_openapi_spec_with_examples(gateway_app):
    paths = gateway_app.openapi()["paths"]
    schemas = gateway_app.openapi()["components"]["schemas"]
    for path, schema in (
        ("/.well-known/jwks.json", "JwkSet"),
        ("/.well-known/oauth-authorization-server", "AuthorizationServerMetadata"),
    ):
        operation = paths[path]["get"]
        assert "security" not in operation
        assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": f"#/components/schemas/{schema}"
        }
        assert schemas[schema]["examples"]
