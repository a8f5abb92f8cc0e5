"""A request can be followed: ids and trace context reach every agency call, logs and metrics."""

import json
import logging

from app import observability
from app.observability import configure_logging


async def test_request_id_and_trace_reach_every_agency_call(gateway, agencies, personas):
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = await gateway.get(
        f"/v1/citizens/{personas['family'].nik}",
        headers={"X-Request-ID": "portal-77", "traceparent": f"00-{trace}-00f067aa0ba902b7-01"},
    )

    assert response.headers["x-request-id"] == "portal-77"
    assert response.headers["traceparent"].startswith(f"00-{trace}-")
    assert len(agencies.requests) == 4
    spans = set()
    for sent in agencies.requests:
        assert sent.headers["x-request-id"] == "portal-77"
        version, trace_id, span, flags = sent.headers["traceparent"].split("-")
        assert (version, trace_id, flags) == ("00", trace, "01")
        spans.add(span)
    assert len(spans) == 4, "each agency call is its own span"


async def test_a_missing_or_broken_traceparent_starts_a_new_trace(gateway):
    response = await gateway.get("/healthz", headers={"traceparent": "garbage"})

    version, trace_id, span, _ = response.headers["traceparent"].split("-")
    assert version == "00"
    assert (len(trace_id), len(span)) == (32, 16)


async def test_metrics_count_requests_and_agency_calls(gateway, personas):
    await gateway.get(f"/v1/citizens/{personas['family'].nik}")
    metrics = (await gateway.get("/metrics")).text

    assert (
        'satupintu_http_requests_total{method="GET",route="/v1/citizens/{nik}",status="200"}'
        in metrics
    )
    assert 'satupintu_agency_call_duration_seconds_bucket{agency="vehicle_tax"' in metrics
    assert 'satupintu_agency_calls_total{agency="civil_registry",status="ok"}' in metrics
    assert 'satupintu_agency_breaker_open{agency="investment_licensing"} 0.0' in metrics
    assert (
        'satupintu_agency_instance_info{agency="vehicle_tax",enabled="true",'
        'jurisdiction="national",kind="vehicle_tax"} 1.0'
    ) in metrics
    assert "satupintu_http_requests_in_flight" in metrics


def test_json_logs_carry_the_request_id(capsys):
    configure_logging("INFO", "json")
    logger = logging.getLogger("app.test")
    token = observability.request_id.set("log-check-1")
    try:
        logger.info("answered")
    finally:
        observability.request_id.reset(token)
    lines = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]

    record = next(line for line in lines if line["message"] == "answered")
    assert record["request_id"] == "log-check-1"
    assert record["level"] == "INFO"
    configure_logging("INFO", "console")


def test_niks_and_family_card_numbers_are_masked_but_nibs_are_not():
    from app.observability import mask_niks

    line = "GET /v1/citizens/3171074508900001 kk=3171070101090001 nib=9122269902898 id=12345"

    assert mask_niks(line) == (
        "GET /v1/citizens/3171********0001 kk=3171********0001 nib=9122269902898 id=12345"
    )
