"""A data product's records for one key, read like the built-in single reads.

The key is checked against the product's key kind before any agency is asked, and routed as
the built-ins route it: a plate to the office whose jurisdiction covers its region, any other
key to every source at once. Who may see the records is decided by the citizen they are
about: the key itself when it is the NIK (decided before any agency is asked, as for the
profile), otherwise each record's declared `subject`, so a portal acting for one citizen
never receives another's record and is answered as if there were none.

A record's subject is taken as part of its source's answer: a record whose `subject` fails on
it, is cut off, or gives no NIK cannot be checked against the caller nor logged against a
citizen, so that source's answer is a bad reply (`error`), like a record that does not fit the
schema (not retried, not counted against the agency), and the read is answered and logged
with the other sources' records, or as a 502.
"""

import datetime as dt
import re
import time
from functools import lru_cache
from typing import Any, NamedTuple

from app.adapters.base import AgencyContentError, AgencyReplyError, ProductSource
from app.agencies.jurisdiction import plate_regions
from app.bus.calls import CallResult, Deadline
from app.bus.registry import NotServed
from app.problems import ProblemError, ProblemKind
from app.products.catalog import DataProduct
from app.products.declaration import Cardinality, KeyKind, ProductKey, own_key_pattern
from app.products.mapping import Expression, compile_expression
from app.products.records import is_subject_nik
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
    if not value.isascii() or own_key_pattern(key.pattern).fullmatch(value) is None:
        raise ValueError(f"{key.name} must match {key.pattern}, got {value!r}")
    return value


@lru_cache(maxsize=256)
def _subject_expression(text: str) -> Expression:
    return compile_expression(text, "subject")


class _Found(NamedTuple):
    """One source's records, each beside the NIK of the citizen it is about."""

    records: list[Any]
    subjects: list[str]


def subject_of(product: DataProduct, record: Any, where: str) -> str:
    """The NIK the declared `subject` gives for a record; `AgencyContentError` when it fails
    on the record, is cut off, or gives anything but a NIK: what this key's record holds, so
    the agency is neither asked again nor counted as failing."""
    expression = product.declaration.subject
    assert expression is not None  # needed unless keyed by NIK (ProductDeclaration)
    try:
        subject = _subject_expression(expression).evaluate(record)
    except AgencyReplyError as exc:
        # A mapping's failure names the field and the kind of failure, never the record.
        raise AgencyContentError(f"{where}: {exc}") from exc
    if not is_subject_nik(subject):
        raise AgencyContentError(
            f"{where}: `subject` gives no 16-digit NIK, so the record cannot be checked "
            "against the caller"
        )
    return str(subject)


def _about(product: DataProduct, key: str, value: Any) -> _Found:
    """A source's answer with the subject of each record; `AgencyReplyError` for the whole
    answer if any record's subject cannot be told."""
    if product.declaration.cardinality is Cardinality.ONE:
        records = [] if value is None else [value]
    elif isinstance(value, list):
        records = value
    else:
        raise AgencyReplyError(f"a `many` product needs a list, got {type(value).__name__}")
    if product.keyed_by_nik:
        return _Found(records, [key] * len(records))
    return _Found(
        records,
        [subject_of(product, record, f"record {i}") for i, record in enumerate(records)],
    )


async def _ask(
    services: Services, caller: Caller, product: DataProduct, key: str
) -> list[CallResult[_Found]]:
    name, bus = product.name, services.bus
    deadline = Deadline(services.request_deadline_ms)

    async def fetch(source: ProductSource) -> _Found:
        return _about(product, key, await source.fetch_product(name, key))

    if product.declaration.key.kind is KeyKind.PLATE_NUMBER:
        try:
            call: CallResult[_Found] = await bus.call(
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


def _records(product: DataProduct, calls: list[CallResult[_Found]]) -> tuple[list[Any], list[str]]:
    """Every record the sources that answered gave, as one list (a `one` product's first),
    and the subject of each."""
    found = [c.value for c in calls if c.status is SourceStatus.OK and c.value is not None]
    records = [record for each in found for record in each.records]
    subjects = [subject for each in found for subject in each.subjects]
    if product.declaration.cardinality is Cardinality.ONE:
        return records[:1], subjects[:1]
    return records, subjects


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
    records, subjects = _records(product, calls)
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
    if caller.subject_nik is not None:
        mine = [r for r, s in zip(records, subjects, strict=True) if s == caller.subject_nik]
        if not mine:
            raise refused(
                caller,
                ProblemKind.PRODUCT_RECORD_NOT_FOUND,
                _NO_RECORD,
                subject_nik=subjects[0],
                operation=name,
                subject_plate=plate,
                calls=calls,
                started=started,
            )
        records, subjects = mine, [caller.subject_nik] * len(mine)
    complete = not failed
    for subject in sorted(set(subjects)):
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
