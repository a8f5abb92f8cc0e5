"""The application factory: one gateway process, its database and its HTTP client pool."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.bus.bus import Bus
from app.bus.registry import AdapterRegistry
from app.config import Settings, get_settings
from app.db.migrate import apply_migrations, ensure_current
from app.db.session import make_engine, make_sessionmaker
from app.http_client import build_http_client
from app.middleware import REQUEST_ID_HEADER, RequestIdMiddleware
from app.problems import install_problem_handlers
from app.routers import citizens, health, vehicles
from app.schemas.identifiers import warm_region_table
from app.services.access_log import AccessLog
from app.services.context import Services

DESCRIPTION = """
One door for the citizen: a single API over the civil registry (Dukcapil), vehicle tax (SAMSAT)
and investment licensing (OSS). Each call is translated by a per-agency adapter and the replies
are combined into one answer that says, per agency, where each part came from and how it went.

Every error is an RFC 9457 `application/problem+json` body with a stable `type` URI.
Every response carries `X-Request-ID`; send your own to correlate.
"""


def create_app(
    settings: Settings | None = None, http_client: httpx.AsyncClient | None = None
) -> FastAPI:
    """`http_client` lets tests route agency calls to in-process simulators."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logging.basicConfig(level=settings.log_level)
        # httpx logs every agency URL at INFO, and those URLs carry NIKs.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        if settings.auto_migrate:
            await apply_migrations(settings.database_url)
        engine = make_engine(settings.database_url)
        await ensure_current(engine, settings.database_url)
        warm_region_table()
        http = http_client or build_http_client(settings)
        access_log = AccessLog(make_sessionmaker(engine))
        await access_log.start()
        app.state.engine = engine
        app.state.services = Services(
            bus=Bus(AdapterRegistry.discover(settings.agencies, http)),
            access_log=access_log,
            request_deadline_ms=settings.request_deadline_ms,
        )
        try:
            yield
        finally:
            await access_log.stop()
            if http_client is None:
                await http.aclose()
            await engine.dispose()

    app = FastAPI(
        title="satupintu",
        version="0.1.0",
        summary="One citizen-service API over many Indonesian agencies.",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.include_router(citizens.router)
    app.include_router(vehicles.router)
    app.include_router(health.router)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_allow_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["*"],
        expose_headers=[REQUEST_ID_HEADER],
    )
    app.add_middleware(RequestIdMiddleware)
    return app
