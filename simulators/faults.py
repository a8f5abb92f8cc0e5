"""Fault injection shared by the three simulators: the test harness, not any agency's API.

A pure ASGI middleware (no BaseHTTPMiddleware: it would slow the throughput benchmark) wraps
every agency route; ``/_control/faults`` lets tests and demos switch latency, errors, outages
and broken bodies on and off at run time, so the gateway's resilience can be shown live.

An ASGI app cannot reset its TCP connection, so the two reset faults only mark the reply
(``X-Simulator-Fault``); ``simulators.fault_proxy``, in front of the simulator, sees the mark
and does the reset. Reached without the proxy, a marked reply is still visibly wrong.
"""

import asyncio
import json
import os
import random
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from xml.etree import ElementTree

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTROL_PREFIX = "/_control"
_TRUE = {"1", "true", "yes", "on"}
#: The reply header that tells the fault proxy to reset the connection, and how.
RESET_HEADER = b"x-simulator-fault"
RESET_NOW = b"reset"
RESET_MID_REPLY = b"reset-mid-reply"
#: Set in the request scope by the write journal: this request is a write.
WRITE_MARK = "simulators.write"


@dataclass
class FaultSettings:
    """The live knobs; one mutable instance per simulator process."""

    latency_ms: int = 0
    error_rate: float = 0.0
    down: bool = False
    malformed: bool = False
    wrong_schema: bool = False
    connection_reset: bool = False
    reset_after_write: bool = False
    #: Not a fault but a pace: how long OSS takes to verify a medium-high or high-risk licence.
    verification_seconds: float = 3.0
    #: Also a pace: how long each agency takes to answer a complaint forwarded to it.
    complaint_answer_seconds: float = 5.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "FaultSettings":
        def flag(name: str) -> bool:
            return environ.get(name, "").strip().lower() in _TRUE

        settings = cls(
            latency_ms=int(environ.get("SIM_LATENCY_MS", "0") or 0),
            error_rate=float(environ.get("SIM_ERROR_RATE", "0") or 0),
            down=flag("SIM_DOWN"),
            malformed=flag("SIM_MALFORMED"),
            wrong_schema=flag("SIM_WRONG_SCHEMA"),
            connection_reset=flag("SIM_CONNECTION_RESET"),
            reset_after_write=flag("SIM_RESET_AFTER_WRITE"),
            verification_seconds=float(environ.get("SIM_VERIFICATION_SECONDS", "3") or 3),
            complaint_answer_seconds=float(environ.get("SIM_COMPLAINT_ANSWER_SECONDS", "5") or 5),
        )
        FaultUpdate.model_validate(asdict(settings))
        return settings

    def apply(self, update: "FaultUpdate") -> None:
        for name, value in update.model_dump(exclude_none=True).items():
            setattr(self, name, value)

    def reset(self) -> None:
        for name, value in asdict(FaultSettings()).items():
            setattr(self, name, value)


class FaultUpdate(BaseModel):
    """Body of ``PUT /_control/faults``: every field optional, missing ones keep their value."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: int | None = Field(default=None, ge=0, le=120_000)
    error_rate: float | None = Field(default=None, ge=0.0, le=1.0)
    down: bool | None = None
    malformed: bool | None = None
    wrong_schema: bool | None = None
    connection_reset: bool | None = None
    reset_after_write: bool | None = None
    verification_seconds: float | None = Field(default=None, ge=0.0, le=86_400.0)
    complaint_answer_seconds: float | None = Field(default=None, ge=0.0, le=86_400.0)


@dataclass(frozen=True)
class FailureStyle:
    """How one agency looks when it breaks, and which fields its replies cannot do without."""

    error_body: bytes
    error_content_type: str
    maintenance_html: bytes
    key_fields: frozenset[str] = field(default_factory=frozenset)


def _strip_json(value: Any, keys: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: _strip_json(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [_strip_json(v, keys) for v in value]
    return value


def _strip_xml(body: bytes, keys: frozenset[str]) -> bytes:
    # Only our own freshly generated replies are parsed here, never client input.
    root = ElementTree.fromstring(body)
    for parent in root.iter():
        for child in [c for c in parent if c.tag in keys]:
            parent.remove(child)
    return bytes(ElementTree.tostring(root, encoding="utf-8", xml_declaration=True))


def strip_key_fields(body: bytes, content_type: str, keys: frozenset[str]) -> bytes:
    """The same reply, still well-formed, without the fields a client relies on."""
    if "json" in content_type:
        return json.dumps(_strip_json(json.loads(body), keys)).encode()
    if "xml" in content_type:
        return _strip_xml(body, keys)
    return body


_RESET_BODY = b"connection reset: only simulators.fault_proxy can turn this reply into a TCP RST\n"


async def _reply(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    extra: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _marking_writes(scope: Scope, send: Send) -> Send:
    """Marks the reply to a write once the agency has handled it (the journal flags the
    scope), so the proxy cuts a reply whose write did happen."""

    async def marked(message: Message) -> None:
        if message["type"] == "http.response.start" and scope.get(WRITE_MARK):
            message = {**message, "headers": [*message["headers"], (RESET_HEADER, RESET_MID_REPLY)]}
        await send(message)

    return marked


def _own_path(scope: Scope) -> str:
    """The path below the app's mount point: an office mounted at ``/prov/32`` (see
    ``simulators.vehicle_tax.federation``) keeps its control routes out of its faults too."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class FaultMiddleware:
    def __init__(self, app: ASGIApp, settings: FaultSettings, style: FailureStyle) -> None:
        self.app = app
        self.settings = settings
        self.style = style
        self.rng = random.Random()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _own_path(scope).startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        settings = self.settings
        if settings.latency_ms:
            await asyncio.sleep(settings.latency_ms / 1000)
        if settings.reset_after_write:
            send = _marking_writes(scope, send)
        if settings.connection_reset:
            await _reply(send, 502, _RESET_BODY, "text/plain", ((RESET_HEADER, RESET_NOW),))
        elif settings.down:
            await _reply(send, 503, self.style.maintenance_html, "text/html; charset=utf-8")
        elif settings.error_rate and self.rng.random() < settings.error_rate:
            await _reply(send, 500, self.style.error_body, self.style.error_content_type)
        elif settings.malformed or settings.wrong_schema:
            await self._rewritten(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _rewritten(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        content_type = next((v.decode() for k, v in headers if k.lower() == b"content-type"), "")
        body = b"".join(chunks)
        if self.settings.wrong_schema:
            body = strip_key_fields(body, content_type, self.style.key_fields)
        if self.settings.malformed:
            body = body[: len(body) // 2]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def install_faults(
    app: FastAPI, style: FailureStyle, settings: FaultSettings | None = None
) -> FaultSettings:
    """Adds the control endpoints and the middleware; returns the live settings."""
    live = settings or FaultSettings.from_env()
    router = APIRouter(prefix=CONTROL_PREFIX, include_in_schema=False)

    @router.get("/faults")
    async def get_faults() -> dict[str, Any]:
        return asdict(live)

    @router.put("/faults")
    async def put_faults(update: FaultUpdate) -> dict[str, Any]:
        live.apply(update)
        return asdict(live)

    @router.delete("/faults")
    async def delete_faults() -> dict[str, Any]:
        live.reset()
        return asdict(live)

    app.include_router(router)
    app.add_middleware(FaultMiddleware, settings=live, style=style)
    app.state.faults = live
    return live
