"""`GET /v1/data-products/{name}/records/{key}`: a declared data product's records, with no
code written for it: the product's own scope guards it, its key kind checks the key."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from app.auth.guard import Guard
from app.problems import ProblemError, ProblemKind, problem_responses
from app.products.catalog import DataProduct
from app.products.declaration import PRODUCT_NAME_PATTERN
from app.routers import examples
from app.routers.deps import ApiKey, BearerToken, PurposeHeader, ServicesDep, authenticate
from app.schemas.responses import ProductRecords
from app.services import product_reads
from app.services.context import Caller

router = APIRouter(prefix="/v1/data-products", tags=["data products"])

RECORDS_PATH = "/{name}/records/{key}"
MAX_KEY_LENGTH = 128


class ProductReader:
    """The product a request names and its caller, who must hold that product's scope."""

    def __init__(self, product: DataProduct, caller: Caller) -> None:
        self.product = product
        self.caller = caller


async def product_reader(
    request: Request,
    services: ServicesDep,
    authorization: BearerToken,
    api_key: ApiKey,
    x_purpose: PurposeHeader = None,
) -> ProductReader:
    """Authenticate (401), then find the product (404), then check its scope (403) and the
    purpose: the scope to require is only known once the product is. The name is read from
    the path here, unchecked, so an anonymous caller gets its 401 before any 422."""
    claims = await authenticate(request, authorization, api_key)
    name = str(request.path_params.get("name", ""))
    product = services.products.get(name)
    if product is None:
        raise ProblemError(ProblemKind.PRODUCT_NOT_FOUND, f"no data product named {name!r}")
    guard: Guard = request.app.state.guard
    caller = await guard.admit(request.state, claims, frozenset({product.scope}), x_purpose)
    return ProductReader(product, caller)


@router.get(
    RECORDS_PATH,
    summary="A data product's records for one key",
    description=(
        "The records a registered data product's agencies hold for `key`: the citizen's NIK, "
        "a plate, an NIB, or the product's own identifier (a card number), as its declaration "
        "says (`GET /v1/data-products/{name}`). Needs the product's scope (`<name>:read`).\n\n"
        "A plate is asked of the office whose jurisdiction covers its region (503 "
        "`jurisdiction-not-served` if none does); any other key of every source at once. "
        "`records` is an array (a `many` product, merged from every source that answered) "
        "or one record (a `one` product); `complete` is false when a source could not answer. "
        "No record anywhere is a 404, and so is another citizen's record for a portal or "
        "kiosk acting for one citizen. The document served at `/openapi.json` has a typed "
        "path of this form for each registered product."
    ),
    responses={
        200: {"content": {"application/json": {"examples": examples.PRODUCT_RECORDS}}},
        **problem_responses(
            ProblemKind.PRODUCT_NOT_FOUND,
            ProblemKind.PRODUCT_RECORD_NOT_FOUND,
            ProblemKind.JURISDICTION_NOT_SERVED,
            ProblemKind.AGENCY_REFUSED_INPUT,
            ProblemKind.CLIENT_CONCURRENCY,
            ProblemKind.AGENCY_BAD_REPLY,
            ProblemKind.AGENCY_UNAVAILABLE,
            ProblemKind.AGENCY_TIMEOUT,
        ),
    },
)
async def get_product_records(
    name: Annotated[
        str,
        Path(
            pattern=PRODUCT_NAME_PATTERN,
            description="The data product's name.",
            examples=["health_insurance"],
        ),
    ],
    key: Annotated[
        str,
        Path(
            min_length=1,
            max_length=MAX_KEY_LENGTH,
            description="What the product's records are found by, as its declaration says.",
            examples=["3374091203840001"],
        ),
    ],
    services: ServicesDep,
    reader: Annotated[ProductReader, Depends(product_reader)],
) -> ProductRecords:
    return await product_reads.read_records(services, reader.caller, reader.product, key)
