"""The data products on the bus in this process, and who must hear when they change.

The declarations store (`app.products.store`) puts a product here when it is registered,
changed or rolled back, in this process at once and in every other within the refresh
interval; the profile, the scopes, the catalogue and the OpenAPI document read it from here.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from app.products.declaration import Classification, KeyKind, ProductDeclaration


@dataclass(frozen=True)
class DataProduct:
    """One version of a product's declaration, as it takes traffic."""

    declaration: ProductDeclaration
    version: int
    changed_at: dt.datetime
    changed_by: str

    @property
    def name(self) -> str:
        return self.declaration.name

    @property
    def scope(self) -> str:
        return self.declaration.scope

    @property
    def capability(self) -> str:
        return self.declaration.capability

    @property
    def kind(self) -> str:
        return self.declaration.kind

    @property
    def keyed_by_nik(self) -> bool:
        """Only these are profile parts: the profile is one citizen's, found by NIK."""
        return self.declaration.key.kind is KeyKind.NIK

    @property
    def source_codes(self) -> list[str]:
        return [source.agency.code for source in self.declaration.sources]

    def scope_description(self) -> str:
        personal = (
            "specific personal data (UU 27/2022 Pasal 4)"
            if self.declaration.classification is Classification.SPECIFIC
            else "personal data"
        )
        return f"{self.declaration.title}: {personal}, a declared data product."


class ProductCatalog:
    def __init__(self) -> None:
        self._products: dict[str, DataProduct] = {}
        self._listeners: list[Callable[[], None]] = []
        #: Goes up on every change, so a cache of anything derived (the OpenAPI document)
        #: can tell it is stale.
        self.revision = 0

    def products(self) -> list[DataProduct]:
        return sorted(self._products.values(), key=lambda p: p.name)

    def get(self, name: str) -> DataProduct | None:
        return self._products.get(name)

    def scopes(self) -> dict[str, str]:
        """Every declared product's scope, with what it releases."""
        return {p.scope: p.scope_description() for p in self.products()}

    def owner_of_scope(self, scope: str) -> DataProduct | None:
        return next((p for p in self._products.values() if p.scope == scope), None)

    def put(self, product: DataProduct) -> None:
        self._products[product.name] = product
        self._changed()

    def remove(self, name: str) -> None:
        if self._products.pop(name, None) is not None:
            self._changed()

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        self.revision += 1
        for listener in self._listeners:
            listener()
