"""A citizen cancels a request at the moment a worker is moving it along. Every worker step
bumps the row's version, several in quick succession, and each bump makes the citizen's write
lose its race (`StaleDataError`) and start over. The cancel must still land, not bounce back as
"try again" (CI once saw that on a fresh renewal); only a request that never settles is a
conflict. The lost races are injected, so the same interleaving happens on every run."""

from typing import Any

import pytest
from sqlalchemy.orm.exc import StaleDataError

from app.services import idempotency, service_requests
from app.workflows.engine import Engine
from tests.service_request_helpers import submit, wait_for


async def _awaiting_payment(gateway: Any, personas: Any) -> dict[str, Any]:
    from simulators.world import default_world

    persona = personas["several_vehicles_overdue"]
    world = default_world()
    plate = next(p for p in persona.plates if world.vehicles[p].pkb_due < world.reference_date)
    created = await submit(gateway, "vehicle-tax-renewal", persona.nik, plate_number=plate)
    return await wait_for(gateway, created["id"], {"awaiting_payment"})


@pytest.fixture
def races_lost(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The citizen's next writes lose this many races to the worker before one can win."""
    remaining = [0]
    once = idempotency.once

    async def losing_once(*args: Any, **kwargs: Any) -> Any:
        if remaining[0] > 0:
            remaining[0] -= 1
            raise StaleDataError("the worker changed the row first")
        return await once(*args, **kwargs)

    monkeypatch.setattr(idempotency, "once", losing_once)
    return remaining


async def test_a_cancel_lands_after_losing_a_run_of_races_to_the_worker(
    gateway, personas, races_lost
):
    request = await _awaiting_payment(gateway, personas)
    races_lost[0] = 12

    cancel = await gateway.post(f"/v1/service-requests/{request['id']}/cancel")

    assert cancel.status_code == 202, cancel.text
    assert races_lost[0] == 0
    assert (await wait_for(gateway, request["id"], {"cancelled"}))["status"] == "cancelled"


async def test_a_request_that_never_settles_is_a_conflict_to_retry(
    gateway, personas, races_lost, monkeypatch
):
    monkeypatch.setattr(service_requests, "CHANGE_PATIENCE_S", 0.2)
    request = await _awaiting_payment(gateway, personas)
    races_lost[0] = 10_000

    cancel = await gateway.post(f"/v1/service-requests/{request['id']}/cancel")

    assert cancel.status_code == 409, cancel.text
    assert cancel.headers["content-type"] == "application/problem+json"
    assert cancel.json()["type"].endswith("/conflict")
    races_lost[0] = 0
    again = await gateway.post(f"/v1/service-requests/{request['id']}/cancel")
    assert again.status_code == 202, again.text


async def test_a_worker_that_loses_a_run_of_races_still_moves_the_request_on(
    gateway, personas, monkeypatch
):
    """The worker's own writes lose too (to a citizen's cancel or payment). After twelve lost
    races in a row it must carry on, not leave the request until its 30 s lease expires."""
    remaining = [12]
    load = Engine._load

    async def losing_load(self: Engine, *args: Any, **kwargs: Any) -> Any:
        if remaining[0] > 0:
            remaining[0] -= 1
            raise StaleDataError("the citizen changed the row first")
        return await load(self, *args, **kwargs)

    monkeypatch.setattr(Engine, "_load", losing_load)

    request = await _awaiting_payment(gateway, personas)

    assert remaining[0] == 0
    assert all(step["attempts"] <= 1 for step in request["steps"]), request["steps"]
