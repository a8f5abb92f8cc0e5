"""Data products on a test gateway without the declarations store: tiny real backends on
real ports, a test-only adapter kind implementing `ProductSource` against them, and the
product put into the catalog and its sources onto the bus the way a registration does
(kind `declared:<name>`, one instance per source serving `product:<name>`).

So the profile, the scopes, the records read and the served OpenAPI document are tested on
their own, whatever fetches a declared product in production.
"""

import asyncio
import datetime as dt
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from app.adapters.base import (
    AdapterContext,
    AgencyAdapter,
    AgencyLevel,
    AgencyNotFound,
    ConformanceFixtures,
    ServiceStandard,
    backend_failure,
)
from app.agencies.jurisdiction import Jurisdiction
from app.bus.registry import AdapterKind, AdapterRegistry, InstanceSpec
from app.config import AgencyEndpoint
from app.products.catalog import DataProduct, ProductCatalog
from app.products.declaration import Cardinality, ProductDeclaration


class Backend:
    """One agency's system holding a product: `records` by key; `down` answers 503, `delay_s`
    answers late. Served in another thread, so the switches are plain attributes."""

    def __init__(self, records: dict[str, Any] | None = None) -> None:
        self.records: dict[str, Any] = records or {}
        self.down = False
        self.delay_s = 0.0
        self.asked: list[str] = []

    def reset(self, records: dict[str, Any]) -> None:
        self.records, self.down, self.delay_s, self.asked = records, False, 0.0, []

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/records/{key}")
        async def read(key: str) -> JSONResponse:
            self.asked.append(key)
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            if self.down:
                return JSONResponse({"error": "maintenance"}, status_code=503)
            if key not in self.records:
                return JSONResponse({"error": "no such key"}, status_code=404)
            return JSONResponse(self.records[key])

        @app.get("/health")
        async def health() -> dict[str, str]:
            return {"status": "up"}

        return app


class ProductSourceAdapter:
    """A hand-written product adapter: what a declaration's `fetch.adapter` names."""

    level: AgencyLevel = AgencyLevel.CENTRAL
    services: tuple[ServiceStandard, ...] = ()
    conformance: ConformanceFixtures = ConformanceFixtures()

    def __init__(self, context: AdapterContext, product: str, cardinality: Cardinality) -> None:
        self.code = context.code
        self.name = context.code
        self.capabilities: frozenset[str] = frozenset({f"product:{product}"})
        self._url = context.endpoint.base_url.rstrip("/")
        self._http = context.http
        self._many = cardinality is Cardinality.MANY

    async def health(self) -> None:
        reply = await self._http.get(f"{self._url}/health")
        if (failure := backend_failure(reply)) is not None:
            raise failure

    async def fetch_product(self, product: str, key: str) -> Any:
        reply = await self._http.get(f"{self._url}/records/{quote(key, safe='')}")
        if reply.status_code == 404:
            if self._many:
                return []
            raise AgencyNotFound("no record for this key")
        if (failure := backend_failure(reply)) is not None:
            raise failure
        return reply.json()


def declaration(
    name: str,
    sources: dict[str, str],
    *,
    cardinality: str = "one",
    key: dict[str, Any] | None = None,
    subject: str | None = None,
    jurisdictions: dict[str, list[str]] | None = None,
    schema: dict[str, Any] | None = None,
    specific_category: str | None = None,
) -> ProductDeclaration:
    """A valid declaration whose sources (agency code: base URL) are fetched by the test
    adapter: general personal data, or specific of `specific_category`."""
    return ProductDeclaration.model_validate(
        {
            "name": name,
            "title": name.replace("_", " ").capitalize(),
            "key": key or {"kind": "nik"},
            "cardinality": cardinality,
            "schema": schema
            or {
                "type": "object",
                "properties": {"number": {"type": "string"}, "nik": {"type": "string"}},
                "required": ["number"],
            },
            "subject": subject,
            "scope": f"{name}:read",
            "classification": "general" if specific_category is None else "specific",
            "specific_category": specific_category,
            "processing_basis": "public_task",
            "legal_basis": ["UU 27/2022"],
            "fetch": {"adapter": "test_product_source"},
            "sources": [
                {
                    "agency": {
                        "code": code,
                        "name": f"Agency {code}",
                        "level": "central",
                        "jurisdiction": (jurisdictions or {}).get(code, []),
                    },
                    "base_url": url,
                    "timeout_ms": 300,
                    "fixtures": {"found": "1", "missing": "2"},
                }
                for code, url in sources.items()
            ],
        }
    )


def register(
    registry: AdapterRegistry, catalog: ProductCatalog, declared: ProductDeclaration
) -> DataProduct:
    """The product's kind, then its sources, then the catalog: the order a registration
    takes, so no request finds the product without its sources."""
    product = DataProduct(declared, 1, dt.datetime.now(dt.UTC), "test")

    def factory(context: AdapterContext) -> AgencyAdapter:
        return ProductSourceAdapter(context, declared.name, declared.cardinality)

    registry.install_kind(AdapterKind(product.kind, factory, "test"))
    for source in declared.sources:
        registry.configure(
            InstanceSpec(
                code=source.agency.code,
                kind=product.kind,
                endpoint=AgencyEndpoint(base_url=source.base_url, timeout_ms=source.timeout_ms),
                name=source.agency.name,
                jurisdiction=Jurisdiction(frozenset(source.agency.jurisdiction)),
                product=product.name,
            )
        )
    catalog.put(product)
    return product


def withdraw(registry: AdapterRegistry, catalog: ProductCatalog, name: str) -> None:
    catalog.remove(name)
    registry.uninstall_kind(f"declared:{name}")
