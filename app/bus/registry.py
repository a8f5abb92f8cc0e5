"""Which agency serves which capability, found through the `satupintu.adapters` entry points.

An agency's adapter package only has to declare an entry point; nothing in `app/` names it.
An adapter is built only when an endpoint is configured for its code.
"""

import logging
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Generic, Protocol, TypeVar, cast

import httpx

from app.adapters.base import AdapterContext, AgencyAdapter, Capability
from app.config import AgencyEndpoint

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "satupintu.adapters"

P = TypeVar("P")


class AdapterFactory(Protocol):
    def __call__(self, context: AdapterContext) -> AgencyAdapter: ...


@dataclass(frozen=True)
class Agency:
    code: str
    endpoint: AgencyEndpoint
    adapter: AgencyAdapter
    version: str


@dataclass(frozen=True)
class Provider(Generic[P]):
    """An adapter seen through one capability protocol, with the agency it speaks for."""

    agency: Agency
    impl: P


class AdapterRegistry:
    def __init__(self, agencies: list[Agency]) -> None:
        self._agencies = {agency.code: agency for agency in agencies}
        self._providers: dict[tuple[Capability, type], Provider[Any] | None] = {}

    @classmethod
    def discover(
        cls, endpoints: dict[str, AgencyEndpoint], http: httpx.AsyncClient
    ) -> "AdapterRegistry":
        agencies = []
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            endpoint = endpoints.get(entry.name)
            if endpoint is None:
                log.warning("adapter %s is installed but has no endpoint configured", entry.name)
                continue
            factory: AdapterFactory = entry.load()
            adapter = factory(AdapterContext(code=entry.name, endpoint=endpoint, http=http))
            version = entry.dist.version if entry.dist else "unknown"
            agencies.append(Agency(entry.name, endpoint, adapter, version))
        return cls(agencies)

    def agencies(self) -> list[Agency]:
        return list(self._agencies.values())

    def provider(self, capability: Capability, protocol: type[P]) -> Provider[P] | None:
        """The agency serving `capability`, preferring an enabled one. Memoised: a
        runtime-checkable Protocol's isinstance check is slow, and the answer never changes."""
        key = (capability, protocol)
        if key not in self._providers:
            self._providers[key] = self._find(capability, protocol)
        return self._providers[key]

    def _find(self, capability: Capability, protocol: type[P]) -> Provider[P] | None:
        candidates: list[Provider[P]] = [
            Provider(agency, cast(P, agency.adapter))
            for agency in self._agencies.values()
            if capability in agency.adapter.capabilities and isinstance(agency.adapter, protocol)
        ]
        candidates.sort(key=lambda p: not p.agency.endpoint.enabled)
        return candidates[0] if candidates else None
