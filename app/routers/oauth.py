"""Where clients get their access tokens."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from starlette.requests import HTTPConnection

from app.auth import grants
from app.auth.id_tokens import ID_TOKEN_TYPE
from app.problems import ProblemError, ProblemKind, problem_responses
from app.schemas.oauth import TokenResponse
from app.schemas.problem import FieldError
from app.schemas.text import SingleLineText

router = APIRouter(prefix="/v1/oauth", tags=["authentication"])


class ClientSecretBasic(HTTPBasic):
    """FastAPI answers a Basic header it cannot decode with a bare 401 even when told not
    to raise; at the token endpoint that is RFC 6749's `invalid_client`."""

    async def __call__(  # type: ignore[override]
        self, request: HTTPConnection
    ) -> HTTPBasicCredentials | None:
        try:
            return await super().__call__(request)
        except HTTPException as exc:
            detail = "Authorization: Basic needs base64 of `client_id:client_secret`"
            raise ProblemError(
                ProblemKind.INVALID_CLIENT,
                detail,
                extensions={"error": "invalid_client", "error_description": detail},
                headers={"WWW-Authenticate": 'Basic realm="satupintu"'},
            ) from exc


basic = ClientSecretBasic(auto_error=False, scheme_name="ClientSecretBasic")

FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _refuse_non_form_body(request: Request) -> None:
    """RFC 6749 (section 4.4.2) token requests are form-encoded. A JSON body parses as no
    fields at all, which would be refused as a missing grant_type although it named the
    grant: say what the endpoint takes instead."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if not media_type or media_type in FORM_MEDIA_TYPES:
        return
    detail = (
        "the token endpoint takes an application/x-www-form-urlencoded body (RFC 6749), "
        f"not {media_type}: send grant_type and the other fields as form fields"
    )
    raise ProblemError(
        ProblemKind.INVALID_TOKEN_REQUEST,
        detail,
        errors=[FieldError(field="Content-Type", location="header", message=detail)],
        extensions={"error": "invalid_request", "error_description": detail},
    )


OptionalForm = Annotated[SingleLineText | None, Form(max_length=2000)]
#: An ID token signed with a 4096-bit RSA key and a few claims is about 1.5 kB; room to spare.
TokenForm = Annotated[SingleLineText | None, Form(max_length=8000)]

DESCRIPTION = f"""Two grants, form-encoded, with the client id and secret as HTTP Basic or as
`client_id` and `client_secret` fields. `scope` narrows the token to some of the client's
scopes. Tokens last `expires_in` seconds.

- **Client credentials** (`grant_type=client_credentials`): officer and system clients, acting
  as themselves.
- **Token exchange** (RFC 8693; `grant_type={grants.TOKEN_EXCHANGE}`): a portal or kiosk
  presents the ID token the national identity provider issued when the citizen signed in
  (`subject_token=<ID token>`, `subject_token_type={ID_TOKEN_TYPE}`) and gets a token that
  reaches that citizen's data only. The ID token must come from the trusted provider, name
  this gateway's audience, be at most a few minutes old and unexpired, carry the citizen's
  `nik`, and is exchanged once. With `requested_subject=<NIK>` the signed-in citizen acts for
  someone else: a parent for a minor child on the same family card, the head of the family for
  family-card services, or the holder of a mandate the person granted and has not withdrawn,
  as the civil registry confirms at that moment. The token's `sub` is then that person and
  its `act` claim (`sub`, `basis`, `relationship`, `mandate_id`) the citizen acting; both are
  on the record of every use. The answer adds `issued_token_type`.

A portal or kiosk can no longer name a NIK (`subject`) with client credentials; only a gateway
run with `SATUPINTU_ENVIRONMENT=development` still allows it, for trying things out.

Errors carry RFC 6749's `error` member besides the problem fields: `invalid_grant` for an ID
token that is not accepted (issuer, audience, age, signature, replay) or acting for someone
that is not allowed, `unauthorized_client` for a grant the client's kind may not use."""


@router.post(
    "/token",
    summary="Get an access token (client credentials, or a citizen's ID token exchanged)",
    description=DESCRIPTION,
    response_model_exclude_none=True,
    responses={
        200: {
            "content": {
                "application/json": {
                    "examples": {
                        "officer": {
                            "summary": "A token narrowed to two scopes",
                            "value": {
                                "access_token": "eyJhbGciOiJFZERTQSIsImtpZCI6IjIwMjYxMjAyLTNm"
                                "OWMwMWEyYjRkNiIsInR5cCI6ImF0K2p3dCJ9.eyJ...",
                                "token_type": "Bearer",
                                "expires_in": 900,
                                "scope": "identity:read vehicles:read",
                            },
                        },
                        "exchanged": {
                            "summary": "A portal's token for the citizen who signed in",
                            "value": {
                                "access_token": "eyJhbGciOiJFZERTQSIsImtpZCI6IjIwMjYxMjAyLTNm"
                                "OWMwMWEyYjRkNiIsInR5cCI6ImF0K2p3dCJ9.eyJ...",
                                "token_type": "Bearer",
                                "expires_in": 900,
                                "scope": "identity:read requests:read requests:write",
                                "issued_token_type": grants.ACCESS_TOKEN_TYPE,
                            },
                        },
                    }
                }
            }
        },
        **problem_responses(
            ProblemKind.INVALID_TOKEN_REQUEST,
            ProblemKind.INVALID_CLIENT,
            ProblemKind.RATE_LIMITED,
            ProblemKind.PAYLOAD_TOO_LARGE,
            ProblemKind.IDENTITY_PROVIDER_UNAVAILABLE,
            personal_data=False,
            secured=False,
        ),
    },
)
async def issue_token(
    request: Request,
    response: Response,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)],
    grant_type: OptionalForm = None,
    scope: OptionalForm = None,
    subject: OptionalForm = None,
    subject_token: TokenForm = None,
    subject_token_type: OptionalForm = None,
    requested_subject: OptionalForm = None,
    requested_token_type: OptionalForm = None,
    client_id: OptionalForm = None,
    client_secret: OptionalForm = None,
) -> TokenResponse:
    _refuse_non_form_body(request)
    state = request.app.state
    issued = await grants.grant(
        grants.TokenEndpoint(
            clients=state.clients,
            issuer=state.token_issuer,
            guesses=state.guesses,
            services=state.services,
            id_tokens=state.id_tokens,
            development=state.settings.environment == "development",
        ),
        grants.TokenRequest(
            grant_type=grant_type,
            client_id=credentials.username if credentials else client_id,
            client_secret=credentials.password if credentials else client_secret,
            scope=scope,
            subject=subject,
            subject_token=subject_token,
            subject_token_type=subject_token_type,
            requested_subject=requested_subject,
            requested_token_type=requested_token_type,
        ),
        request.client.host if request.client else "-",
    )
    response.headers["Cache-Control"] = "no-store"
    return TokenResponse(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        scope=issued.scope,
        issued_token_type=issued.issued_token_type,
    )
