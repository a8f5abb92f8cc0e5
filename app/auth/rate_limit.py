"""Per-client request limits and limits on guessing client secrets, shared by every gateway
process when Redis is configured.

A sliding-window counter: smoother than fixed windows at the edges, and a constant two keys
per client in Redis instead of one entry per request. If Redis fails, requests are let
through and the failure is logged: a broken limiter must not take the citizen's door down.

Every counted request learns its quota in the IETF RateLimit header fields
(draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy: "default";q=1200;w=60` and
`RateLimit: "default";r=<remaining>;t=<seconds>`, so a client can slow down before it is
refused rather than after."""

import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from cachetools import TTLCache
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from prometheus_client import Counter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


POLICY_NAME = "default"
RATE_LIMIT_HEADER = "RateLimit"
RATE_LIMIT_POLICY_HEADER = "RateLimit-Policy"
QUOTA_STATE = "rate_limit"
"""Where the guard leaves a request's `Quota` in the ASGI scope's state for the middleware."""


@dataclass(frozen=True)
class Quota:
    """One client's standing after a request was counted."""

    policy: str
    """The `RateLimit-Policy` field value: the limit (`q`) per window of `w` seconds."""
    allowed: bool
    remaining: int
    reset_s: int
    """Seconds until a request is free again (the sliding window releases them gradually)."""

    @property
    def retry_after(self) -> int:
        """`Retry-After` of a refusal: never 0, or a client would retry at once."""
        return max(1, self.reset_s)

    @property
    def field(self) -> str:
        """The `RateLimit` field value."""
        return f'"{POLICY_NAME}";r={self.remaining};t={self.reset_s}'


class RateLimiter:
    def __init__(self, limit: str, redis_url: str | None) -> None:
        self.item: RateLimitItem = parse(limit)
        self.policy = f'"{POLICY_NAME}";q={self.item.amount};w={self.item.get_expiry()}'
        self._limiter = SlidingWindowCounterRateLimiter(_storage(redis_url))

    async def hit(self, *key: str) -> Quota | None:
        """Counts one request and says where the client stands; None if the store failed
        (the request is let through, and no quota is claimed that nobody counted)."""
        try:
            allowed = await self._limiter.hit(self.item, *key)
            stats = await self._limiter.get_window_stats(self.item, *key)
        except StorageError:
            log.warning("rate-limit store unavailable; request let through", exc_info=True)
            return None
        return Quota(
            policy=self.policy,
            allowed=allowed,
            remaining=stats.remaining if allowed else 0,
            reset_s=max(0, math.ceil(stats.reset_time - time.time())),
        )


class RateLimitHeadersMiddleware:
    """Puts the quota the guard recorded on the response, whatever answers: the route, a
    problem raised after admission, or a 429. A request that was never counted (no
    credentials, a refused scope) carries no quota fields, since none was spent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_quota(message: Message) -> None:
            if message["type"] == "http.response.start":
                quota = scope.get("state", {}).get(QUOTA_STATE)
                if isinstance(quota, Quota):
                    headers = MutableHeaders(scope=message)
                    headers[RATE_LIMIT_POLICY_HEADER] = quota.policy
                    headers[RATE_LIMIT_HEADER] = quota.field
            await send(message)

        await self.app(scope, receive, send_with_quota)


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
