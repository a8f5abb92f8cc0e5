"""A data product's version put on the bus, or taken off it.

Each declaration is the adapter kind `declared:<name>` and each of its sources an agency
instance of that kind, so declared agencies are routed and protected (breaker, bulkhead,
deadline, retry budget, metrics) like the hand-written ones. The steps run in an order where
no request finds the product in the catalog without its sources on the bus.
"""

from app.agencies.jurisdiction import Jurisdiction
from app.bus.registry import AdapterRegistry, InstanceSpec
from app.config import AgencyEndpoint
from app.products.catalog import DataProduct, ProductCatalog
from app.products.declaration import SourceDeclaration
from app.products.declared_adapter import declared_kind
from app.products.secrets import SecretResolver


def instance_spec(product: DataProduct, source: SourceDeclaration) -> InstanceSpec:
    return InstanceSpec(
        code=source.agency.code,
        kind=product.kind,
        endpoint=AgencyEndpoint(base_url=source.base_url, timeout_ms=source.timeout_ms),
        name=source.agency.name,
        jurisdiction=Jurisdiction(frozenset(source.agency.jurisdiction)),
        product=product.name,
    )


def apply(
    product: DataProduct,
    registry: AdapterRegistry,
    catalog: ProductCatalog,
    secrets: SecretResolver,
) -> None:
    """The kind first (every instance is built from it), then each source, then the sources
    the version no longer declares go, and only then does the catalog show the version."""
    registry.install_kind(declared_kind(product, registry.kind, secrets))
    for source in product.declaration.sources:
        registry.configure(instance_spec(product, source))
    declared = set(product.source_codes)
    for agency in registry.of_kind(product.kind):
        if agency.code not in declared:
            registry.remove(agency.code)
    catalog.put(product)


def withdraw(name: str, registry: AdapterRegistry, catalog: ProductCatalog) -> None:
    """The catalog first, so nothing looks for the sources once they are gone."""
    catalog.remove(name)
    registry.uninstall_kind(f"declared:{name}")
