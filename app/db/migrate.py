"""Bring the database to the newest Alembic revision, or say clearly why not.

The app applies migrations on start (never `create_all`), so a fresh machine needs no extra
step; with auto-migration switched off it refuses to start on an old schema instead of failing
later on a missing column.
"""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parents[2]


class SchemaOutOfDate(RuntimeError):
    pass


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


async def apply_migrations(database_url: str) -> None:
    """Alembic's env runs its own event loop, so it runs in a worker thread."""
    await asyncio.to_thread(upgrade, database_url)


async def revert_migrations(database_url: str, revision: str = "base") -> None:
    await asyncio.to_thread(downgrade, database_url, revision)


async def ensure_current(engine: AsyncEngine, database_url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()

    def current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        revision = await connection.run_sync(current)
    if revision != head:
        raise SchemaOutOfDate(
            f"database schema is at {revision or 'nothing'}, the code needs {head}: "
            "run `satupintu db upgrade` or start with SATUPINTU_AUTO_MIGRATE=true"
        )
