"""Per-client request limits, shared by every gateway process when Redis is configured.

A sliding-window counter: smoother than fixed windows at the edges, and a constant two keys
per client in Redis instead of one entry per request. If Redis fails, requests are let
through and the failure is logged: a broken limiter must not take the citizen's door down."""

import logging
import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError

log = logging.getLogger(__name__)


def _storage(redis_url: str | None) -> Storage:
    if not redis_url:
        return MemoryStorage()
    uri = redis_url if redis_url.startswith("async+") else f"async+{redis_url}"
    return RedisStorage(uri, wrap_exceptions=True, implementation="redispy", key_prefix="satupintu")


class RateLimiter:
    def __init__(self, limit: str, redis_url: str | None) -> None:
        self.item: RateLimitItem = parse(limit)
        self._limiter = SlidingWindowCounterRateLimiter(_storage(redis_url))

    async def retry_after(self, *key: str) -> int | None:
        """Counts one request; the seconds to wait if it is over the limit, else None."""
        try:
            if await self._limiter.hit(self.item, *key):
                return None
            stats = await self._limiter.get_window_stats(self.item, *key)
        except StorageError:
            log.warning("rate-limit store unavailable; request let through", exc_info=True)
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))
