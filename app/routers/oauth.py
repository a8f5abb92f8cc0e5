"""Where clients get their access tokens."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from starlette.requests import HTTPConnection

from app.auth import grants
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
    fields at all, which would be refused as "grant_type must be client_credentials" although
    it named the grant: say what the endpoint takes instead."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if not media_type or media_type in FORM_MEDIA_TYPES:
        return
    detail = (
        "the token endpoint takes an application/x-www-form-urlencoded body (RFC 6749), "
        f"not {media_type}: send grant_type=client_credentials as a form field"
    )
    raise ProblemError(
        ProblemKind.INVALID_TOKEN_REQUEST,
        detail,
        errors=[FieldError(field="Content-Type", location="header", message=detail)],
        extensions={"error": "invalid_request", "error_description": detail},
    )


OptionalForm = Annotated[SingleLineText | None, Form(max_length=2000)]


@router.post(
    "/token",
    summary="Get an access token (OAuth 2.0 client credentials)",
    description=(
        "Send `grant_type=client_credentials` form-encoded, with the client id and secret as "
        "HTTP Basic or as `client_id` and `client_secret` fields. `scope` narrows the token to "
        "some of the client's scopes. A portal or kiosk names the signed-in citizen's NIK in "
        "`subject`, and its token then reaches that citizen only. Tokens last `expires_in` "
        "seconds.\n\n"
        "Errors carry RFC 6749's `error` member besides the problem fields."
    ),
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
                        }
                    }
                }
            }
        },
        **problem_responses(
            ProblemKind.INVALID_TOKEN_REQUEST,
            ProblemKind.INVALID_CLIENT,
            ProblemKind.RATE_LIMITED,
            ProblemKind.PAYLOAD_TOO_LARGE,
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
    client_id: OptionalForm = None,
    client_secret: OptionalForm = None,
) -> TokenResponse:
    _refuse_non_form_body(request)
    state = request.app.state
    issued = await grants.grant(
        state.clients,
        state.token_issuer,
        state.guesses,
        grants.TokenRequest(
            grant_type=grant_type,
            client_id=credentials.username if credentials else client_id,
            client_secret=credentials.password if credentials else client_secret,
            scope=scope,
            subject=subject,
        ),
        request.client.host if request.client else "-",
    )
    response.headers["Cache-Control"] = "no-store"
    return TokenResponse(
        access_token=issued.access_token, expires_in=issued.expires_in, scope=issued.scope
    )
