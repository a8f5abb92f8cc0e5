"""The registered API clients: created, rotated and disabled by operators (`satupintu
clients`), and checked on every token request and every API-key call."""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cachetools import TTLCache
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.credentials import api_key, hash_secret, new_client_id, new_secret, secret_matches
from app.auth.scopes import ClientKind
from app.db.models import ApiClient


class ClientError(ValueError):
    """The operator asked for a client that cannot exist (e.g. an API key for a portal)."""


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str
    kind: ClientKind
    scopes: frozenset[str]
    api_key_enabled: bool
    enabled: bool


@dataclass(frozen=True)
class IssuedCredentials:
    """Shown once, when made; only the secret's hash is stored."""

    client: Client
    secret: str

    @property
    def api_key(self) -> str | None:
        return api_key(self.client.client_id, self.secret) if self.client.api_key_enabled else None


def _client(row: ApiClient) -> Client:
    return Client(
        client_id=row.client_id,
        name=row.name,
        kind=ClientKind(row.kind),
        scopes=frozenset(str(s) for s in row.scopes),
        api_key_enabled=row.api_key_enabled,
        enabled=row.enabled,
    )


class ClientStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], cache_ttl_s: float) -> None:
        self._sessions = sessions
        self._checked: TTLCache[tuple[str, str], Client] | None = (
            TTLCache(maxsize=4096, ttl=cache_ttl_s) if cache_ttl_s > 0 else None
        )
        self._enabled: TTLCache[str, bool] | None = (
            TTLCache(maxsize=4096, ttl=cache_ttl_s) if cache_ttl_s > 0 else None
        )

    async def create(
        self,
        name: str,
        kind: ClientKind,
        scopes: Iterable[str],
        *,
        api_key_enabled: bool = False,
        client_id: str | None = None,
    ) -> IssuedCredentials:
        if api_key_enabled and kind is not ClientKind.SYSTEM:
            raise ClientError("only system clients may use a static API key")
        secret, now = new_secret(), dt.datetime.now(dt.UTC)
        row = ApiClient(
            client_id=client_id or new_client_id(name),
            name=name,
            kind=kind.value,
            scopes=sorted(set(scopes)),
            secret_hash=hash_secret(secret),
            api_key_enabled=api_key_enabled,
            enabled=True,
            created_at=now,
            secret_rotated_at=now,
        )
        async with self._sessions.begin() as session:
            if await session.get(ApiClient, row.client_id) is not None:
                raise ClientError(f"client {row.client_id!r} already exists")
            session.add(row)
        return IssuedCredentials(_client(row), secret)

    async def rotate(self, client_id: str) -> IssuedCredentials:
        """A new secret; the old one stops working at once here, and in other processes once
        their cache of checked keys expires."""
        secret = new_secret()
        async with self._sessions.begin() as session:
            row = await self._row(session, client_id)
            row.secret_hash = hash_secret(secret)
            row.secret_rotated_at = dt.datetime.now(dt.UTC)
        self._forget(client_id)
        return IssuedCredentials(_client(row), secret)

    async def set_enabled(self, client_id: str, enabled: bool) -> Client:
        async with self._sessions.begin() as session:
            row = await self._row(session, client_id)
            row.enabled = enabled
        self._forget(client_id)
        return _client(row)

    async def grant(self, client_id: str, scopes: Iterable[str]) -> Client:
        """Add scopes (a data product's, say): the client's next token may carry them, and its
        API key carries them once other processes' cache of checked keys expires."""
        return await self._change_scopes(client_id, lambda held: held | frozenset(scopes))

    async def revoke(self, client_id: str, scopes: Iterable[str]) -> Client:
        """Take scopes away; tokens issued before keep them until they expire."""
        return await self._change_scopes(client_id, lambda held: held - frozenset(scopes))

    async def _change_scopes(
        self, client_id: str, change: Callable[[frozenset[str]], frozenset[str]]
    ) -> Client:
        async with self._sessions.begin() as session:
            row = await self._row(session, client_id)
            row.scopes = sorted(change(frozenset(str(s) for s in row.scopes)))
        self._forget(client_id)
        return _client(row)

    async def all(self) -> list[Client]:
        async with self._sessions() as session:
            rows = await session.scalars(select(ApiClient).order_by(ApiClient.client_id))
            return [_client(row) for row in rows]

    async def find(self, client_id: str) -> Client | None:
        async with self._sessions() as session:
            row = await session.get(ApiClient, client_id)
        return _client(row) if row is not None else None

    async def authenticate(self, client_id: str, secret: str) -> Client | None:
        """The enabled client these credentials belong to, or None."""
        key = (client_id, hash_secret(secret))
        if self._checked is not None and (known := self._checked.get(key)) is not None:
            return known
        async with self._sessions() as session:
            row = await session.get(ApiClient, client_id)
        if row is None or not row.enabled or not secret_matches(secret, row.secret_hash):
            return None
        client = _client(row)
        if self._checked is not None:
            self._checked[key] = client
        return client

    async def is_enabled(self, client_id: str) -> bool:
        """Whether the client may still act. Tokens are verified without the database, so
        this is what stops a disabled client's unexpired tokens: at once in the process that
        disabled it, and within the cache's lifetime in every other (the operator's CLI is one)."""
        if self._enabled is not None and (known := self._enabled.get(client_id)) is not None:
            return known
        async with self._sessions() as session:
            row = await session.get(ApiClient, client_id)
        enabled = row is not None and row.enabled
        if self._enabled is not None:
            self._enabled[client_id] = enabled
        return enabled

    async def _row(self, session: AsyncSession, client_id: str) -> ApiClient:
        row = await session.get(ApiClient, client_id)
        if row is None:
            raise ClientError(f"no client {client_id!r}")
        return row

    def _forget(self, client_id: str) -> None:
        if self._enabled is not None:
            self._enabled.pop(client_id, None)
        if self._checked is not None:
            for key in [k for k in self._checked if k[0] == client_id]:
                del self._checked[key]
