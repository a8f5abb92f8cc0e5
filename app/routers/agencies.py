"""Agencies on the bus, and their administration."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from app.auth.scopes import Scope
from app.problems import ProblemKind, problem_responses
from app.routers import examples
from app.routers.deps import AgencyAdminDep, caller_with
from app.schemas.agencies import (
    AgencyList,
    AgencyRegistration,
    AgencyView,
    EndpointPatch,
    EndpointUpdate,
)
from app.schemas.text import SingleLineText
from app.services import agencies
from app.services.context import Caller

Administrator = Annotated[Caller, caller_with(Scope.AGENCIES_ADMIN)]
router = APIRouter(
    prefix="/v1/agencies", tags=["agencies"], dependencies=[caller_with(Scope.AGENCIES_ADMIN)]
)

AgencyCode = Annotated[SingleLineText, Path(max_length=64, examples=["bapenda_33"])]
_CHANGE_ERRORS = (
    ProblemKind.AGENCY_NOT_FOUND,
    ProblemKind.AGENCY_DECLARED,
    ProblemKind.ENDPOINT_REFUSED,
    ProblemKind.CONFORMANCE_FAILED,
)
_CHANGE_DESCRIPTION = (
    "The URL is checked first: http or https only, no credentials in it, and no loopback, "
    "link-local or private address unless the operator allow-listed it "
    "(`SATUPINTU_AGENCY_URL_ALLOWLIST`). An endpoint to be enabled must then pass the "
    "conformance suite against its live backend, or nothing changes and the failures are "
    "returned. The change takes effect from the next request, with no restart, and is "
    "recorded with the calling client's id. The password is stored encrypted and never "
    "returned."
)


@router.get(
    "",
    summary="Every agency instance on the bus",
    description=(
        "Every agency instance, configured by the operator or registered at run time: the "
        "adapter kind it speaks and its version, its jurisdiction (empty for a national "
        "agency), capabilities, declared services, endpoint, whether it is enabled, and its "
        "live health. `kind` keeps one adapter kind's instances (`vehicle_tax`)."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.AGENCIES}}},
        **problem_responses(personal_data=False),
    },
)
async def list_agencies(
    admin: AgencyAdminDep,
    kind: Annotated[SingleLineText | None, Query(max_length=64)] = None,
) -> AgencyList:
    return await agencies.list_agencies(admin, kind)


@router.post(
    "",
    status_code=201,
    summary="Register an agency instance",
    description=(
        "A new agency instance joins the bus at run time: an organisation (a provincial tax "
        "office, say) at an endpoint, speaking an installed adapter kind, with a jurisdiction "
        "of Kemendagri province or regency codes (empty for national). "
        + _CHANGE_DESCRIPTION.replace("The change", "It")
        + " `conformance` names identifiers its own backend answers for (its province's "
        "plates), when the kind's defaults would not be there. Every gateway process routes "
        "to it within `SATUPINTU_AGENCY_REFRESH_INTERVAL_MS`."
    ),
    responses={
        201: {
            "content": {"application/json": {"examples": examples.AGENCY}},
            "headers": {
                "Location": {"description": "The new instance.", "schema": {"type": "string"}}
            },
        },
        **problem_responses(
            ProblemKind.AGENCY_EXISTS,
            ProblemKind.ENDPOINT_REFUSED,
            ProblemKind.CONFORMANCE_FAILED,
            personal_data=False,
        ),
    },
)
async def register_agency(
    body: AgencyRegistration, admin: AgencyAdminDep, caller: Administrator, response: Response
) -> AgencyView:
    view = await agencies.register_agency(admin, caller, body)
    response.headers["Location"] = f"/v1/agencies/{view.code}"
    return view


@router.get(
    "/{code}",
    summary="One agency",
    description="The same view as in the list, for one agency.",
    responses={
        200: {"content": {"application/json": {"examples": examples.AGENCY}}},
        **problem_responses(ProblemKind.AGENCY_NOT_FOUND, personal_data=False),
    },
)
async def get_agency(code: AgencyCode, admin: AgencyAdminDep) -> AgencyView:
    return await agencies.get_agency(admin, code)


@router.put(
    "/{code}",
    summary="Set an agency's endpoint",
    description=_CHANGE_DESCRIPTION,
    responses={
        200: {"content": {"application/json": {"examples": examples.AGENCY}}},
        **problem_responses(*_CHANGE_ERRORS, personal_data=False),
    },
)
async def replace_endpoint(
    code: AgencyCode, body: EndpointUpdate, admin: AgencyAdminDep, caller: Administrator
) -> AgencyView:
    return await agencies.replace_endpoint(admin, caller, code, body)


@router.patch(
    "/{code}",
    summary="Change part of an agency's endpoint",
    description=_CHANGE_DESCRIPTION + " Fields left out keep their value.",
    responses={
        200: {"content": {"application/json": {"examples": examples.AGENCY}}},
        **problem_responses(*_CHANGE_ERRORS, personal_data=False),
    },
)
async def change_endpoint(
    code: AgencyCode, body: EndpointPatch, admin: AgencyAdminDep, caller: Administrator
) -> AgencyView:
    return await agencies.change_endpoint(admin, caller, code, body)


@router.delete(
    "/{code}",
    status_code=204,
    summary="Take an agency instance off the bus",
    description=(
        "Every gateway process stops routing to it within "
        "`SATUPINTU_AGENCY_REFRESH_INTERVAL_MS`; requests in its jurisdiction then answer "
        "`jurisdiction-not-served` until another instance joins. Recorded with the calling "
        "client's id; the history stays."
    ),
    responses=problem_responses(
        ProblemKind.AGENCY_NOT_FOUND, ProblemKind.AGENCY_DECLARED, personal_data=False
    ),
)
async def remove_agency(code: AgencyCode, admin: AgencyAdminDep, caller: Administrator) -> Response:
    await agencies.remove_agency(admin, caller, code)
    return Response(status_code=204)
