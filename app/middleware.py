"""Pure ASGI middleware (no BaseHTTPMiddleware: it costs a large share of throughput)."""

import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import observability
from app.observability import REQUEST_ID_HEADER, TRACEPARENT_HEADER

_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class RequestContextMiddleware:
    """Give every request an id (the caller's, if it sent a sane one) and a W3C trace, echo
    both back, make them visible to logs and agency calls, and count the request.

    A frontend developer can quote the id, and find the request in the access log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        sent = headers.get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = sent if _ACCEPTABLE_ID.fullmatch(sent) else uuid.uuid4().hex
        trace = observability.incoming_trace(
            headers.get(TRACEPARENT_HEADER.encode(), b"").decode("latin-1") or None
        )
        span = observability.new_span_id()
        scope.setdefault("state", {})["request_id"] = request_id
        request_token = observability.request_id.set(request_id)
        trace_token = observability.trace_id.set(trace)
        status = 500

        async def send_with_context(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = MutableHeaders(scope=message)
                response_headers[REQUEST_ID_HEADER] = request_id
                response_headers[TRACEPARENT_HEADER] = observability.traceparent(trace, span)
            await send(message)

        started = time.perf_counter()
        observability.HTTP_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_context)
        finally:
            observability.HTTP_IN_FLIGHT.dec()
            route = getattr(scope.get("route"), "path", "unmatched")
            observability.HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
            observability.HTTP_DURATION.labels(route).observe(time.perf_counter() - started)
            observability.request_id.reset(request_token)
            observability.trace_id.reset(trace_token)
