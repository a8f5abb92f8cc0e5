"""Request ids, W3C trace context, metrics and logs: one request can be followed from the
client, through every agency call, into every log line, and counted.

The ids live in context variables set by the middleware, so the shared HTTP client can put
them on every agency call (an httpx request hook) without any adapter knowing about them.
"""

import functools
import logging
import random
import re
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any, TextIO

import httpx
from prometheus_client import Counter, Gauge, Histogram
from pythonjsonlogger.json import JsonFormatter

from app.log_redaction import redacted_traceback

REQUEST_ID_HEADER = "x-request-id"
TRACEPARENT_HEADER = "traceparent"
_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
trace_id: ContextVar[str | None] = ContextVar("trace_id", default=None)

HTTP_REQUESTS = Counter(
    "satupintu_http_requests_total", "Requests answered.", ["method", "route", "status"]
)
HTTP_DURATION = Histogram(
    "satupintu_http_request_duration_seconds", "Time to answer a request.", ["route"]
)
HTTP_IN_FLIGHT = Gauge("satupintu_http_requests_in_flight", "Requests being answered now.")
AGENCY_DURATION = Histogram(
    "satupintu_agency_call_duration_seconds",
    "Time spent on one agency call, whatever its outcome.",
    ["agency", "part"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
AGENCY_OUTCOMES = Counter(
    "satupintu_agency_calls_total", "Agency calls by outcome.", ["agency", "status"]
)
BREAKER_STATE = Gauge(
    "satupintu_agency_breaker_open",
    "Circuit breaker per agency: 0 closed, 1 half-open, 2 open.",
    ["agency"],
)
AGENCY_INSTANCES = Gauge(
    "satupintu_agency_instance_info",
    "Each agency instance on the bus (1), with its kind and jurisdiction, so the per-agency "
    "series can be grouped by kind or province.",
    ["agency", "kind", "jurisdiction", "enabled"],
)


def describe_instances(instances: Iterable[tuple[str, str, list[str], bool]]) -> None:
    """Replaces the instance series with the instances on the bus now (some joined, some
    left since the last scrape)."""
    AGENCY_INSTANCES.clear()
    for code, kind, jurisdiction, enabled in instances:
        AGENCY_INSTANCES.labels(
            code, kind, ",".join(jurisdiction) or "national", str(enabled).lower()
        ).set(1)


# Each request and agency call updates several labelled series; prometheus_client looks the
# labelled child up under a lock every time, fourteen times per profile read. The label values
# are few (agencies, parts, outcomes, routes), so the children are looked up once and kept.
http_requests = functools.cache(HTTP_REQUESTS.labels)
http_duration = functools.cache(HTTP_DURATION.labels)
agency_duration = functools.cache(AGENCY_DURATION.labels)
agency_outcomes = functools.cache(AGENCY_OUTCOMES.labels)
breaker_state = functools.cache(BREAKER_STATE.labels)


def new_span_id() -> str:
    """Request, trace and span ids identify, they do not protect: the fast non-cryptographic
    generator will do (an `os.urandom` call per id showed in the profile)."""
    return f"{random.getrandbits(64) or 1:016x}"


def new_trace_id() -> str:
    return f"{random.getrandbits(128) or 1:032x}"


def incoming_trace(header: str | None) -> str:
    """The caller's trace id when it sent a valid `traceparent`, otherwise a new trace."""
    if header:
        match = _TRACEPARENT.fullmatch(header.strip().lower())
        if match and match.group(1) != "0" * 32:
            return match.group(1)
    return new_trace_id()


def traceparent(trace: str, span: str) -> str:
    return f"00-{trace}-{span}-01"


def outgoing_headers() -> dict[str, str]:
    """The headers that tie an agency call to the request it serves: the request id and a
    child span of the caller's trace."""
    headers = {}
    current_request = request_id.get()
    current_trace = trace_id.get()
    if current_request:
        headers[REQUEST_ID_HEADER] = current_request
    if current_trace:
        headers[TRACEPARENT_HEADER] = traceparent(current_trace, new_span_id())
    return headers


async def propagate(request: httpx.Request) -> None:
    """httpx request hook doing what `AiohttpAgencyClient` does itself."""
    request.headers.update(outgoing_headers())


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        record.trace_id = trace_id.get() or "-"
        return True


_NIK = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")


def mask_niks(text: str) -> str:
    """`3171074508900001` becomes `3171********0001`: enough to tell records apart, not
    enough to identify anyone. Any 16-digit run is masked, family card numbers included."""
    return _NIK.sub(r"\1********\2", text)


class _MaskingFormatter(logging.Formatter):
    """Masks the finished line, so NIKs in messages, arguments, URLs and tracebacks are all
    caught, whoever logged them."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self._inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return mask_niks(self._inner.format(record))


class _RedactingJsonFormatter(JsonFormatter):
    def formatException(self, ei: Any) -> str:
        return redacted_traceback(ei)


class _RedactingFormatter(logging.Formatter):
    def formatException(self, ei: Any) -> str:
        return redacted_traceback(ei)

    def format(self, record: logging.LogRecord) -> str:
        # Another handler may have cached its own, unredacted, rendering on the record.
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached


def log_handler(stream: TextIO | None, log_format: str) -> logging.Handler:
    """Tracebacks leave out what database drivers quote of SQL parameters (see
    `app.log_redaction`)."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(_RequestIdFilter())
    inner = (
        _RedactingJsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(trace_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
        if log_format == "json"
        else _RedactingFormatter(
            "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s"
        )
    )
    handler.setFormatter(_MaskingFormatter(inner))
    return handler


def configure_logging(level: str, log_format: str) -> None:
    """JSON lines in production (`json`), readable lines in development (`console`); every
    line carries the request id and trace id of the request it belongs to, and no NIK."""
    handler = log_handler(None, log_format)
    handler.name = "satupintu"
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if h.name != "satupintu"] + [handler]
    root.setLevel(level)
    # uvicorn's own handlers would print request lines, and their NIKs, unmasked.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # httpx logs every agency URL at INFO, and those URLs carry NIKs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
