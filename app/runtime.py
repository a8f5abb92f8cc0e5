"""What a gateway process opens once and closes once: the database, the migrations, the
HTTP client pool and the adapters. Shared by the API's lifespan and the standalone worker."""

import datetime as dt
import os
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.agencies.endpoint_policy import EndpointPolicy
from app.agencies.secrets import SecretBox
from app.bus.registry import AdapterRegistry, InstanceSpec
from app.complaints.courier import ComplaintCourier
from app.config import Settings
from app.db.migrate import apply_migrations, ensure_current
from app.db.session import make_engine, make_sessionmaker
from app.http_client import AgencyHttp, build_http_client, with_propagation
from app.observability import configure_logging
from app.products.catalog import ProductCatalog
from app.products.secrets import SecretResolver
from app.products.store import ProductStore
from app.products.watcher import ProductWatcher
from app.schemas.identifiers import warm_region_table
from app.secret_settings import secret
from app.services.agencies import EndpointWatcher, effective_instances
from app.services.agency_calls import AgencyCallLog
from app.workflows.engine import Engine
from app.workflows.webhooks import WebhookSender
from app.workflows.worker import Worker, new_worker_id


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    http: AgencyHttp
    registry: AdapterRegistry
    secrets: SecretBox
    owns_http: bool
    call_log: AgencyCallLog
    configured: dict[str, InstanceSpec]
    products: ProductCatalog
    product_store: ProductStore
    product_watcher: ProductWatcher

    async def close(self) -> None:
        await self.call_log.stop()
        if self.owns_http:
            await self.http.aclose()
        await self.engine.dispose()


async def open_runtime(settings: Settings, http_client: AgencyHttp | None) -> Runtime:
    configure_logging(settings.log_level, settings.log_format)
    if settings.auto_migrate:
        await apply_migrations(settings.database_url)
    engine = make_engine(settings.database_url)
    await ensure_current(engine, settings.database_url)
    warm_region_table()
    http = with_propagation(http_client) if http_client else build_http_client(settings)
    sessions = make_sessionmaker(engine)
    secrets = SecretBox(secret(settings, "secret_key"))
    configured = configured_instances(settings)
    instances = await effective_instances(sessions, secrets, configured)
    registry = AdapterRegistry.discover(instances.values(), http)
    product_store = ProductStore(
        sessions=sessions,
        registry=registry,
        catalog=ProductCatalog(),
        box=secrets,
        secrets=SecretResolver(os.environ),
        url_policy=EndpointPolicy.allowing(settings.agency_url_allowlist),
        http=http,
    )
    product_watcher = ProductWatcher(product_store, settings.agency_refresh_interval_ms / 1000)
    await product_watcher.sync()  # every active product on the bus before anything is served
    call_log = AgencyCallLog(sessions)
    call_log.start()
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        http=http,
        registry=registry,
        configured=configured,
        secrets=secrets,
        owns_http=http_client is None,
        call_log=call_log,
        products=product_store.catalog,
        product_store=product_store,
        product_watcher=product_watcher,
    )


def configured_instances(settings: Settings) -> dict[str, InstanceSpec]:
    return {code: InstanceSpec.from_settings(code, a) for code, a in settings.agencies.items()}


def token_key_overlap(settings: Settings) -> dt.timedelta:
    """How long a retired signing key keeps verifying: the last token it signed was issued at
    most one key refresh after the rotation, and lives `token_ttl_s`."""
    return dt.timedelta(seconds=settings.token_ttl_s + settings.agency_refresh_interval_ms / 1000)


def build_watcher(runtime: Runtime) -> EndpointWatcher:
    return EndpointWatcher(
        runtime.sessions,
        runtime.registry,
        runtime.secrets,
        runtime.configured,
        runtime.settings.agency_refresh_interval_ms / 1000,
    )


def build_worker(runtime: Runtime) -> Worker:
    settings = runtime.settings
    engine = Engine(
        runtime.sessions,
        runtime.registry,
        new_worker_id(),
        lease_s=settings.worker_lease_s,
        step_pause_s=settings.worker_step_pause_ms / 1000,
        retry_base_s=settings.worker_retry_base_ms / 1000,
        call_log=runtime.call_log,
    )
    webhooks = WebhookSender(runtime.sessions, runtime.http, secret(settings, "webhook_secret"))
    return Worker(
        runtime.sessions, engine, webhooks, poll_interval_s=settings.worker_poll_interval_ms / 1000
    )


def build_courier(runtime: Runtime) -> ComplaintCourier:
    settings = runtime.settings
    return ComplaintCourier(
        runtime.sessions,
        runtime.registry,
        runtime.call_log,
        new_worker_id(),
        lease_s=settings.worker_lease_s,
        poll_interval_s=settings.worker_poll_interval_ms / 1000,
        recheck_s=settings.complaint_recheck_ms / 1000,
        retry_base_s=settings.worker_retry_base_ms / 1000,
    )
