"""The async engine and session factory, opened once per process in the app's lifespan."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app import json_codec


def _sqlite_for_concurrent_writers(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the one writer, and the busy timeout makes concurrent
    requests queue for the write lock instead of failing with `database is locked`."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(database_url: str) -> AsyncEngine:
    """A server's connections can die between uses, so they are pinged when checked out; an
    SQLite file's cannot, and there every round trip to aiosqlite's thread costs. JSON columns
    go through the fast codec: every access record carries two. Parameters are kept out of
    error messages: they hold complaint text, NIKs and credentials, and errors are logged."""
    engine = create_async_engine(
        database_url,
        hide_parameters=True,
        pool_pre_ping=not database_url.startswith("sqlite"),
        json_serializer=json_codec.encode_text,
        json_deserializer=json_codec.decode,
    )
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_for_concurrent_writers)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
