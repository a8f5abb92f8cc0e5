"""A data product's records for one key, read like the built-in single reads.

The key is checked against the product's key kind before any agency is asked, and routed as
the built-ins route it: a plate to the office whose jurisdiction covers its region, any other
key to every source at once. Who may see the records is decided by the citizen they are
about: the key itself when it is the NIK (decided before any agency is asked, as for the
profile), otherwise each record's declared `subject`, so a portal acting for one citizen
never receives another's record and is answered as if there were none.
"""

import datetime as dt
import re
import time
from functools import lru_cache
from typing import Any

from app.adapters.base import ProductSource
from app.agencies.jurisdiction import plate_regions
from app.bus.calls import CallResult, Deadline
from app.bus.registry import NotServed
from app.problems import ProblemError, ProblemKind
from app.products.catalog import DataProduct
from app.products.declaration import Cardinality, KeyKind, ProductKey
from app.products.mapping import Expression, compile_expression
from app.schemas.business import NIB_SCHEMA
from app.schemas.identifiers import check_nik, normalise_plate
from app.schemas.problem import FieldError
from app.schemas.responses import ProductRecords
from app.schemas.sources import SourceStatus
from app.services.context import Caller, Services
from app.services.outcomes import combine_sources, most_telling, not_served
from app.services.reads import fail_read, record_read, refuse_other_citizen
from app.services.refusals import refused

_NIB = re.compile(str(NIB_SCHEMA["pattern"]))
_NO_RECORD = "no record of this product for this key"


def operation(product: DataProduct) -> str:
    """What the access log calls a read of this product, so the citizen sees which one."""
    return f"data_product.{product.name}"


def canonical_key(key: ProductKey, value: str) -> str:
    """The key as the product's agencies know it, or a 422 naming `key`: no agency is asked
    with a key that cannot be one."""
    try:
        return _canonical(key, value)
    except ValueError as exc:
        message = str(exc)
        raise ProblemError(
            ProblemKind.VALIDATION,
            f"key: {message}",
            errors=[FieldError(field="key", location="path", message=message)],
        ) from exc


def _canonical(key: ProductKey, value: str) -> str:
    if key.kind is KeyKind.NIK:
        return check_nik(value)
    if key.kind is KeyKind.PLATE_NUMBER:
        return str(normalise_plate(value))
    if key.kind is KeyKind.NIB:
        if _NIB.fullmatch(value) is None:
            raise ValueError(f"NIB must be 13 digits, got {value!r}")
        return value
    assert key.pattern is not None  # an own key always has one (ProductKey's validator)
    if not value.isascii() or re.fullmatch(key.pattern, value, re.ASCII) is None:
        raise ValueError(f"{key.name} must match {key.pattern}, got {value!r}")
    return value


@lru_cache(maxsize=256)
def _subject_expression(text: str) -> Expression:
    return compile_expression(text, "subject")


def subject_of(product: DataProduct, key: str, record: Any) -> str | None:
    """The NIK of the citizen a record is about: the key of a NIK-keyed product, otherwise
    what the declared `subject` gives (None when it gives no string)."""
    if product.keyed_by_nik:
        return key
    expression = product.declaration.subject
    if expression is None:
        return None
    subject = _subject_expression(expression).evaluate(record)
    return subject if isinstance(subject, str) else None


async def _ask(
    services: Services, caller: Caller, product: DataProduct, key: str
) -> list[CallResult[Any]]:
    name, bus = product.name, services.bus
    deadline = Deadline(services.request_deadline_ms)

    async def fetch(source: ProductSource) -> Any:
        return await source.fetch_product(name, key)

    if product.declaration.key.kind is KeyKind.PLATE_NUMBER:
        try:
            call: CallResult[Any] = await bus.call(
                product.capability,
                ProductSource,
                name,
                fetch,
                deadline,
                client=caller.client_id,
                regions=plate_regions(key),
            )
        except NotServed as exc:
            raise not_served(exc, f"plate {key}") from exc
        return [call]
    return await bus.call_each(
        product.capability, ProductSource, name, fetch, deadline, client=caller.client_id
    )


def _records(product: DataProduct, calls: list[CallResult[Any]]) -> list[Any]:
    """Every record the sources that answered gave, as one list (a `one` product's first)."""
    found = [c.value for c in calls if c.status is SourceStatus.OK and c.value is not None]
    if product.declaration.cardinality is Cardinality.ONE:
        return found[:1]
    return [record for records in found for record in records]


async def read_records(
    services: Services, caller: Caller, product: DataProduct, raw_key: str
) -> ProductRecords:
    started = time.perf_counter()
    name = operation(product)
    key = canonical_key(product.declaration.key, raw_key)
    plate = key if product.declaration.key.kind is KeyKind.PLATE_NUMBER else None
    if product.keyed_by_nik:
        refuse_other_citizen(
            caller,
            key,
            kind=ProblemKind.PRODUCT_RECORD_NOT_FOUND,
            detail=_NO_RECORD,
            operation=name,
            started=started,
        )
    calls = await _ask(services, caller, product, key)
    records = _records(product, calls)
    failed = [c for c in calls if c.status not in (SourceStatus.OK, SourceStatus.NOT_FOUND)]
    if not records:
        nik = key if product.keyed_by_nik else None
        if failed:
            raise await fail_read(
                services,
                caller,
                name,
                started,
                most_telling(failed),
                calls,
                ProblemKind.PRODUCT_RECORD_NOT_FOUND,
                subject_nik=nik,
                subject_plate=plate,
            )
        await record_read(
            services,
            caller,
            name,
            started,
            calls,
            404,
            "not_found",
            subject_nik=nik,
            subject_plate=plate,
        )
        raise ProblemError(
            ProblemKind.PRODUCT_RECORD_NOT_FOUND,
            _NO_RECORD,
            sources={
                code: report.model_dump(mode="json", exclude_none=True)
                for code, report in combine_sources(calls).items()
            },
        )
    subjects = [subject_of(product, key, record) for record in records]
    if caller.subject_nik is not None:
        mine = [r for r, s in zip(records, subjects, strict=True) if s == caller.subject_nik]
        if not mine:
            raise refused(
                caller,
                ProblemKind.PRODUCT_RECORD_NOT_FOUND,
                _NO_RECORD,
                subject_nik=next((s for s in subjects if s is not None), None),
                operation=name,
                subject_plate=plate,
                calls=calls,
                started=started,
            )
        records, subjects = mine, [caller.subject_nik] * len(mine)
    complete = not failed
    about: list[str | None] = [*sorted({s for s in subjects if s is not None})]
    for subject in about or [None]:
        await record_read(
            services,
            caller,
            name,
            started,
            calls,
            200,
            "complete" if complete else "partial",
            released=[product.name],
            subject_nik=subject,
            subject_plate=plate,
        )
    one = product.declaration.cardinality is Cardinality.ONE
    return ProductRecords(
        product=product.name,
        key=key,
        records=records[0] if one else records,
        sources=combine_sources(calls),
        complete=complete,
        retrieved_at=dt.datetime.now(dt.UTC),
    )
