"""Dependencies shared by the routers: the gateway's parts, and who is calling.

Each is `async` although none awaits: FastAPI runs a plain `def` dependency in a worker
thread, and those two thread hand-offs cost about 7 % of a profile read's CPU."""

from typing import Annotated, Any

from fastapi import Depends, Header, Request, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import APIKeyHeader, OAuth2, SecurityScopes
from pydantic import Field

from app.auth.guard import PURPOSE_RULES, Guard
from app.auth.scopes import SCOPE_DESCRIPTIONS
from app.auth.tokens import TokenClaims
from app.services.agencies import AgencyAdmin
from app.services.complaints import Complaints
from app.services.context import Caller, Services
from app.services.reports import Reports
from app.services.service_requests import Requests

TOKEN_URL = "/v1/oauth/token"

oauth2 = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(
            tokenUrl=TOKEN_URL, scopes=dict(SCOPE_DESCRIPTIONS)
        )
    ),
    scheme_name="OAuth2",
    description="Client credentials: exchange the client id and secret for a short-lived "
    "bearer token at `POST /v1/oauth/token`.",
    auto_error=False,
)
api_key_header = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    description="For system clients created with an API key: `<client_id>.<secret>`. It "
    "carries every scope the client has.",
    auto_error=False,
)


# The purpose's rules are documented here but checked by the guard, after authentication and
# scopes, so a caller without a token learns nothing from a malformed purpose but a 401.
DocumentedPurpose = Annotated[str, Field(json_schema_extra=PURPOSE_RULES)]


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_agency_admin(request: Request) -> AgencyAdmin:
    admin: AgencyAdmin = request.app.state.agency_admin
    return admin


async def get_requests(request: Request) -> Requests:
    requests: Requests = request.app.state.requests
    return requests


async def get_complaints(request: Request) -> Complaints:
    complaints: Complaints = request.app.state.complaints
    return complaints


async def get_reports(request: Request) -> Reports:
    reports: Reports = request.app.state.reports
    return reports


PurposeHeader = Annotated[
    DocumentedPurpose | None,
    Header(
        description="Why an officer or system client uses this citizen's data (e.g. a "
        "case number). Required for them on personal data; recorded in the audit trail and "
        "shown to the citizen.",
        examples=["SAMSAT counter: annual tax renewal, queue 0412"],
    ),
]
BearerToken = Annotated[str | None, Depends(oauth2)]
ApiKey = Annotated[str | None, Depends(api_key_header)]


async def authenticate(
    request: Request, authorization: str | None, api_key: str | None
) -> TokenClaims:
    """Who sent the request (401 if nobody the gateway knows), before what it may do is
    asked: a route whose scope depends on the request (a data product's, named in the path)
    checks that itself, with `Guard.admit`."""
    guard: Guard = request.app.state.guard
    remote = request.client.host if request.client else "-"
    return await guard.claims(authorization, api_key, remote)


async def authorise(
    request: Request,
    security_scopes: SecurityScopes,
    authorization: BearerToken,
    api_key: ApiKey,
    x_purpose: PurposeHeader = None,
) -> Caller:
    claims = await authenticate(request, authorization, api_key)
    guard: Guard = request.app.state.guard
    return await guard.admit(request.state, claims, frozenset(security_scopes.scopes), x_purpose)


def caller_with(*scopes: str) -> Any:
    """`Annotated` metadata for a route's caller: authenticated, holding `scopes`."""
    return Security(authorise, scopes=[str(scope) for scope in scopes])


ServicesDep = Annotated[Services, Depends(get_services)]
RequestsDep = Annotated[Requests, Depends(get_requests)]
AgencyAdminDep = Annotated[AgencyAdmin, Depends(get_agency_admin)]
ComplaintsDep = Annotated[Complaints, Depends(get_complaints)]
ReportsDep = Annotated[Reports, Depends(get_reports)]
