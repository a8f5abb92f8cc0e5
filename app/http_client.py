"""The one pooled HTTP client every adapter uses, and what its failures mean.

Adapters speak only the httpx API; the transport underneath is chosen here by measurement
(`make bench`): httpx's own pool, or aiohttp's, which is several times faster under load.
"""

import httpx
from httpx_aiohttp import HttpxAiohttpClient

from app.config import Settings


def build_http_client(settings: Settings) -> httpx.AsyncClient:
    slowest_ms = max((a.timeout_ms for a in settings.agencies.values()), default=2000)
    timeout = httpx.Timeout(slowest_ms / 1000 + 1)
    limits = httpx.Limits(
        max_connections=settings.http_max_connections,
        max_keepalive_connections=settings.http_max_keepalive,
    )
    if settings.http_transport == "aiohttp":
        return HttpxAiohttpClient(timeout=timeout, limits=limits)
    return httpx.AsyncClient(timeout=timeout, limits=limits)


def is_timeout(error: httpx.TransportError) -> bool:
    """A refused or reset connection is an unavailable agency, not a slow one, even where a
    transport reports it as a connect timeout (the aiohttp transport does)."""
    cause = error.__cause__
    return isinstance(error, httpx.TimeoutException) and (
        cause is None or isinstance(cause, TimeoutError)
    )
