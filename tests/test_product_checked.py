"""A completed request's product is checked against its published model when it is made, so
an agency answer that does not fit fails that request once, visibly, instead of making every
later read of it a 500."""

import datetime as dt
from typing import Any

import httpx

from app.bus.registry import AdapterRegistry
from app.db.models import RequestStepRecord, ServiceRequestRecord
from app.schemas.service_requests import RequestStatus, ServiceCode, StepState
from app.workflows.definitions import SERVICES
from app.workflows.engine import Engine

RENEWAL = SERVICES[ServiceCode.VEHICLE_TAX_RENEWAL]
RECEIPT = {
    "receipt_number": "SKPD-31-2026-000123",
    "plate_number": "B 9661 SX",
    "amount": 3_546_334,
    "paid_at": "2026-03-02T03:04:05+00:00",
    "next_due_date": "2027-03-02",
}


def _request(receipt: dict[str, Any]) -> ServiceRequestRecord:
    at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    request = ServiceRequestRecord(
        id="0b6f8a7e-1d2c-4e5f-8a9b-0c1d2e3f4a5b",
        service=RENEWAL.code.value,
        nik="3174101704820001",
        client_id="demo-portal",
        status=RequestStatus.IN_PROGRESS.value,
        data={"plate_number": "B 9661 SX"},
        sla_deadline=at.date(),
        submitted_at=at,
        updated_at=at,
        version=1,
    )
    request.steps = [
        RequestStepRecord(
            name="pay_tax", agency="bapenda_31", position=0, state=StepState.DONE.value
        )
    ]
    request.steps[0].result = receipt
    request.events = []
    return request


def _engine() -> Engine:
    registry = AdapterRegistry({}, (), httpx.AsyncClient())
    return Engine(sessions=None, registry=registry, worker_id="test")  # type: ignore[arg-type]


def test_a_product_that_fits_its_model_completes_the_request() -> None:
    request = _request(RECEIPT)
    _engine()._finish(request, RENEWAL)
    assert request.status == RequestStatus.COMPLETED.value
    assert request.product == {"receipt": RECEIPT | {"paid_at": "2026-03-02T03:04:05Z"}}


def test_a_product_that_does_not_fit_fails_the_request_and_keeps_the_answer() -> None:
    answer = {key: value for key, value in RECEIPT.items() if key != "amount"}
    request = _request(answer)
    _engine()._finish(request, RENEWAL)
    assert request.status == RequestStatus.FAILED.value
    assert request.product is None
    assert "valid product" in (request.rejection_reason or "")
    assert request.steps[0].result == answer
