"""The schema comes only from Alembic, and Alembic matches the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from app.db.migrate import SchemaOutOfDate, apply_migrations, ensure_current, revert_migrations
from app.db.models import Base
from app.main import create_app
from tests.conftest import gateway_settings


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names


async def test_upgrade_downgrade_upgrade(database_url):
    await apply_migrations(database_url)
    assert "access_records" in await _tables(database_url)
    await revert_migrations(database_url)
    assert "access_records" not in await _tables(database_url)
    await apply_migrations(database_url)
    assert "access_records" in await _tables(database_url)


async def test_models_and_migrations_agree(database_url):
    await apply_migrations(database_url)
    engine = create_async_engine(database_url)

    def diff(connection: Connection) -> object:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []
    await engine.dispose()


async def test_without_auto_migration_an_old_schema_refuses_to_start(database_url):
    await revert_migrations(database_url)
    app = create_app(gateway_settings(database_url, auto_migrate=False))

    with pytest.raises(SchemaOutOfDate, match="satupintu db upgrade"):
        async with app.router.lifespan_context(app):
            pass
    engine = create_async_engine(database_url)
    with pytest.raises(SchemaOutOfDate):
        await ensure_current(engine, database_url)
    await engine.dispose()
