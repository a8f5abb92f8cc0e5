"""A TCP proxy in front of a simulator that turns its reset marks into real connection resets.

An ASGI app cannot abort its own connection, and the in-process transport most tests use has
no socket to abort; this proxy does the socket part. Bytes pass through untouched, except a
reply the simulator marked ``X-Simulator-Fault`` (see ``simulators.faults``): ``reset`` aborts
the client's connection with an RST before any byte of the reply, ``reset-mid-reply`` sends
the head and half the body first. The switch stays where every other fault lives,
``PUT /_control/faults`` on the simulator (reached through the proxy or not), so the proxy
holds no fault state and can front any simulator.

Replies are framed by their Content-Length, which every simulator reply carries; HEAD
requests and chunked replies are not supported.
"""

import asyncio
import socket
import struct
from contextlib import suppress

from simulators.faults import RESET_HEADER, RESET_MID_REPLY, RESET_NOW

HOST = "127.0.0.1"
_CHUNK = 64 * 1024


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with SO_LINGER 0: the kernel sends an RST instead of a FIN, and the peer's next
    read fails with ECONNRESET, as when a firewall, load balancer or crashed host drops it."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _headers(head: bytes) -> dict[bytes, bytes]:
    lines = head.split(b"\r\n")[1:]
    pairs = (line.split(b":", 1) for line in lines if b":" in line)
    return {name.strip().lower(): value.strip() for name, value in pairs}


def _without_mark(head: bytes) -> bytes:
    lines = head.split(b"\r\n")
    return b"\r\n".join(line for line in lines if not line.lower().startswith(RESET_HEADER + b":"))


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while chunk := await reader.read(_CHUNK):
        writer.write(chunk)
        await writer.drain()
    writer.close()


class FaultProxy:
    """Listens on its own port and opens one upstream connection per client connection."""

    def __init__(self, upstream_port: int, upstream_host: str = HOST) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        #: Connections reset so far: how many agency calls the faults stopped.
        self.resets = 0

    async def start(self, host: str = HOST, port: int = 0) -> int:
        """Starts listening; returns the port (a free one when `port` is 0)."""
        self._server = await asyncio.start_server(self._serve, host, port)
        bound: int = self._server.sockets[0].getsockname()[1]
        return bound

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _serve(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            upstream, to_upstream = await asyncio.open_connection(*self._upstream)
        except OSError:  # the simulator is gone: to the client, like a host that drops it
            reset(to_client)
            self._connections.discard(task)
            return
        requests = asyncio.create_task(_pump(client, to_upstream))
        try:
            await self._relay_replies(upstream, to_client)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            requests.cancel()
            with suppress(asyncio.CancelledError, OSError):
                await requests
            to_upstream.close()
            to_client.close()
            self._connections.discard(task)

    async def _relay_replies(
        self, upstream: asyncio.StreamReader, to_client: asyncio.StreamWriter
    ) -> None:
        """One reply after another until either side closes or a mark ends the connection."""
        while True:
            head = await upstream.readuntil(b"\r\n\r\n")
            headers = _headers(head)
            body = await upstream.readexactly(int(headers.get(b"content-length", b"0")))
            mark = headers.get(RESET_HEADER)
            if mark == RESET_NOW:
                self._reset(to_client)
                return
            if mark == RESET_MID_REPLY:
                to_client.write(_without_mark(head) + body[: len(body) // 2])
                await to_client.drain()
                self._reset(to_client)
                return
            to_client.write(head + body)
            await to_client.drain()

    def _reset(self, writer: asyncio.StreamWriter) -> None:
        self.resets += 1
        reset(writer)
