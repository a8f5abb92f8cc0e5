"""The small HTTP interface every adapter talks through, its production client, and what its
failures mean.

Adapters see only `AgencyHttp`: `get`, `post` and `put` returning an `AgencyReply` (status,
reason, body bytes, `json()`). `httpx.AsyncClient` satisfies it as it is, so an adapter
written against httpx keeps working and tests can route agency calls to in-process
simulators through httpx's ASGI transport. Production uses `AiohttpAgencyClient`, straight
on aiohttp's pool: `make bench` measured the httpx request layer on top of aiohttp as a
third of the gateway's CPU per profile read, and the interface is small enough that the
transport can change under the adapters without them noticing.

Both clients connect only where the endpoint policy allows, checked at connect time
(`app.agencies.connect_guard`), whatever a host resolved to when its URL was stored.

Failures keep httpx's exception vocabulary whichever client is underneath (aiohttp's errors
are mapped by httpx-aiohttp's table), so the bus classifies them in one place. Either way one
adapter call is at most one attempt on the wire: retries are the bus's (budgeted, reads only)
and the workflow engine's (same idempotency reference), never the transport's.
"""

import errno
import logging
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp
import httpcore
import httpx
from httpx_aiohttp.transport import map_aiohttp_exceptions

from app import json_codec
from app.agencies.connect_guard import PolicyConnector, PolicyNetworkBackend, PolicyResolver
from app.agencies.endpoint_policy import AddressRefused, EndpointPolicy
from app.config import Settings
from app.observability import outgoing_headers, propagate

log = logging.getLogger(__name__)

Params = Mapping[str, str | int]
Headers = Mapping[str, str]


class AgencyReply(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def reason_phrase(self) -> str: ...

    @property
    def content(self) -> bytes: ...

    def json(self) -> Any: ...


class AgencyHttp(Protocol):
    """What an adapter may ask of the gateway's HTTP pool. Whoever calls an adapter bounds the
    call with `asyncio.timeout` (the bus with each agency's deadline, the workflow engine,
    the courier and the webhook sender with theirs); the production pool itself bounds only
    connecting, because a second timer per call measured 5-8 % of a profile read's CPU."""

    async def get(
        self, url: str, *, params: Params | None = None, headers: Headers | None = None
    ) -> AgencyReply: ...

    async def post(
        self,
        url: str,
        *,
        params: Params | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Headers | None = None,
    ) -> AgencyReply: ...

    async def put(
        self,
        url: str,
        *,
        params: Params | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Headers | None = None,
    ) -> AgencyReply: ...

    async def aclose(self) -> None: ...


class Reply:
    """A whole agency reply, read before the connection went back to the pool."""

    __slots__ = ("content", "reason_phrase", "status_code")

    def __init__(self, status_code: int, reason_phrase: str, content: bytes) -> None:
        self.status_code = status_code
        self.reason_phrase = reason_phrase
        self.content = content

    def json(self) -> Any:
        return json_codec.decode(self.content)


class AiohttpAgencyClient:
    """`AgencyHttp` on one aiohttp session. Every call carries the request id and a child
    span of the caller's trace; no cookie is kept (one jar shared by every citizen's calls
    would carry one citizen's session into another's); redirects are not followed; it
    connects only to addresses `policy` allows."""

    def __init__(
        self,
        max_connections: int,
        keepalive_s: float,
        connect_timeout_s: float,
        policy: EndpointPolicy,
    ) -> None:
        self._policy = policy
        self._max_connections = max_connections
        self._keepalive_s = keepalive_s
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout_s)
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        """Made on first use, inside the running loop that will use it."""
        session = aiohttp.ClientSession(
            connector=PolicyConnector(
                self._policy,
                limit=self._max_connections,
                keepalive_timeout=self._keepalive_s,
                resolver=PolicyResolver(self._policy),
            ),
            timeout=self._timeout,
            cookie_jar=aiohttp.DummyCookieJar(),
            json_serialize=json_codec.encode_text,
        )
        # aiohttp silently sends a GET, PUT or DELETE again when the connection breaks (RFC
        # 9112 allows it): against an agency that resets connections that doubles every call,
        # outside the retry budget, and resends PUT writes behind the engine's back. Its own
        # test client turns this off the same way; there is no public switch.
        session._retry_connection = False
        self._session = session
        return session

    async def _send(
        self,
        method: str,
        url: str,
        params: Params | None,
        json: Any,
        data: Mapping[str, str] | bytes | None,
        headers: Headers | None,
    ) -> Reply:
        session = self._session or self._open()
        sent_headers = outgoing_headers()
        if headers:
            sent_headers.update(headers)
        with map_aiohttp_exceptions():
            try:
                async with session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    headers=sent_headers,
                    allow_redirects=False,
                ) as response:
                    body = await response.read()
            except TimeoutError as exc:
                raise httpx.ReadTimeout(f"no reply from {method} {url} in time") from exc
        return Reply(response.status, response.reason or "", body)

    async def get(
        self, url: str, *, params: Params | None = None, headers: Headers | None = None
    ) -> Reply:
        return await self._send("GET", url, params, None, None, headers)

    async def post(
        self,
        url: str,
        *,
        params: Params | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Headers | None = None,
    ) -> Reply:
        return await self._send("POST", url, params, json, data or content, headers)

    async def put(
        self,
        url: str,
        *,
        params: Params | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Headers | None = None,
    ) -> Reply:
        return await self._send("PUT", url, params, json, data or content, headers)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class PolicyTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport on a connection pool whose network backend applies the policy.
    httpx takes no network backend, so the pool it built is replaced by an equal one that
    has it (httpx is pinned; `tests/test_connect_policy.py` fails if this stops working)."""

    def __init__(self, policy: EndpointPolicy, limits: httpx.Limits) -> None:
        super().__init__(limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PolicyNetworkBackend(policy),
        )


def pool_policy(settings: Settings) -> EndpointPolicy:
    """What the pool may connect to: global addresses, both allow-lists, and the exact hosts
    of the endpoints the operator configured (`make run`'s simulators on 127.0.0.1 among
    them; trusted by name, so a name that resolves to 127.0.0.1 is still refused). An
    endpoint set through the API was checked against its own allow-list when it was stored;
    the pool trusts the union, since every entry in it is the operator's."""
    hosts = [urlsplit(a.base_url).hostname or "" for a in settings.agencies.values()]
    return EndpointPolicy.allowing(
        [*settings.agency_url_allowlist, *settings.webhook_url_allowlist],
        env_name="SATUPINTU_AGENCY_URL_ALLOWLIST or SATUPINTU_WEBHOOK_URL_ALLOWLIST",
    ).trusting_hosts(filter(None, hosts))


def build_http_client(settings: Settings) -> AgencyHttp:
    slowest_s = max((a.timeout_ms for a in settings.agencies.values()), default=2000) / 1000 + 1
    policy = pool_policy(settings)
    if settings.http_transport == "aiohttp":
        return AiohttpAgencyClient(settings.http_max_connections, 15.0, slowest_s, policy)
    limits = httpx.Limits(
        max_connections=settings.http_max_connections,
        max_keepalive_connections=settings.http_max_keepalive,
    )
    return with_propagation(
        httpx.AsyncClient(
            timeout=httpx.Timeout(slowest_s), transport=PolicyTransport(policy, limits)
        )
    )


def with_propagation(http: AgencyHttp) -> AgencyHttp:
    """An httpx client (the plain-httpx option, or a test's in-process one) propagates the
    request id and trace through a request hook; `AiohttpAgencyClient` does it itself."""
    if isinstance(http, httpx.AsyncClient) and propagate not in http.event_hooks["request"]:
        http.event_hooks["request"].append(propagate)
    return http


def is_timeout(error: httpx.TransportError) -> bool:
    """A refused or reset connection is an unavailable agency, not a slow one, even where a
    transport reports it as a connect timeout (the aiohttp mapping does)."""
    cause = error.__cause__
    return isinstance(error, httpx.TimeoutException) and (
        cause is None or isinstance(cause, TimeoutError)
    )


def refused_address(error: BaseException) -> AddressRefused | None:
    """The endpoint policy's refusal behind a connection failure, whichever client raised
    it (each wraps the resolver's or backend's error its own way)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, AddressRefused):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def is_reset(error: BaseException) -> bool:
    """Whether the connection was reset (an RST from the agency or a middlebox). Each
    transport wraps ECONNRESET its own way (httpx: a ReadError over anyio's; aiohttp: a
    ClientOSError mapped to ConnectTimeout), so look down the chain of causes."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.ECONNRESET:
            return True
        seen = seen.__cause__ or seen.__context__
    return False
