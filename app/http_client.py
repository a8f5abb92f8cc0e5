"""The one pooled HTTP client every adapter uses, and what its failures mean.

Adapters speak only the httpx API; the transport underneath is chosen here by measurement
(`make bench`): httpx's own pool, or aiohttp's, which is several times faster under load.
Either way one adapter call is at most one attempt on the wire: retries are the bus's
(budgeted, reads only) and the workflow engine's (same idempotency reference), never the
transport's.
"""

import errno

import httpx
from aiohttp import ClientSession
from httpx_aiohttp import HttpxAiohttpClient
from httpx_aiohttp.transport import AiohttpTransport

from app.config import Settings


class _SingleAttemptTransport(AiohttpTransport):
    """aiohttp silently sends a GET, PUT or DELETE again when the connection breaks (RFC 9112
    allows it): against an agency that resets connections that doubles every call, outside
    the retry budget, and resends PUT writes behind the engine's back. Its own test client
    turns this off the same way; there is no public switch."""

    def get_client(self) -> ClientSession:
        session = super().get_client()
        session._retry_connection = False
        return session


def build_http_client(settings: Settings) -> httpx.AsyncClient:
    slowest_ms = max((a.timeout_ms for a in settings.agencies.values()), default=2000)
    timeout = httpx.Timeout(slowest_ms / 1000 + 1)
    limits = httpx.Limits(
        max_connections=settings.http_max_connections,
        max_keepalive_connections=settings.http_max_keepalive,
    )
    if settings.http_transport == "aiohttp":
        return HttpxAiohttpClient(timeout=timeout, transport=_SingleAttemptTransport(limits=limits))
    return httpx.AsyncClient(timeout=timeout, limits=limits)


def is_timeout(error: httpx.TransportError) -> bool:
    """A refused or reset connection is an unavailable agency, not a slow one, even where a
    transport reports it as a connect timeout (the aiohttp transport does)."""
    cause = error.__cause__
    return isinstance(error, httpx.TimeoutException) and (
        cause is None or isinstance(cause, TimeoutError)
    )


def is_reset(error: BaseException) -> bool:
    """Whether the connection was reset (an RST from the agency or a middlebox). Each
    transport wraps ECONNRESET its own way (httpx: a ReadError over anyio's; aiohttp: a
    ClientOSError it maps to ConnectTimeout), so look down the chain of causes."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.ECONNRESET:
            return True
        seen = seen.__cause__ or seen.__context__
    return False
