"""Data products by declaration: the public catalogue, and their administration."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from app.auth.scopes import Scope
from app.problems import ProblemKind, problem_responses
from app.products.declaration import PRODUCT_NAME_PATTERN, ProductDeclaration
from app.products.store import ProductStore
from app.routers import examples
from app.routers.deps import caller_with
from app.schemas.data_products import (
    DataProductChange,
    DataProductList,
    DataProductSummary,
    DataProductView,
    Rollback,
    VersionList,
    VersionView,
)
from app.services.context import Caller

router = APIRouter(prefix="/v1/data-products", tags=["data products"])

Administrator = Annotated[Caller, caller_with(Scope.AGENCIES_ADMIN)]
Authenticated = Annotated[Caller, caller_with()]
ProductName = Annotated[
    str, Path(pattern=PRODUCT_NAME_PATTERN, max_length=40, examples=["health_insurance"])
]


async def _store(request: Request) -> ProductStore:
    store: ProductStore = request.app.state.product_store
    return store


Store = Annotated[ProductStore, Depends(_store)]

_EXAMPLE_DECLARATION: dict[str, Any] = {
    "name": "health_insurance",
    "title": "Health insurance (JKN-KIS)",
    "description": "A citizen's JKN membership at BPJS Kesehatan: class, status, clinic.",
    "key": {"kind": "nik"},
    "cardinality": "one",
    "schema": {
        "type": "object",
        "required": ["card_number", "status", "class"],
        "properties": {
            "card_number": {"type": "string", "pattern": "^[0-9]{13}$", "maxLength": 13},
            "status": {"enum": ["active", "inactive"]},
            "class": {"enum": [1, 2, 3]},
            "primary_care": {"type": "string", "maxLength": 200},
        },
    },
    "scope": "health_insurance:read",
    "classification": "specific",
    "specific_category": "health",
    "processing_basis": "public_task",
    "legal_basis": ["UU 24/2011 tentang BPJS", "Perpres 82/2018 tentang Jaminan Kesehatan"],
    "fetch": {
        "request": {"method": "GET", "path": "/peserta/nik/{key}"},
        "response": {
            "errors": [{"status": [503], "outcome": "unavailable"}],
            "not_found": {"status": [404]},
            "records": "response.peserta.{card_number: noKartu, status: statusPeserta, "
            "class: kelas, primary_care: faskes}",
        },
        "health": {"path": "/health"},
    },
    "sources": [
        {
            "agency": {"code": "bpjs_kesehatan", "name": "BPJS Kesehatan", "level": "central"},
            "base_url": "https://api.bpjs-kesehatan.go.id/vclaim-rest",
            "timeout_ms": 2000,
            "auth": {
                "type": "api_key",
                "location": "header",
                "name": "X-Cons-Key",
                "key": {"secret_ref": "BPJS_CONS_KEY"},
            },
            "fixtures": {"found": "3374091203840001", "missing": "3471073006980001"},
        }
    ],
}
_CHANGE_DESCRIPTION = (
    "Admitted in three steps, and nothing is stored or changed unless all pass: the static "
    "checks (422 `validation-error` naming each field: JMESPath expressions, template "
    "placeholders, the record schema, an installed adapter kind for `fetch.adapter`, every "
    "`secret_ref` present in the gateway's environment), every `base_url` against the agency "
    "URL policy (422 `endpoint-refused`, as for an agency's endpoint), then "
    "conflicts (409: a source's agency code already on the bus, a scope that is built in or "
    "another product's), then the conformance suite against every source's live backend "
    "(422 `conformance-failed` with `failures`). The new version then takes traffic in this "
    "process at once and in every other within `SATUPINTU_AGENCY_REFRESH_INTERVAL_MS`, and is "
    "recorded with the calling client's id. An inline secret is stored encrypted and never "
    "returned; one left out keeps the previous version's for the same source while its "
    "`base_url` keeps its origin (scheme, host and port), and is refused (422 naming the "
    "secret's field) when the source moves to another. The body is "
    "bounded like every other (`SATUPINTU_MAX_BODY_BYTES`, 64 KiB by default: about 150 "
    "sources); a federation of more offices needs the operator to raise it."
)
_CHANGE_ERRORS = (
    ProblemKind.PAYLOAD_TOO_LARGE,
    ProblemKind.ENDPOINT_REFUSED,
    ProblemKind.PRODUCT_CONFLICT,
    ProblemKind.CONFLICT,
    ProblemKind.CONFORMANCE_FAILED,
)


@router.get(
    "",
    summary="The data products on the bus",
    description=(
        "Every declared data product's contract: its key, record schema, the scope that "
        "releases it, its UU 27/2022 classification and legal basis, complaint topics, "
        "services, and the agencies holding it with their jurisdictions. No endpoint or "
        "credential is shown. Any authenticated client may read it."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.DATA_PRODUCTS}}},
        **problem_responses(personal_data=False),
    },
)
async def list_products(store: Store, caller: Authenticated) -> DataProductList:
    return DataProductList(items=[DataProductSummary.of(v) for v in await store.every()])


@router.put(
    "/{name}",
    summary="Register a data product, or change it",
    description=(
        "Registers the product (201, with `Location`) or stores its declaration as a new "
        "version (200). " + _CHANGE_DESCRIPTION + " With `dry_run=true` every check runs "
        "and nothing is stored: 200 with the results."
    ),
    status_code=200,
    responses={
        200: {"content": {"application/json": {"examples": examples.DATA_PRODUCT_CHANGED}}},
        201: {
            "description": "Registered.",
            "model": DataProductChange,
            "headers": {
                "Location": {"description": "The new product.", "schema": {"type": "string"}}
            },
            "content": {"application/json": {"examples": examples.DATA_PRODUCT_REGISTERED}},
        },
        **problem_responses(*_CHANGE_ERRORS, personal_data=False),
    },
)
async def put_product(
    name: ProductName,
    body: Annotated[
        ProductDeclaration,
        Body(
            openapi_examples={
                "health_insurance": {
                    "summary": "BPJS Kesehatan memberships, keyed by NIK",
                    "value": _EXAMPLE_DECLARATION,
                }
            }
        ),
    ],
    store: Store,
    caller: Administrator,
    response: Response,
    dry_run: Annotated[bool, Query(description="Check only; store nothing.")] = False,
) -> DataProductChange:
    registration = await store.register(caller.client_id, name, body, dry_run)
    if registration.created and registration.stored:
        response.status_code = 201
        response.headers["Location"] = f"/v1/data-products/{name}"
    return DataProductChange.of(registration)


@router.get(
    "/{name}",
    summary="One data product, as declared",
    description=(
        "The version taking traffic and its whole declaration, including endpoints and how "
        'each source authenticates; an inline secret shows only as `{"value_set": true}`.'
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.DATA_PRODUCT}}},
        **problem_responses(ProblemKind.PRODUCT_NOT_FOUND, personal_data=False),
    },
)
async def get_product(name: ProductName, store: Store, caller: Administrator) -> DataProductView:
    return DataProductView.of(await store.get(name))


@router.get(
    "/{name}/versions",
    summary="Every change to a data product",
    description=(
        "The product's history, oldest first: each registration, new version, rollback and "
        "removal, with who made it (a client id, or `operator:<name>` for the command line) "
        "and when. Never edited: it is the audit of the product."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.DATA_PRODUCT_VERSIONS}}},
        **problem_responses(ProblemKind.PRODUCT_NOT_FOUND, personal_data=False),
    },
)
async def list_versions(name: ProductName, store: Store, caller: Administrator) -> VersionList:
    return VersionList(items=[VersionView.of(v) for v in await store.versions(name)])


@router.post(
    "/{name}/rollback",
    summary="Restore an earlier version",
    description=(
        "Stores a new version equal to the one named, admitted as any new version is (the "
        "bus and the backends may have changed since): conflicts and the conformance suite "
        "are checked again."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.DATA_PRODUCT_ROLLED_BACK}}},
        **problem_responses(
            ProblemKind.PRODUCT_NOT_FOUND,
            ProblemKind.PRODUCT_VERSION_NOT_FOUND,
            *_CHANGE_ERRORS,
            personal_data=False,
        ),
    },
)
async def rollback(
    name: ProductName, body: Rollback, store: Store, caller: Administrator
) -> DataProductChange:
    return DataProductChange.of(await store.rollback(caller.client_id, name, body.version))


@router.delete(
    "/{name}",
    status_code=204,
    summary="Take a data product off the bus",
    description=(
        "Its agencies leave the bus and its profile part, scope and records route go, in "
        "every gateway process within `SATUPINTU_AGENCY_REFRESH_INTERVAL_MS`. The history "
        "stays, ending in the removal; a rollback restores it."
    ),
    responses=problem_responses(ProblemKind.PRODUCT_NOT_FOUND, personal_data=False),
)
async def remove_product(name: ProductName, store: Store, caller: Administrator) -> Response:
    await store.remove(caller.client_id, name)
    return Response(status_code=204)
