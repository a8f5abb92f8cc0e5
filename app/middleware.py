"""Pure ASGI middleware (no BaseHTTPMiddleware: it costs a large share of throughput)."""

import logging
import re
import time

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import observability
from app.observability import REQUEST_ID_HEADER, TRACEPARENT_HEADER
from app.problems import unexpected_error_response

log = logging.getLogger(__name__)

_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("Cache-Control", "no-store"),
)
_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
"""The reference pages (`app.routers.docs`) run this origin's scripts and styles only, and
call this origin only (the spec, the token endpoint, "Try it out"). No inline script."""
REDOC_CSP = DOCS_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + (
    "; worker-src blob:"
)
"""ReDoc writes its styles into `<style>` elements at run time, and searches in a worker made
from a `blob:`; scripts stay this origin's only."""


def _csp(path: str) -> str:
    if path.startswith("/redoc"):
        return REDOC_CSP
    return DOCS_CSP if path.startswith("/docs") else _CSP


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
        request_id = sent if _ACCEPTABLE_ID.fullmatch(sent) else observability.new_trace_id()
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
                for name, value in _SECURITY_HEADERS:
                    response_headers.setdefault(name, value)
                response_headers.setdefault("Content-Security-Policy", _csp(scope["path"]))
            await send(message)

        started = time.perf_counter()
        observability.HTTP_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_context)
        finally:
            observability.HTTP_IN_FLIGHT.dec()
            route = getattr(scope.get("route"), "path", "unmatched")
            observability.http_requests(scope["method"], route, str(status)).inc()
            observability.http_duration(route).observe(time.perf_counter() - started)
            observability.request_id.reset(request_token)
            observability.trace_id.reset(trace_token)


class BodySizeLimitMiddleware:
    """Refuse bodies over `max_bytes`, declared or streamed chunked, before anything parses
    them, with a 413 problem.

    Starlette's own limiter answers a declared oversize length in plain text, outside the
    problem handlers; this one raises from `receive`, inside the route's body read, so the
    app's handlers turn it into the documented `payload-too-large` problem."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        received = int(declared) if declared.isdigit() else 0

        async def limited_receive() -> Message:
            nonlocal received
            if received > self.max_bytes:
                raise self._too_large()
            message = await receive()
            if message["type"] == "http.request" and not declared:
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()
            return message

        await self.app(scope, limited_receive, send)

    def _too_large(self) -> HTTPException:
        return HTTPException(413, f"request bodies are limited to {self.max_bytes} bytes")


class UnexpectedErrorMiddleware:
    """Answer an exception nothing else handled with the `internal-error` problem, from inside
    the request-id, CORS and security-header middlewares so the answer carries them all, and
    log it once, while the request id is still known.

    It does not re-raise: the server would log the same traceback again, without the id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception:
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if not started:
                response = unexpected_error_response(Request(scope))
                await response(scope, receive, send)
