"""Keeps this process's data products in step with the declarations store: products
registered, changed, rolled back or removed by another process (another gateway replica, the
`satupintu products` command) take effect here within the refresh interval, with no restart.
The first `sync` loads every active product, before the gateway serves."""

import datetime as dt
import logging

from app.periodic import Every
from app.products import wiring
from app.products.store import ProductStore

log = logging.getLogger(__name__)


class ProductWatcher:
    def __init__(self, store: ProductStore, interval_s: float) -> None:
        self._store = store
        self._seen: dt.datetime | None = None
        self._loop = Every(
            interval_s,
            self.sync,
            "data-product-watcher",
            "data product changes could not be read",
            log,
        )

    async def sync(self) -> None:
        """A change made in this process while the store was being read makes what was read
        stale (applying it would bring back a product just removed): it is then not applied,
        and the next round reads again."""
        store = self._store
        before = store.registry.generation
        latest = await store.latest_change()
        if latest is None or latest == self._seen:
            return
        active = {version.name: version for version in await store.every()}
        if store.registry.generation != before:
            return
        for product in store.catalog.products():
            if product.name not in active:
                wiring.withdraw(product.name, store.registry, store.catalog)
        for name, version in active.items():
            current = store.catalog.get(name)
            if current is not None and current.version == version.version:
                continue
            try:
                wiring.apply(store.product(version), store.registry, store.catalog, store.secrets)
            except Exception:
                # One product that cannot be applied here (its adapter package missing in
                # this process, a secret this process cannot read) must not keep the others
                # off the bus; it is tried again at the next change.
                log.exception("data product %s version %s is not applied", name, version.version)
        self._seen = latest

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
