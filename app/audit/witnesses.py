"""Witnesses: places outside the database that keep a copy of every checkpoint.

A database administrator can delete the checkpoints table along with the chain; a copy on
another disk, or at another agency, survives that, and `satupintu audit verify --checkpoints`
reads it back. Two kinds: `file:///abs/path.jsonl` appends one JSON line per checkpoint and
fsyncs it; `http(s)://...` POSTs the JSON object to an endpoint that stores it.
"""

import asyncio
import os
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import httpx

from app.audit.checkpoints import Checkpoint

TIMEOUT_S = 5.0


class Witness(Protocol):
    name: str

    async def receive(self, checkpoint: Checkpoint) -> None:
        """Raises when the copy was not kept; the caller tries again later."""


def check_witness_url(url: str) -> str:
    """For the setting: refuse at start what could never be written to."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ValueError(f"{url!r}: a file witness is file:///absolute/path.jsonl")
        return url
    if parts.scheme in ("http", "https"):
        if not parts.hostname:
            raise ValueError(f"{url!r}: an HTTP witness needs a host")
        return url
    raise ValueError(f"{url!r}: a witness is a file:/// or an http(s):// URL")


class FileWitness:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"file://{path}"

    def _append(self, line: str) -> None:
        with self.path.open("a", encoding="utf-8") as stream:
            stream.write(line + "\n")
            stream.flush()
            os.fsync(stream.fileno())

    async def receive(self, checkpoint: Checkpoint) -> None:
        """In a thread: an fsync on a slow disk must not stall the event loop."""
        await asyncio.to_thread(self._append, checkpoint.line())


class HttpWitness:
    def __init__(self, url: str, http: httpx.AsyncClient) -> None:
        self.url = url
        self.name = url
        self._http = http

    async def receive(self, checkpoint: Checkpoint) -> None:
        answer = await self._http.post(self.url, json=checkpoint.to_json(), timeout=TIMEOUT_S)
        answer.raise_for_status()


def witnesses(urls: list[str], http: httpx.AsyncClient) -> list[Witness]:
    found: list[Witness] = []
    for url in urls:
        parts = urlsplit(check_witness_url(url))
        if parts.scheme == "file":
            found.append(FileWitness(Path(unquote(parts.path))))
        else:
            found.append(HttpWitness(url, http))
    return found
