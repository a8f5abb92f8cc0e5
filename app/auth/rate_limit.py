"""Per-client request limits and limits on guessing client secrets, shared by every gateway
process when Redis is configured.

A sliding-window counter: smoother than fixed windows at the edges, and a constant two keys
per client in Redis instead of one entry per request. If Redis fails, requests are let
through and the failure is logged: a broken limiter must not take the citizen's door down."""

import ipaddress
import logging
import math
import time

from cachetools import TTLCache
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from prometheus_client import Counter

log = logging.getLogger(__name__)

AUTHENTICATION_FAILURES = Counter(
    "satupintu_client_authentication_failures_total",
    "Client authentications that failed (unknown client, wrong secret, disabled client).",
    ["via"],
)
GUESSES_REFUSED = Counter(
    "satupintu_client_guesses_refused_total",
    "Failed client authentications answered 429: over the limit per client id and address "
    "(`client`) or per address across client ids (`address`).",
    ["via", "limit"],
)


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


def address_bucket(address: str) -> str:
    """Whom a failure is counted against: the IPv4 address, or the /64 of an IPv6 one, since
    a single host is usually given a whole /64 and could otherwise cycle through it."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


class GuessLimiter:
    """Counts failed client authentications, per (client id, address) and per address over
    every client id, so neither guessing one client's secret nor cycling client ids goes
    unchecked; past either limit, a failure is answered 429 with `Retry-After`.

    Only failures are counted and only failures are refused: a correct secret is always
    checked, and accepted, whatever the address did before. Secrets are 256-bit random
    (`app.auth.credentials`), so no rate an attacker can reach makes guessing one feasible, and
    refusing to check would protect nothing. It would instead let any stranger who shares the
    owner's address (a ministry's NAT, a mall's Wi-Fi, the reverse proxy) lock the owner out,
    which turns the defence into a denial of service. What the limit does is make guessing
    visible (a warning per address and window, and the metrics above) and tell a client that
    keeps failing, hostile or misconfigured, to back off; checking a secret costs one
    primary-key read and a SHA-256, about what refusing it would."""

    def __init__(self, per_client: str, per_address: str, redis_url: str | None) -> None:
        self.per_client: RateLimitItem = parse(per_client)
        self.per_address: RateLimitItem = parse(per_address)
        self._limiter = SlidingWindowCounterRateLimiter(_storage(redis_url))
        window = max(self.per_client.get_expiry(), self.per_address.get_expiry())
        self._reported: TTLCache[str, bool] = TTLCache(maxsize=4096, ttl=window)

    async def failed(self, via: str, client_id: str, address: str) -> int | None:
        """Counts one failed authentication; the seconds to wait if it is over a limit, else
        None. The address is counted first and, once it is over, nothing more is stored for
        it, so cycling client ids cannot grow the counters without bound."""
        AUTHENTICATION_FAILURES.labels(via).inc()
        bucket = address_bucket(address)
        for limit, item, key in (
            ("address", self.per_address, ("guess-address", bucket)),
            ("client", self.per_client, ("guess-client", client_id[:128], bucket)),
        ):
            retry_after = await self._over(item, key)
            if retry_after is not None:
                self._refused(via, limit, bucket, client_id)
                return retry_after
        return None

    async def _over(self, item: RateLimitItem, key: tuple[str, ...]) -> int | None:
        try:
            if await self._limiter.hit(item, *key):
                return None
            stats = await self._limiter.get_window_stats(item, *key)
        except StorageError:
            log.warning("rate-limit store unavailable; failure not counted", exc_info=True)
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))

    def _refused(self, via: str, limit: str, bucket: str, client_id: str) -> None:
        GUESSES_REFUSED.labels(via, limit).inc()
        if bucket in self._reported:
            return
        self._reported[bucket] = True
        item = self.per_address if limit == "address" else self.per_client
        log.warning(
            "client secret guessing refused: %s over %s failed authentications via %s "
            "(last client id %r); further failures get 429 until the window passes",
            bucket,
            item,
            via,
            client_id[:64],
        )
