"""The documents under `/.well-known/`: what a verifier needs to check this gateway's tokens."""

from pydantic import BaseModel, ConfigDict, Field

EXAMPLE_ISSUER = "https://satupintu.example.go.id"


class Jwk(BaseModel):
    """One public signing key (RFC 7517, RFC 8037 for Ed25519)."""

    kty: str = Field(description="Key type: `OKP`.")
    crv: str = Field(description="Curve: `Ed25519`.")
    x: str = Field(description="The public key, base64url.")
    kid: str = Field(description="The key id tokens carry in their header.")
    alg: str = Field(description="JWS algorithm: `EdDSA`.")
    use: str = Field(description="`sig`: for signatures.")


class JwkSet(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "keys": [
                        {
                            "kty": "OKP",
                            "crv": "Ed25519",
                            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                            "kid": "20261202-3f9c01a2b4d6",
                            "alg": "EdDSA",
                            "use": "sig",
                        }
                    ]
                }
            ]
        }
    )

    keys: list[Jwk] = Field(
        description="Every key a token that has not expired may be signed with, newest first."
    )


class AuthorizationServerMetadata(BaseModel):
    """RFC 8414 metadata. `response_types_supported` is left out: this server has no
    authorization endpoint, and section 3.2 says members with no values are omitted."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "issuer": EXAMPLE_ISSUER,
                    "token_endpoint": f"{EXAMPLE_ISSUER}/v1/oauth/token",
                    "jwks_uri": f"{EXAMPLE_ISSUER}/.well-known/jwks.json",
                    "grant_types_supported": ["client_credentials"],
                    "token_endpoint_auth_methods_supported": [
                        "client_secret_basic",
                        "client_secret_post",
                    ],
                    "scopes_supported": ["identity:read", "vehicles:read"],
                    "service_documentation": f"{EXAMPLE_ISSUER}/docs",
                }
            ]
        }
    )

    issuer: str = Field(description="Equals the `iss` claim of every token this server issues.")
    token_endpoint: str
    jwks_uri: str
    grant_types_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    scopes_supported: list[str]
    service_documentation: str
