"""The simulators on real ports behind the fault proxy, for the faults only a socket can show.

uvicorn serves each simulator and a `FaultProxy` fronts it, all on one event loop in a
background thread: the agencies' loop is as separate from the test's (the gateway and its
real HTTP client) as another process would be, yet the whole set starts in a fraction of a
second and its simulators can be shared by the tests of a module.
"""

import asyncio
import socket
import threading
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from app.config import Settings
from simulators.fault_proxy import HOST, FaultProxy

START_TIMEOUT_S = 10.0


class SocketAgencies:
    """Start with `with`; `urls` are the proxies' addresses, which the gateway calls."""

    def __init__(self, factories: Mapping[str, Callable[[], FastAPI]]) -> None:
        self._apps = {code: factory() for code, factory in factories.items()}
        self.proxies: dict[str, FaultProxy] = {}
        self.urls: dict[str, str] = {}
        self._started = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="socket-agencies", daemon=True)

    def __enter__(self) -> "SocketAgencies":
        self._thread.start()
        if not self._started.wait(START_TIMEOUT_S) or self._failure is not None:
            raise RuntimeError("the simulators did not start") from self._failure
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(START_TIMEOUT_S)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:
            self._failure = exc
            self._started.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        servers: dict[uvicorn.Server, asyncio.Task[None]] = {}
        for code, app in self._apps.items():
            listener = socket.socket()
            listener.bind((HOST, 0))
            server = uvicorn.Server(
                uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
            )
            servers[server] = asyncio.create_task(server.serve(sockets=[listener]))
            self.proxies[code] = FaultProxy(listener.getsockname()[1])
            self.urls[code] = f"http://{HOST}:{await self.proxies[code].start()}"
        while not all(server.started for server in servers):
            for serving in servers.values():
                if serving.done():
                    serving.result()
                    raise RuntimeError("a simulator stopped while starting")
            await asyncio.sleep(0.01)
        self._started.set()
        await self._stopping.wait()
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*servers.values())
        for proxy in self.proxies.values():
            await proxy.close()

    def route(self, settings: Settings) -> Settings:
        """The same gateway settings, with every agency endpoint on its proxy."""
        agencies = {
            code: endpoint.model_copy(update={"base_url": self.urls[code]})
            for code, endpoint in settings.agencies.items()
        }
        return settings.model_copy(update={"agencies": agencies})

    async def _control(self, method: str, code: str, path: str, **json: Any) -> Any:
        async with httpx.AsyncClient(base_url=self.urls[code], timeout=5) as client:
            response = await client.request(method, f"/_control/{path}", json=json or None)
        response.raise_for_status()
        return response.json()

    async def set_faults(self, code: str, **faults: Any) -> None:
        await self._control("PUT", code, "faults", **faults)

    async def clear_faults(self, code: str) -> None:
        await self._control("DELETE", code, "faults")

    async def journal(self, code: str) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = await self._control("GET", code, "requests")
        return entries
