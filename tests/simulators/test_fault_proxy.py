"""The fault proxy on real sockets: what a client sees on the wire, byte by byte.

A raw socket, not an HTTP client, so that a reset (ECONNRESET) is told apart from an
orderly close (FIN, an empty read) and the bytes that did arrive can be counted.
"""

import asyncio
import json
import re
import socket

import httpx
import pytest

from tests.socket_agencies import SocketAgencies

pytestmark = pytest.mark.usefixtures("clean_faults")
AGENCY = "vehicle_tax"


@pytest.fixture
async def clean_faults(socket_agencies: SocketAgencies) -> None:
    await socket_agencies.clear_faults(AGENCY)


def _request(method: str, path: str, body: bytes = b"", close: bool = False) -> bytes:
    head = [
        f"{method} {path} HTTP/1.1",
        "Host: vehicle-tax",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(["Connection: close"] if close else []),
    ]
    return "\r\n".join(head).encode() + b"\r\n\r\n" + body


async def _exchange(url: str, request: bytes) -> tuple[bytes, str]:
    """Sends `request`, reads until the connection ends: (what arrived, "reset" or "closed")."""
    address = httpx.URL(url)
    loop = asyncio.get_running_loop()
    with socket.socket() as sock:
        sock.setblocking(False)
        await loop.sock_connect(sock, (address.host, address.port))
        await loop.sock_sendall(sock, request)
        received = b""
        try:
            while chunk := await loop.sock_recv(sock, 65536):
                received += chunk
        except ConnectionResetError:
            return received, "reset"
        return received, "closed"


def _write(ref: str) -> bytes:
    body = {"nik": "3171074508900001", "alamat": "JL. BARU 1", "kodeKelurahan": "3174101004"}
    return _request("POST", "/samsat/api/alamat-pemilik", json.dumps({**body, "ref": ref}).encode())


async def test_replies_pass_through_on_a_kept_alive_connection(socket_agencies):
    url = socket_agencies.urls[AGENCY]
    both = _request("GET", "/samsat/status") + _request("GET", "/samsat/status", close=True)

    received, ending = await _exchange(url, both)

    assert ending == "closed"
    assert received.count(b"HTTP/1.1 200 OK") == 2
    assert received.count(b'"status":"ONLINE"') == 2


async def test_connection_reset_is_an_rst_before_any_byte_of_the_reply(socket_agencies):
    url = socket_agencies.urls[AGENCY]
    await socket_agencies.set_faults(AGENCY, connection_reset=True)
    resets = socket_agencies.proxies[AGENCY].resets

    received, ending = await _exchange(url, _write("proxy-reset"))

    assert (received, ending) == (b"", "reset")
    assert socket_agencies.proxies[AGENCY].resets == resets + 1
    assert not [e for e in await socket_agencies.journal(AGENCY) if e["ref"] == "proxy-reset"]


async def test_reset_after_write_cuts_the_reply_of_a_write_that_happened(socket_agencies):
    url = socket_agencies.urls[AGENCY]
    await socket_agencies.set_faults(AGENCY, reset_after_write=True)

    received, ending = await _exchange(url, _write("proxy-cut"))

    assert ending == "reset"
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"x-simulator-fault" not in head.lower()
    length = re.search(rb"content-length: *(\d+)", head, re.IGNORECASE)
    assert length is not None
    assert 0 < len(body) < int(length[1])
    log = [e for e in await socket_agencies.journal(AGENCY) if e["ref"] == "proxy-cut"]
    assert [e["replayed"] for e in log] == [False]
