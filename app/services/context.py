"""What every use case needs from the running gateway, built once in the lifespan."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.scopes import ClientKind
from app.auth.tokens import Actor
from app.bus.bus import Bus
from app.products.catalog import ProductCatalog
from app.services.access_log import AccessLog


@dataclass(frozen=True)
class Caller:
    """Who is asking, as authentication established it, and why (the stated purpose)."""

    request_id: str
    client_id: str
    kind: ClientKind
    #: Built-in scopes and data products' (`<name>:read`); one whose product was removed
    #: stays here and releases nothing.
    scopes: frozenset[str]
    subject_nik: str | None = None
    purpose: str | None = None
    #: Who acts for `subject_nik`, when not the citizen themself (issue 15).
    actor: Actor | None = None

    def may(self, scope: str) -> bool:
        return scope in self.scopes

    def acts_for(self, nik: str) -> bool:
        """False when a client bound to one citizen asks about another: the caller must then
        answer as if that citizen did not exist, so a portal or kiosk cannot probe who is
        registered."""
        return self.subject_nik is None or self.subject_nik == nik


@dataclass(frozen=True)
class Services:
    bus: Bus
    access_log: AccessLog
    sessions: async_sessionmaker[AsyncSession]
    request_deadline_ms: int
    products: ProductCatalog
