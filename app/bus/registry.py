"""Adapter kinds, agency instances, and which instance serves a request.

- An adapter **kind** is installed code that speaks one wire dialect, found through the
  `satupintu.adapters` entry points: nothing in `app/` names it.
- An agency **instance** is an organisation at an endpoint with a jurisdiction that uses one
  kind: data, configured by the operator or registered at run time. Several instances may use
  one kind (West and Central Java's offices run the same SAMSAT system), and one capability may
  be served by instances of different kinds (East Java's runs another).
- **Routing** picks instances for a capability: the one whose jurisdiction covers the request's
  regions most closely when the key decides (`route`), every one when it does not
  (`providers`), and the bus merges their answers.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Generic, Protocol, TypeVar, cast

from app.adapters.base import AdapterContext, AgencyAdapter, ConformanceFixtures
from app.agencies.jurisdiction import Jurisdiction
from app.config import AgencyEndpoint, AgencyInstanceSettings
from app.http_client import AgencyHttp

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "satupintu.adapters"

P = TypeVar("P")


class AdapterFactory(Protocol):
    def __call__(self, context: AdapterContext) -> AgencyAdapter: ...


@dataclass(frozen=True)
class AdapterKind:
    """An adapter package found through its entry point, whether any instance uses it or not."""

    code: str
    factory: AdapterFactory
    version: str

    def describe(self, attribute: str, default: Any) -> Any:
        return getattr(self.factory, attribute, default)


@dataclass(frozen=True)
class InstanceSpec:
    """Everything that makes an agency instance, as configuration or the admin API gives it."""

    code: str
    kind: str
    endpoint: AgencyEndpoint
    name: str | None = None
    jurisdiction: Jurisdiction = field(default_factory=Jurisdiction)
    fixtures: ConformanceFixtures | None = None
    #: The data product whose declaration made this instance (`app.products`): it is changed
    #: only through that declaration, never through the agency admin API.
    product: str | None = None

    @classmethod
    def from_settings(cls, code: str, settings: AgencyInstanceSettings) -> "InstanceSpec":
        return cls(
            code=code,
            kind=settings.kind or code,
            endpoint=settings.endpoint,
            name=settings.name,
            jurisdiction=Jurisdiction(frozenset(settings.jurisdiction)),
            fixtures=ConformanceFixtures(**settings.conformance) if settings.conformance else None,
        )


@dataclass(frozen=True)
class Agency:
    """An agency instance taking traffic through its kind's adapter."""

    spec: InstanceSpec
    adapter: AgencyAdapter
    version: str

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def endpoint(self) -> AgencyEndpoint:
        return self.spec.endpoint

    @property
    def jurisdiction(self) -> Jurisdiction:
        return self.spec.jurisdiction

    @property
    def name(self) -> str:
        return self.spec.name or str(getattr(self.adapter, "name", self.code))

    @property
    def level(self) -> str:
        return str(getattr(self.adapter, "level", "unknown"))

    @property
    def fixtures(self) -> ConformanceFixtures:
        return self.spec.fixtures or self.adapter.conformance


@dataclass(frozen=True)
class Provider(Generic[P]):
    """An adapter seen through one capability protocol, with the instance it speaks for."""

    agency: Agency
    impl: P


class NotServed(LookupError):
    """No instance's jurisdiction covers any of the request's regions."""

    def __init__(self, capability: str, regions: tuple[str, ...]) -> None:
        super().__init__(capability, regions)
        self.capability = capability
        self.regions = regions


class AdapterRegistry:
    def __init__(
        self,
        kinds: dict[str, AdapterKind],
        instances: Iterable[InstanceSpec],
        http: AgencyHttp,
    ) -> None:
        self._kinds = kinds
        self._http = http
        self._agencies: dict[str, Agency] = {}
        self._providers: dict[tuple[str, type], list[Provider[Any]]] = {}
        self._routes: dict[tuple[str, type, tuple[str, ...]], list[Provider[Any]]] = {}
        self.generation = 0
        """Counts every change of the instances, so one who read the wanted state elsewhere
        can tell whether it changed here meanwhile, and not apply a stale picture over it."""
        for spec in instances:
            if spec.kind in kinds:
                self.configure(spec)
            else:
                log.warning(
                    "agency %s uses adapter kind %s, which is not installed", spec.code, spec.kind
                )

    @classmethod
    def discover(cls, instances: Iterable[InstanceSpec], http: AgencyHttp) -> "AdapterRegistry":
        kinds = {}
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            version = entry.dist.version if entry.dist else "unknown"
            try:
                factory = entry.load()
            except Exception:
                log.exception("adapter %s cannot be loaded; it is left out", entry.name)
                continue
            kinds[entry.name] = AdapterKind(entry.name, factory, version)
        return cls(kinds, instances, http)

    def install_kind(self, kind: AdapterKind) -> None:
        """A kind that joins at run time (a data product's declaration), beside the ones
        installed as packages; its instances are configured after it."""
        self._kinds[kind.code] = kind

    def uninstall_kind(self, code: str) -> None:
        """Takes a run-time kind and every instance of it off the bus."""
        for agency in self.of_kind(code):
            self.remove(agency.code)
        self._kinds.pop(code, None)

    def kinds(self) -> list[AdapterKind]:
        return list(self._kinds.values())

    def kind(self, code: str) -> AdapterKind | None:
        return self._kinds.get(code)

    def agencies(self) -> list[Agency]:
        return list(self._agencies.values())

    def agency(self, code: str) -> Agency | None:
        return self._agencies.get(code)

    def of_kind(self, kind: str) -> list[Agency]:
        return [a for a in self._agencies.values() if a.kind == kind]

    def build(self, spec: InstanceSpec, http: AgencyHttp | None = None) -> Agency:
        """A new adapter for `spec`, not yet taking traffic: a candidate to check."""
        kind = self._kinds[spec.kind]
        context = AdapterContext(code=spec.code, endpoint=spec.endpoint, http=http or self._http)
        return Agency(spec, kind.factory(context), kind.version)

    def configure(self, spec: InstanceSpec) -> Agency:
        """Add the instance, or point it at its new endpoint, from the next request on."""
        agency = self.build(spec)
        self._agencies[spec.code] = agency
        self._forget_routes()
        return agency

    def remove(self, code: str) -> None:
        if self._agencies.pop(code, None) is not None:
            self._forget_routes()

    def _forget_routes(self) -> None:
        self.generation += 1
        self._providers.clear()
        self._routes.clear()

    def providers(self, capability: str, protocol: type[P]) -> list[Provider[P]]:
        """Every instance serving `capability`, enabled ones first, then by code. Memoised: a
        runtime-checkable Protocol's isinstance check is slow, and the answer only changes
        when an instance is added, changed or removed."""
        key = (capability, protocol)
        found = self._providers.get(key)
        if found is None:
            found = [
                Provider(agency, cast(P, agency.adapter))
                for agency in self._agencies.values()
                if capability in agency.adapter.capabilities
                and isinstance(agency.adapter, protocol)
            ]
            found.sort(key=lambda p: (not p.agency.endpoint.enabled, p.agency.code))
            self._providers[key] = found
        return found

    def provider(self, capability: str, protocol: type[P]) -> Provider[P] | None:
        """The one instance for a capability no key routes (the civil registry): an enabled
        national one before a regional one."""
        found = self.providers(capability, protocol)
        national = [p for p in found if p.agency.jurisdiction.national]
        chosen = national or found
        return chosen[0] if chosen else None

    def route(
        self, capability: str, protocol: type[P], regions: tuple[str, ...]
    ) -> list[Provider[P]]:
        """For each candidate region, the instances covering it most closely (enabled ones
        before disabled ones, which then answer `unavailable`); one region gives one instance.
        Raises `NotServed` when no instance covers any of the regions."""
        key = (capability, protocol, regions)
        routed = self._routes.get(key)
        if routed is None:
            routed = []
            candidates = self.providers(capability, protocol)
            for region in regions:
                scored = [
                    (score, p)
                    for p in candidates
                    if (score := p.agency.jurisdiction.specificity(region)) is not None
                ]
                if not scored:
                    continue
                best = max(score for score, _ in scored)
                closest = [p for score, p in scored if score == best]
                chosen = closest[0]
                if chosen not in routed:
                    routed.append(chosen)
            self._routes[key] = routed
        if not routed:
            raise NotServed(capability, regions)
        return routed
