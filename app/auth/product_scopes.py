"""The data products' scopes an operator may grant, read from the database: the operator's
command line runs in a process of its own, with no catalog of the products in memory."""

from collections.abc import Iterable

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.clients import ClientError
from app.auth.scopes import BUILT_IN_SCOPES, ungrantable
from app.db.models import DataProductRecord, DataProductVersion


async def registered_product_scopes(sessions: async_sessionmaker[AsyncSession]) -> frozenset[str]:
    """The scope of each product registered now (its version taking traffic); a removed
    product has no such version, so its scope is no longer granted."""
    active = select(DataProductVersion.declaration).join(
        DataProductRecord,
        and_(
            DataProductRecord.name == DataProductVersion.name,
            DataProductRecord.active_version == DataProductVersion.version,
        ),
    )
    async with sessions() as session:
        declarations = (await session.scalars(active)).all()
    return frozenset(
        str(declaration["scope"])
        for declaration in declarations
        if isinstance(declaration, dict) and isinstance(declaration.get("scope"), str)
    )


async def refuse_ungrantable(
    sessions: async_sessionmaker[AsyncSession], scopes: Iterable[str]
) -> None:
    """Raises `ClientError` naming every scope that is neither built in nor a registered
    product's, and what may be granted instead."""
    products = await registered_product_scopes(sessions)
    unknown = ungrantable(scopes, products)
    if unknown:
        grantable = ", ".join(sorted(BUILT_IN_SCOPES | products))
        raise ClientError(
            f"no such scope: {', '.join(unknown)}. A scope is a built-in one or a registered "
            f"data product's `<name>:read`; grantable now: {grantable}"
        )
