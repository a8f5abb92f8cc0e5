"""The citizen reads: one call for the whole picture, and one per agency."""

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import StringConstraints, WithJsonSchema

from app.auth.scopes import Scope
from app.problems import ProblemKind, problem_responses
from app.routers import examples
from app.routers.deps import ServicesDep, caller_with
from app.schemas.access_log import AccessLogPage
from app.schemas.business import MAX_PAGE, MAX_PAGE_SIZE
from app.schemas.identifiers import NIK_DESCRIPTION, Nik
from app.schemas.responses import CitizenBusinesses, CitizenProfile, CitizenVehicles, ProfilePart
from app.services import citizen_access_log, citizens
from app.services.context import Caller

router = APIRouter(prefix="/v1/citizens", tags=["citizens"])

NikPath = Annotated[Nik, Path(description=NIK_DESCRIPTION, examples=["3171074508900001"])]
# Past it the row offset overflows the database's integers rather than finding nothing.
MAX_LOG_PAGE = 10_000
_AGENCY_FAILURES = (
    ProblemKind.AGENCY_REFUSED_INPUT,
    ProblemKind.CLIENT_CONCURRENCY,
    ProblemKind.AGENCY_BAD_REPLY,
    ProblemKind.AGENCY_UNAVAILABLE,
    ProblemKind.AGENCY_TIMEOUT,
)


_PART_NAMES = [part.value for part in ProfilePart]
MAX_INCLUDE_LENGTH = 40

IncludeItem = Annotated[str, StringConstraints(max_length=MAX_INCLUDE_LENGTH)]
Include = Annotated[
    list[IncludeItem],
    WithJsonSchema(
        {
            "type": "array",
            "items": {"type": "string", "enum": _PART_NAMES},
            "maxItems": len(_PART_NAMES),
        }
    ),
]
"""`include`. The document says what a value must be (a part's name, so a typed client knows
the parts; the document served while data products are registered names them too); the
server also takes a comma-separated list in one value, as it always has, and refuses a
misspelt name itself, naming `include` (`app.services.release.asked_parts`)."""


@router.get(
    "/{nik}",
    summary="A citizen's whole picture from every agency",
    description=(
        "Identity (always), family card, vehicles with this year's tax, and businesses with "
        "their licences, fetched from the civil registry, vehicle tax and investment licensing "
        "at the same time and combined. The call takes about as long as the slowest agency.\n\n"
        "A slow or failing agency does not fail the call: its part is `null`, "
        "`sources.<agency>.status` says why (`timeout`, `unavailable`, `error`) and `complete` is "
        "false. Only an unknown NIK (404) or a civil registry that cannot confirm the identity "
        "(502/503/504) fails the whole call.\n\n"
        "Each client has a fair share of every agency's concurrent calls "
        "(`SATUPINTU_AGENCY_CLIENT_MAX_CONCURRENCY`, a quarter of the agency's bulkhead by "
        "default). A client with its share in flight waits briefly for one of its own calls; if "
        "none finishes in time, that part is `throttled` (the agency was not called; other "
        "clients are unaffected), and when it is the identity the whole call is a 429 "
        "`client-concurrency-limited` with `Retry-After`.\n\n"
        "Each client gets what its scopes release: `identity:read` gives name, address and "
        "whether the citizen is alive; `identity:full`, `family:read`, `vehicles:read` and "
        "`businesses:read` add the rest; each data product's own scope (`<name>:read`) its "
        "part. `withheld` lists what was kept back.\n\n"
        "Each registered data product keyed by NIK is a part under its own name, asked of "
        "all its sources at once like the vehicles: a list merged from every source, or the "
        "record of the first source that holds it. The document at `/openapi.json` types "
        "these parts while their products are registered."
    ),
    response_model_exclude_none=False,
    responses={
        200: {"content": {"application/json": {"examples": examples.PROFILE}}},
        **problem_responses(ProblemKind.CITIZEN_NOT_FOUND, *_AGENCY_FAILURES),
    },
)
async def get_citizen(
    nik: NikPath,
    services: ServicesDep,
    caller: Annotated[Caller, caller_with(Scope.IDENTITY_READ)],
    include: Annotated[
        Include | None,
        Query(
            description=(
                "Parts to fetch besides identity, repeated (`include=vehicles&include=family`) "
                "or comma-separated in one value (`include=vehicles,family`): "
                "`family`, `vehicles`, `businesses`, and the name of each registered data "
                "product found by NIK (`health_insurance`). Default: every part the client's "
                "scopes release, except data products of specific personal data (UU 27/2022 "
                "Pasal 4), which come only by name; naming one they do not release is refused "
                "(403), a name that is no part is refused (422), and so is a data product "
                "found by another key."
            ),
            examples=[["vehicles", "businesses"]],
        ),
    ] = None,
) -> CitizenProfile:
    return await citizens.get_profile(services, caller, nik, include)


@router.get(
    "/{nik}/vehicles",
    summary="The vehicles registered to a NIK, with their tax",
    description=(
        "Asks the vehicle-tax agency only. An owner with no vehicle gets an empty list; this "
        "call does not ask the civil registry whether the NIK exists. A client acting for one "
        "citizen gets 404 for any other NIK."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.VEHICLES}}},
        **problem_responses(ProblemKind.CITIZEN_NOT_FOUND, *_AGENCY_FAILURES),
    },
)
async def get_citizen_vehicles(
    nik: NikPath,
    services: ServicesDep,
    caller: Annotated[Caller, caller_with(Scope.VEHICLES_READ)],
) -> CitizenVehicles:
    return await citizens.list_vehicles(services, caller, nik)


@router.get(
    "/{nik}/businesses",
    summary="The businesses a NIK owns, with their licences, page by page",
    description=(
        "Asks the investment-licensing agency only (OSS), one page at a time. Each business "
        "lists its KBLI activities with their risk level and the permits that risk requires. "
        "A client acting for one citizen gets 404 for any other NIK."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.BUSINESSES}}},
        **problem_responses(ProblemKind.CITIZEN_NOT_FOUND, *_AGENCY_FAILURES),
    },
)
async def get_citizen_businesses(
    nik: NikPath,
    services: ServicesDep,
    caller: Annotated[Caller, caller_with(Scope.BUSINESSES_READ)],
    page: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description=f"Page number, from 1 to {MAX_PAGE}.")
    ] = 1,
    page_size: Annotated[
        int,
        Query(ge=1, le=MAX_PAGE_SIZE, description=f"Items per page, at most {MAX_PAGE_SIZE}."),
    ] = 20,
) -> CitizenBusinesses:
    return await citizens.list_businesses(services, caller, nik, page, page_size)


@router.get(
    "/{nik}/access-log",
    summary="Who used this citizen's data, when and why",
    description=(
        "Every read and write of the citizen's personal data through the gateway, newest "
        "first: the client, its stated purpose, the agencies asked and what was released. "
        "The citizen (a client acting for this NIK) may always read it; other clients need "
        "`audit:read` and a purpose, and their reading appears in the log too."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.ACCESS_LOG}}},
        **problem_responses(ProblemKind.CITIZEN_NOT_FOUND),
    },
)
async def get_access_log(
    nik: NikPath,
    services: ServicesDep,
    caller: Annotated[Caller, caller_with()],
    page: Annotated[
        int, Query(ge=1, le=MAX_LOG_PAGE, description="Page number, from 1 to 10 000.")
    ] = 1,
    page_size: Annotated[int, Query(ge=1, le=100, description="Items per page, at most 100.")] = 20,
) -> AccessLogPage:
    return await citizen_access_log.access_log(services, caller, nik, page, page_size)
