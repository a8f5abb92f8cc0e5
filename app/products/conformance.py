"""The conformance suite of a declaration: every source's live backend, through the adapter
the declaration makes, before the declaration takes traffic.

Per source: the health call answers; the `found` fixture gives records that fit the schema
(at least one, for a `many` product) and, for a product not keyed by NIK, every record's
`subject` is a NIK; the `missing` fixture gives not found (`one`) or an empty list (`many`).
A mapping that does not match what the backend sends fails here, so it is refused before it
is stored, not discovered on a citizen's read.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from app.adapters.base import AdapterContext, AgencyAdapter, AgencyNotFound, ProductSource
from app.agencies.conformance import CheckFailed, CheckResult, _timed
from app.bus.registry import AdapterKind
from app.config import AgencyEndpoint
from app.http_client import AgencyHttp
from app.products.catalog import DataProduct
from app.products.declaration import Cardinality, SourceDeclaration
from app.products.mapping import Expression, compile_expression
from app.products.records import is_subject_nik


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def builder(kind: AdapterKind, http: AgencyHttp) -> Callable[[SourceDeclaration], AgencyAdapter]:
    """Builds the adapter of each source from the product's kind, on `http`, without putting
    anything on the bus: what `check_declaration` needs for a candidate version."""

    def build(source: SourceDeclaration) -> AgencyAdapter:
        endpoint = AgencyEndpoint(base_url=source.base_url, timeout_ms=source.timeout_ms)
        return kind.factory(AdapterContext(code=source.agency.code, endpoint=endpoint, http=http))

    return build


def _records(value: Any, cardinality: Cardinality) -> list[Any]:
    return value if cardinality is Cardinality.MANY else [value]


def _found(
    adapter: ProductSource, product: DataProduct, key: str, subject: Expression | None
) -> Callable[[], Awaitable[None]]:
    cardinality = product.declaration.cardinality

    async def check() -> None:
        records = _records(await adapter.fetch_product(product.name, key), cardinality)
        _require(bool(records), f"the found key {key} gave an empty list")
        if subject is None:
            return
        for index, record in enumerate(records):
            _require(
                is_subject_nik(subject.evaluate(record)),
                f"record {index}: `subject` does not give a 16-digit NIK",
            )

    return check


def _missing(
    adapter: ProductSource, product: DataProduct, key: str
) -> Callable[[], Awaitable[None]]:
    cardinality = product.declaration.cardinality

    async def check() -> None:
        try:
            records = await adapter.fetch_product(product.name, key)
        except AgencyNotFound:
            _require(
                cardinality is Cardinality.ONE,
                "a `many` product must give an empty list for a missing key, not not-found",
            )
            return
        if cardinality is Cardinality.MANY:
            _require(records == [], f"the missing key {key} gave records")
        else:
            raise CheckFailed(f"the missing key {key} gave a record instead of not found")

    return check


def _source_checks(
    product: DataProduct,
    source: SourceDeclaration,
    adapter: AgencyAdapter,
    subject: Expression | None,
) -> list[tuple[str, Callable[[], Awaitable[None]]]]:
    declaration = product.declaration
    if not isinstance(adapter, ProductSource):

        async def not_a_source() -> None:
            raise CheckFailed("the adapter does not implement ProductSource")

        return [("fetches the product", not_a_source)]
    fixtures = source.fixtures
    empty = "[]" if declaration.cardinality is Cardinality.MANY else "not found"
    return [
        ("health", adapter.health),
        ("found key gives records", _found(adapter, product, fixtures.found, subject)),
        (f"missing key gives {empty}", _missing(adapter, product, fixtures.missing)),
    ]


async def check_declaration(
    product: DataProduct, build: Callable[[SourceDeclaration], AgencyAdapter]
) -> list[CheckResult]:
    """Every check of every source, in declaration order, each named
    `<source>: <check>`; a source whose adapter cannot be built fails one check saying why."""
    declaration = product.declaration
    subject = (
        None if declaration.subject is None else compile_expression(declaration.subject, "subject")
    )
    results: list[CheckResult] = []
    for source in product.declaration.sources:
        code = source.agency.code
        try:
            adapter = build(source)
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}"

            async def unbuildable(message: str = message) -> None:
                raise CheckFailed(message)

            results.append(await _timed(f"{code}: adapter", unbuildable))
            continue
        for name, check in _source_checks(product, source, adapter, subject):
            results.append(await _timed(f"{code}: {name}", check))
    return results
