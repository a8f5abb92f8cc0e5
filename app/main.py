"""The application factory: one gateway process, its database and its HTTP client pool."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.agencies.endpoint_policy import EndpointPolicy
from app.audit.checkpointer import build_checkpointer
from app.auth.clients import ClientStore
from app.auth.delegation import MandateCheck
from app.auth.guard import Guard
from app.auth.id_tokens import build_verifier
from app.auth.rate_limit import GuessLimiter, RateLimiter, RateLimitHeadersMiddleware
from app.auth.signing_keys import KeySet
from app.auth.tokens import TokenIssuer
from app.bus.bus import Bus, ResilienceSettings
from app.config import Settings, get_settings
from app.cors import add_cors
from app.heap import settled_heap
from app.http_client import AgencyHttp
from app.middleware import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    UnexpectedErrorMiddleware,
)
from app.openapi_document import install_openapi_document
from app.problems import install_problem_handlers
from app.routers import (
    agencies,
    catalogue,
    citizens,
    complaints,
    data_products,
    docs,
    health,
    mandates,
    me,
    metrics,
    oauth,
    product_records,
    reference,
    reports,
    service_requests,
    surveys,
    vehicles,
    well_known,
)
from app.runtime import (
    build_courier,
    build_watcher,
    build_worker,
    open_runtime,
    token_key_overlap,
)
from app.secret_settings import issuer_url, secured
from app.services.access_log import AccessLog
from app.services.agencies import AgencyAdmin
from app.services.complaints import Complaints
from app.services.context import Services
from app.services.reference import ReferenceCache
from app.services.refusals import install_refusal_handler
from app.services.reports import Reports
from app.services.service_requests import Requests

DESCRIPTION = """
One door for the citizen: a single API over the civil registry (Dukcapil), vehicle tax (SAMSAT)
and investment licensing (OSS). Each call is translated by a per-agency adapter and the replies
are combined into one answer that says, per agency, where each part came from and how it went.

Every error is an RFC 9457 `application/problem+json` body with a stable `type` URI.
Every response carries `X-Request-ID`; send your own to correlate.

Clients authenticate with OAuth 2.0 client credentials (`POST /v1/oauth/token`, then
`Authorization: Bearer`), or, for system clients, with `X-API-Key`. Portals and kiosks act for a
citizen only by exchanging the ID token the national identity provider issued when the citizen
signed in (RFC 8693 token exchange at the same endpoint). Scopes decide what each
client may read or do, and responses carry only what the scopes release. Officer and system
clients state a purpose (`X-Purpose`) for every use of personal data; every use is recorded in
a hash-chained audit trail that the citizen can read (`/v1/citizens/{nik}/access-log`).
"""


def create_app(settings: Settings | None = None, http_client: AgencyHttp | None = None) -> FastAPI:
    """The uvicorn factory. Refuses (`InsecureSettings`, one line on stderr) to build a gateway
    on missing or published secrets. `http_client` lets tests route agency calls to in-process
    simulators."""
    return assemble_app(secured(settings or get_settings()), http_client)


def assemble_app(settings: Settings, http_client: AgencyHttp | None = None) -> FastAPI:
    """The app without the secrets check, for the OpenAPI document, which CI renders with no
    secrets; its lifespan still refuses to serve without them."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await open_runtime(settings, http_client)
        access_log = AccessLog(runtime.engine)
        await access_log.start()
        worker = build_worker(runtime) if settings.worker_enabled else None
        courier = build_courier(runtime) if settings.worker_enabled else None
        watcher = build_watcher(runtime)
        app.state.engine = runtime.engine
        bus = Bus(
            runtime.registry,
            ResilienceSettings(
                failure_threshold=settings.breaker_failure_threshold,
                recovery_s=settings.breaker_recovery_s,
                max_concurrency=settings.agency_max_concurrency,
                retry_ratio=settings.retry_ratio,
                max_concurrency_per_client=settings.agency_client_max_concurrency,
            ),
            call_log=runtime.call_log,
        )
        app.state.services = Services(
            bus=bus,
            access_log=access_log,
            sessions=runtime.sessions,
            request_deadline_ms=settings.request_deadline_ms,
            products=runtime.products,
        )
        app.state.clients = ClientStore(runtime.sessions, settings.api_key_cache_ttl_s)
        signing_keys = KeySet(
            runtime.sessions,
            runtime.secrets,
            token_key_overlap(settings),
            settings.agency_refresh_interval_ms / 1000,
        )
        await signing_keys.load()
        app.state.token_issuer = TokenIssuer(
            signing_keys, issuer_url(settings), settings.token_ttl_s
        )
        app.state.id_tokens = build_verifier(settings, runtime.http, runtime.sessions)
        app.state.guesses = GuessLimiter(
            settings.token_failure_limit,
            settings.token_failure_limit_per_address,
            settings.redis_url,
        )
        app.state.guard = Guard(
            app.state.token_issuer,
            app.state.clients,
            RateLimiter(settings.rate_limit, settings.redis_url),
            app.state.guesses,
            MandateCheck(runtime.sessions),
        )
        app.state.requests = Requests(
            sessions=runtime.sessions,
            registry=runtime.registry,
            access_log=access_log,
            callback_policy=EndpointPolicy.allowing(
                settings.webhook_url_allowlist, "SATUPINTU_WEBHOOK_URL_ALLOWLIST"
            ),
            wake_worker=worker.wake if worker else lambda: None,
        )
        app.state.complaints = Complaints(
            sessions=runtime.sessions,
            registry=runtime.registry,
            access_log=access_log,
            wake_courier=courier.wake if courier else lambda: None,
        )
        app.state.reports = Reports(
            sessions=runtime.sessions, registry=runtime.registry, call_log=runtime.call_log
        )
        app.state.reference = ReferenceCache(
            bus, settings.reference_ttl_s, settings.request_deadline_ms
        )
        app.state.product_store = runtime.product_store
        app.state.agency_admin = AgencyAdmin(
            sessions=runtime.sessions,
            registry=runtime.registry,
            secrets=runtime.secrets,
            url_policy=EndpointPolicy.allowing(settings.agency_url_allowlist),
            configured=runtime.configured,
        )
        checkpointer = build_checkpointer(settings, runtime.sessions)
        if checkpointer:
            checkpointer.start()
        watcher.start()
        runtime.product_watcher.start()
        signing_keys.start()
        if worker:
            worker.start()
        if courier:
            courier.start()
        try:
            with settled_heap():
                yield
        finally:
            if courier:
                await courier.stop()
            if worker:
                await worker.stop()
            await watcher.stop()
            await runtime.product_watcher.stop()
            await signing_keys.stop()
            await access_log.stop()
            if checkpointer:
                await checkpointer.stop()
            await runtime.close()

    app = FastAPI(
        title="satupintu",
        version="0.1.0",
        summary="One citizen-service API over many Indonesian agencies.",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from installed files by app.routers.docs
        redoc_url=None,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    install_openapi_document(app)
    install_refusal_handler(app)
    app.include_router(oauth.router)
    app.include_router(well_known.router)
    app.include_router(citizens.router)
    app.include_router(vehicles.router)
    app.include_router(service_requests.router)
    app.include_router(surveys.router)
    app.include_router(complaints.router)
    app.include_router(reports.router)
    app.include_router(catalogue.router)
    app.include_router(reference.router)
    app.include_router(agencies.router)
    app.include_router(data_products.router)
    app.include_router(product_records.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(me.router)
    app.include_router(mandates.router)
    docs.install(app)
    app.add_middleware(UnexpectedErrorMiddleware)  # innermost: its answers get every header
    app.add_middleware(RateLimitHeadersMiddleware)
    add_cors(app, settings)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    return app
