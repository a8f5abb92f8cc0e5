"""A record the schema validator cannot take at all (nested past its recursion limit, or from
an adapter's code a value JSON has no form for) is that source's bad reply, said as such,
not an adapter crash logged with a traceback on every read of that citizen."""

from typing import Any

import pytest

from app.bus.calls import call_agency
from app.products.declaration import Cardinality
from app.products.records import RecordCheck
from app.schemas.sources import SourceStatus

SCHEMA = {"type": "object", "properties": {"notes": {"type": "string"}}}


def _nested(depth: int) -> Any:
    value: Any = "deepest"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "record",
    [{"notes": _nested(400)}, {1: "a key JSON cannot have"}],
    ids=["nested 400 deep", "integer key"],
)
async def test_a_record_the_validator_cannot_take_is_a_bad_reply(record):
    check = RecordCheck(SCHEMA)

    async def fetch() -> Any:
        return check.check(record, Cardinality.ONE)

    result = await call_agency("bpjs_kesehatan", "health_insurance", fetch, 1.0)

    assert result.status is SourceStatus.ERROR
    assert result.detail is not None
    assert result.detail.startswith("the record cannot be checked against the schema")
