"""Which agency serves which capability, found through the `satupintu.adapters` entry points.

An agency's adapter package only has to declare an entry point; nothing in `app/` names it.
An adapter is built only when an endpoint is configured for its code.
"""

import logging
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Generic, Protocol, TypeVar, cast

from app.adapters.base import AdapterContext, AgencyAdapter, Capability
from app.config import AgencyEndpoint
from app.http_client import AgencyHttp

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


@dataclass(frozen=True)
class Installed:
    """An adapter package found through its entry point, configured or not."""

    code: str
    factory: AdapterFactory
    version: str

    def describe(self, attribute: str, default: Any) -> Any:
        return getattr(self.factory, attribute, default)


class AdapterRegistry:
    def __init__(
        self,
        installed: dict[str, Installed],
        endpoints: dict[str, AgencyEndpoint],
        http: AgencyHttp,
    ) -> None:
        self._installed = installed
        self._http = http
        self._agencies: dict[str, Agency] = {}
        self._providers: dict[tuple[Capability, type], Provider[Any] | None] = {}
        for code, endpoint in endpoints.items():
            if code in installed:
                self.configure(code, endpoint)
            else:
                log.warning("agency %s is configured but no adapter is installed for it", code)

    @classmethod
    def discover(cls, endpoints: dict[str, AgencyEndpoint], http: AgencyHttp) -> "AdapterRegistry":
        installed = {}
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            version = entry.dist.version if entry.dist else "unknown"
            try:
                factory = entry.load()
            except Exception:
                log.exception("adapter %s cannot be loaded; it is left out", entry.name)
                continue
            installed[entry.name] = Installed(entry.name, factory, version)
        for code in installed.keys() - endpoints.keys():
            log.warning("adapter %s is installed but has no endpoint configured", code)
        return cls(installed, endpoints, http)

    def installed(self) -> list[Installed]:
        return list(self._installed.values())

    def agencies(self) -> list[Agency]:
        return list(self._agencies.values())

    def agency(self, code: str) -> Agency | None:
        return self._agencies.get(code)

    def build(self, code: str, endpoint: AgencyEndpoint, http: AgencyHttp | None = None) -> Agency:
        """A new adapter for `code` on `endpoint`, not yet taking traffic: a candidate to check."""
        installed = self._installed[code]
        context = AdapterContext(code=code, endpoint=endpoint, http=http or self._http)
        adapter = installed.factory(context)
        return Agency(code, endpoint, adapter, installed.version)

    def configure(self, code: str, endpoint: AgencyEndpoint) -> Agency:
        """Point `code` at `endpoint` from the next request on, without a restart."""
        agency = self.build(code, endpoint)
        self._agencies[code] = agency
        self._providers.clear()
        return agency

    def provider(self, capability: Capability, protocol: type[P]) -> Provider[P] | None:
        """The agency serving `capability`, preferring an enabled one. Memoised: a
        runtime-checkable Protocol's isinstance check is slow, and the answer only changes
        when an agency is reconfigured."""
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
