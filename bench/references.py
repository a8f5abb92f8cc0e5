"""Minimal hand-written fan-out proxies over the same simulators, the yardsticks for the
gateway: what the agency calls of a profile cost with nothing else around them. The same calls
as the gateway's: identity and family card from the civil registry, the vehicles list for the
NIK from every provincial tax office in its own dialect, and the businesses from OSS.

`BENCH_CLIENT` picks the HTTP client stack: `httpx` (plain AsyncClient), `httpx_aiohttp`
(the httpx API over an aiohttp transport) or `aiohttp` (raw). `BENCH_VEHICLE_TAX_OFFICES` is a
JSON list of `[dialect, base_url]`, dialect `xml` (the SAMSAT form/XML system, whose vehicles
list is JSON) or `json` (East Java's). Raw ASGI, no framework.
"""

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import aiohttp
import httpx
from httpx_aiohttp import HttpxAiohttpClient

CIVIL = os.environ.get("BENCH_CIVIL_REGISTRY", "http://127.0.0.1:8101")
#: (dialect, base URL) of every provincial tax office; the demo federation's by default.
VEHICLE_OFFICES: list[tuple[str, str]] = [
    (dialect, url)
    for dialect, url in json.loads(
        os.environ.get(
            "BENCH_VEHICLE_TAX_OFFICES",
            '[["xml", "http://127.0.0.1:8102"], ["xml", "http://127.0.0.1:8104"], '
            '["xml", "http://127.0.0.1:8105"], ["json", "http://127.0.0.1:8106"]]',
        )
    )
]
OSS = os.environ.get("BENCH_INVESTMENT_LICENSING", "http://127.0.0.1:8103")
ACCOUNT = {"USER_ID": "satupintu", "PASSWORD": "satupintu-demo", "IP_USER": "bench"}

Fetch = Callable[[str], Awaitable[list[Any]]]
Close = Callable[[], Awaitable[None]]


def _vehicle_requests(nik: str) -> list[tuple[str, str, dict[str, str]]]:
    """(method, url, query) of the vehicles-by-NIK call to every office, in its dialect."""
    return [
        ("GET", f"{url}/samsat/api/kendaraan", {"nik": nik})
        if dialect == "xml"
        else ("GET", f"{url}/api/v2/wajib-pajak/{quote(nik, safe='')}/kendaraan", {})
        for dialect, url in VEHICLE_OFFICES
    ]


def _with_httpx(client: httpx.AsyncClient) -> Fetch:
    async def fetch(nik: str) -> list[Any]:
        replies = await asyncio.gather(
            client.post(f"{CIVIL}/api/v1/CALL_NIK", json={"NIK": nik, **ACCOUNT}),
            client.post(f"{CIVIL}/api/v1/CALL_KK", json={"NIK": nik, **ACCOUNT}),
            *(
                client.request(method, url, params=query)
                for method, url, query in _vehicle_requests(nik)
            ),
            client.get(
                f"{OSS}/oss/v2/pelaku-usaha",
                params={"nik_pemilik": nik, "page": 1, "per_page": 50},
            ),
        )
        return [reply.json() for reply in replies]

    return fetch


def _with_aiohttp(session: aiohttp.ClientSession) -> Fetch:
    async def one(method: str, url: str, **kwargs: Any) -> Any:
        async with session.request(method, url, **kwargs) as reply:
            return await reply.json()

    async def fetch(nik: str) -> list[Any]:
        return list(
            await asyncio.gather(
                one("POST", f"{CIVIL}/api/v1/CALL_NIK", json={"NIK": nik, **ACCOUNT}),
                one("POST", f"{CIVIL}/api/v1/CALL_KK", json={"NIK": nik, **ACCOUNT}),
                *(one(method, url, params=query) for method, url, query in _vehicle_requests(nik)),
                one(
                    "GET",
                    f"{OSS}/oss/v2/pelaku-usaha",
                    params={"nik_pemilik": nik, "page": "1", "per_page": "50"},
                ),
            )
        )

    return fetch


def _client() -> tuple[Fetch, Close]:
    kind = os.environ.get("BENCH_CLIENT", "httpx")
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
    if kind in ("httpx", "httpx_aiohttp"):
        client_class = httpx.AsyncClient if kind == "httpx" else HttpxAiohttpClient
        client = client_class(limits=limits)
        return _with_httpx(client), client.aclose
    if kind == "aiohttp":
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))
        return _with_aiohttp(session), session.close
    raise ValueError(f"unknown BENCH_CLIENT {kind!r}")


_state: dict[str, Any] = {}


async def _lifespan(receive: Any, send: Any) -> None:
    while (message := await receive())["type"] != "lifespan.shutdown":
        if message["type"] == "lifespan.startup":
            _state["fetch"], _state["close"] = _client()
            await send({"type": "lifespan.startup.complete"})
    await _state["close"]()
    await send({"type": "lifespan.shutdown.complete"})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    fetch: Fetch = _state["fetch"]
    path: str = scope["path"]
    if path == "/healthz":
        body, status = b'{"status":"ok"}', 200
    else:
        body, status = json.dumps(await fetch(path.rsplit("/", 1)[-1])).encode(), 200
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
