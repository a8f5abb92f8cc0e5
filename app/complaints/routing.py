"""No wrong door: which agency a complaint belongs to, and why.

The evidence is weighed strongest first: the service request it is about, the service it
names, its category, and only then the words it uses (each agency declares its topics in its
adapter). The agency the citizen addressed decides only when nothing else does, or between
agencies the evidence cannot tell apart; it never refuses a complaint that belongs elsewhere.
"""

import re
from dataclasses import dataclass, replace

from app.adapters.base import Capability, ComplaintDesk
from app.agencies.jurisdiction import plate_regions
from app.bus.registry import AdapterRegistry
from app.schemas.complaints import RoutedBy
from app.schemas.identifiers import normalise_plate
from app.schemas.nik_history import current_province
from app.services import catalogue


@dataclass(frozen=True)
class Route:
    agency: str
    routed_by: RoutedBy
    reason: str


@dataclass(frozen=True)
class Evidence:
    """`regions` are where the complaint belongs, most telling first (a plate it names, the
    citizen's NIK province): among several instances of one kind (38 tax offices), the one
    whose jurisdiction covers them takes it."""

    text: str
    addressed_to: str | None = None
    service: str | None = None
    service_request: tuple[str, str] | None = None
    category: str | None = None
    regions: tuple[str, ...] = ()


_PLATE_IN_TEXT = re.compile(r"\b([A-Za-z]{1,2})\s?([1-9][0-9]{0,3})\s?([A-Za-z]{1,3})\b")


def regions_named(text: str, plates: tuple[str, ...], nik: str) -> tuple[str, ...]:
    """The regions a complaint points to: its request's plate, plates in its text, then the
    province of the citizen's NIK as it is today (a pre-2022 Kab. Sorong NIK, `9201...`, is
    Papua Barat Daya's, 96)."""
    found: list[str] = []
    for raw in (*plates, *(" ".join(m.groups()) for m in _PLATE_IN_TEXT.finditer(text))):
        try:
            plate = normalise_plate(raw)
        except ValueError:
            continue
        found += plate_regions(str(plate))
    found.append(current_province(nik))
    return tuple(dict.fromkeys(found))


def complaint_desks(registry: AdapterRegistry) -> dict[str, ComplaintDesk]:
    """Every agency on the bus that takes complaints, by code."""
    return {
        agency.code: agency.adapter
        for agency in sorted(registry.agencies(), key=lambda a: a.code)
        if Capability.COMPLAINT_INTAKE in agency.adapter.capabilities
        and isinstance(agency.adapter, ComplaintDesk)
    }


def categories(registry: AdapterRegistry) -> set[str]:
    return {view.category for view in catalogue.services(registry).items}


def _responsible(registry: AdapterRegistry, service: str, desks: dict[str, ComplaintDesk]) -> str:
    """The agency that declares the service; failing a desk there, the next one taking part."""
    agencies = catalogue.service(registry, service).agencies
    return next((code for code in agencies if code in desks), agencies[0])


def _topic_hits(desk: ComplaintDesk, text: str) -> list[str]:
    return sorted(
        topic
        for topic in desk.complaint_topics
        if re.search(rf"(?<!\w){re.escape(topic)}(?!\w)", text)
    )


def _by_keywords(
    desks: dict[str, ComplaintDesk], evidence: Evidence, among: list[str]
) -> Route | None:
    text = evidence.text.lower()
    hits = {code: _topic_hits(desks[code], text) for code in among if code in desks}
    best = max((len(found) for found in hits.values()), default=0)
    if best == 0:
        return None
    leaders = [code for code, found in hits.items() if len(found) == best]
    agency = evidence.addressed_to if evidence.addressed_to in leaders else leaders[0]
    words = ", ".join(f"'{word}'" for word in hits[agency])
    return Route(agency, RoutedBy.KEYWORDS, f"its text mentions {words}, which {agency} handles")


def _local(registry: AdapterRegistry, found: Route, evidence: Evidence) -> Route:
    """Of the routed agency's peers (instances of its kind, or of another kind offering the
    same services: East Java's office beside the others), the one whose jurisdiction covers
    the complaint."""
    chosen = registry.agency(found.agency)
    if chosen is None:
        return found
    desks = complaint_desks(registry)
    offered = {s.code for s in chosen.adapter.services}
    siblings = [
        a
        for a in registry.agencies()
        if a.code in desks
        and (a.kind == chosen.kind or offered & {s.code for s in a.adapter.services})
    ]
    for region in evidence.regions:
        scored = [
            (score, a.code)
            for a in siblings
            if (score := a.jurisdiction.specificity(region)) is not None
        ]
        if scored:
            local = max(scored)[1]
            if local == found.agency:
                return found
            return replace(
                found,
                agency=local,
                reason=f"{found.reason}; of its offices, {local} serves region {region}",
            )
    return found


def route(registry: AdapterRegistry, evidence: Evidence) -> Route | None:
    """None when nothing points to any agency and the citizen addressed none."""
    found = _route(registry, evidence)
    return _local(registry, found, evidence) if found else None


def _route(registry: AdapterRegistry, evidence: Evidence) -> Route | None:
    desks = complaint_desks(registry)
    if evidence.addressed_to is not None and evidence.addressed_to not in desks:
        kin = [a.code for a in registry.of_kind(evidence.addressed_to) if a.code in desks]
        evidence = replace(evidence, addressed_to=kin[0] if kin else evidence.addressed_to)
    if evidence.service_request is not None:
        request_id, service = evidence.service_request
        agency = _responsible(registry, service, desks)
        reason = f"it is about service request {request_id} ({service}), which {agency} handles"
        return Route(agency, RoutedBy.SERVICE_REQUEST, reason)
    if evidence.service is not None:
        agency = _responsible(registry, evidence.service, desks)
        reason = f"it is about the service {evidence.service}, which {agency} handles"
        return Route(agency, RoutedBy.SERVICE, reason)
    if evidence.category is not None:
        owners = sorted(
            {
                _responsible(registry, view.code, desks)
                for view in catalogue.services(registry, category=evidence.category).items
            }
        )
        by_words = _by_keywords(desks, evidence, owners)
        agency = by_words.agency if by_words else owners[0]
        reason = f"its category {evidence.category} is served by {agency}"
        return Route(agency, RoutedBy.CATEGORY, reason)
    by_words = _by_keywords(desks, evidence, list(desks))
    if by_words is not None:
        return by_words
    if evidence.addressed_to in desks:
        door = evidence.addressed_to
        reason = f"nothing in it points elsewhere, so {door}, where it was sent, handles it"
        return Route(str(evidence.addressed_to), RoutedBy.ADDRESSED_AGENCY, reason)
    return None
