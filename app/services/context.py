"""What every use case needs from the running gateway, built once in the lifespan."""

from dataclasses import dataclass

from app.bus.bus import Bus
from app.services.access_log import AccessLog


@dataclass(frozen=True)
class Caller:
    """Who is asking. Until client authentication lands this is what the client declares."""

    request_id: str
    client_id: str


@dataclass(frozen=True)
class Services:
    bus: Bus
    access_log: AccessLog
    request_deadline_ms: int
