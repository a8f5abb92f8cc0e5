"""Reads about one citizen: the combined profile and the single-agency lists.

The profile asks every agency at once and waits for each only as long as its own deadline and
the request's budget allow, so the answer takes about as long as the slowest agency, and a
slow or broken agency costs its own part, never the others'. The data products keyed by NIK
are parts like the built-in ones, each asked of all its sources at the same time.
"""

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, TypeVar

from app.adapters.base import (
    BusinessPage,
    BusinessProvider,
    Capability,
    IdentityProvider,
    ProductSource,
    VehicleProvider,
)
from app.bus.bus import Bus
from app.bus.calls import CallResult, Deadline
from app.problems import ProblemKind
from app.products.catalog import DataProduct
from app.products.declaration import Cardinality, Classification
from app.schemas.business import Business
from app.schemas.citizen import Family
from app.schemas.responses import CitizenBusinesses, CitizenProfile, CitizenVehicles, ProfilePart
from app.schemas.sources import SourceStatus
from app.schemas.vehicle import Vehicle
from app.services.context import Caller, Services
from app.services.outcomes import all_ok, combine_sources, most_telling
from app.services.reads import fail_read, record_read, refuse_other_citizen
from app.services.release import (
    asked_parts,
    minimise_identity,
    part_scopes,
    released_parts,
    withheld_parts,
)

PROFILE_PAGE_SIZE = 50

Item = TypeVar("Item")


def merged(lists: list[list[Item]]) -> list[Item] | None:
    """One list from every instance that answered (a citizen's vehicles in two provinces);
    None when none did, so a part nobody could give is told apart from an empty one."""
    if not lists:
        return None
    return [item for each in lists for item in each]


def merged_vehicles(lists: list[list[Vehicle]]) -> list[Vehicle] | None:
    """As `merged`, once per plate: a plate is unique in the country, and where jurisdictions
    overlap (a national instance beside a provincial one) both may hold the same vehicle."""
    every = merged(lists)
    if every is None:
        return None
    first: dict[str, Vehicle] = {}
    for vehicle in every:
        first.setdefault(vehicle.plate_number, vehicle)
    return list(first.values())


async def _every_business(provider: BusinessProvider, nik: str) -> list[Business]:
    """All pages of an owner's businesses: the first page says how many more to fetch at once."""
    first = await provider.list_businesses_by_owner(nik, 1, PROFILE_PAGE_SIZE)
    rest = await asyncio.gather(
        *(
            provider.list_businesses_by_owner(nik, page, PROFILE_PAGE_SIZE)
            for page in range(2, first.total_pages + 1)
        )
    )
    return [business for page in (first, *rest) for business in page.items]


def _declared_part(
    bus: Bus, product: DataProduct, nik: str, deadline: Deadline, client: str
) -> Coroutine[Any, Any, list[CallResult[Any]]]:
    """Every source of a data product at once: like vehicles, a NIK decides no jurisdiction."""
    name = product.name
    return bus.call_each(
        product.capability,
        ProductSource,
        name,
        lambda p: p.fetch_product(name, nik),
        deadline,
        client=client,
    )


def _declared_value(product: DataProduct, calls: list[CallResult[Any]]) -> Any:
    """A `many` product's lists merged (empty when every source that answered holds none),
    a `one` product's record from the first source that has it; None when no source could
    answer."""
    found = [c.value for c in calls if c.status is SourceStatus.OK]
    if product.declaration.cardinality is Cardinality.ONE:
        return next(iter(found), None)
    if not found and not any(c.status is SourceStatus.NOT_FOUND for c in calls):
        return None
    return [record for records in found for record in records or ()]


def _answered(call: CallResult[Any], declared: Mapping[str, DataProduct]) -> bool:
    """A data product's source that holds nothing for the citizen has answered: the part is
    complete, the citizen is simply not in it (no membership)."""
    return call.status is SourceStatus.OK or (
        call.part in declared and call.status is SourceStatus.NOT_FOUND
    )


def _specific(declared: Mapping[str, DataProduct]) -> frozenset[str]:
    """Products of specific personal data (UU 27/2022 Pasal 4(2): health, biometric, ...):
    part of a profile only when the client names them in `include`, so a client that asks for
    "everything it may see" is not sent a citizen's health or financial data it did not ask
    for (data minimisation)."""
    return frozenset(
        name
        for name, product in declared.items()
        if product.declaration.classification is Classification.SPECIFIC
    )


async def get_profile(
    services: Services, caller: Caller, nik: str, include: list[str] | None
) -> CitizenProfile:
    """`include` as the client sent it; none means every part the caller may see, except
    specific personal data, which only comes by name."""
    started = time.perf_counter()
    every = {p.name: p for p in services.products.products()}
    declared = {name: p for name, p in every.items() if p.keyed_by_nik}
    asked = asked_parts(include, every)
    refuse_other_citizen(caller, nik, operation="citizen.profile", started=started)
    scopes = part_scopes(declared.values())
    parts = released_parts(caller, asked, scopes)
    if asked is None:
        parts -= _specific(declared)
    bus, deadline = services.bus, Deadline(services.request_deadline_ms)

    identity_task = asyncio.create_task(
        bus.call(
            Capability.IDENTITY_LOOKUP,
            IdentityProvider,
            "identity",
            lambda p: p.get_identity(nik),
            deadline,
            client=caller.client_id,
        )
    )
    optional: dict[str, Callable[[], Coroutine[Any, Any, list[CallResult[Any]]]]] = {
        ProfilePart.FAMILY: lambda: bus.call_each(
            Capability.IDENTITY_FAMILY,
            IdentityProvider,
            "family",
            lambda p: p.get_family(nik),
            deadline,
            client=caller.client_id,
        ),
        ProfilePart.VEHICLES: lambda: bus.call_each(
            Capability.VEHICLE_LIST_BY_OWNER,
            VehicleProvider,
            "vehicles",
            lambda p: p.list_vehicles_by_owner(nik),
            deadline,
            client=caller.client_id,
        ),
        ProfilePart.BUSINESSES: lambda: bus.call_each(
            Capability.BUSINESS_LIST_BY_OWNER,
            BusinessProvider,
            "businesses",
            lambda p: _every_business(p, nik),
            deadline,
            client=caller.client_id,
        ),
    }
    tasks = {
        part: asyncio.create_task(start()) for part, start in optional.items() if part in parts
    }
    tasks |= {
        name: asyncio.create_task(_declared_part(bus, product, nik, deadline, caller.client_id))
        for name, product in declared.items()
        if name in parts
    }

    identity = await identity_task
    if identity.status is not SourceStatus.OK or identity.value is None:
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        raise await fail_read(
            services,
            caller,
            "citizen.profile",
            started,
            identity,
            [identity],
            ProblemKind.CITIZEN_NOT_FOUND,
            subject_nik=nik,
        )

    results: dict[str, list[CallResult[Any]]] = dict(
        zip(tasks, await asyncio.gather(*tasks.values()), strict=True)
    )
    calls: list[CallResult[Any]] = [identity, *(c for each in results.values() for c in each)]
    complete = all(_answered(call, declared) for call in calls)

    def answered(part: str) -> list[Any]:
        return [c.value for c in results.get(part, ()) if c.status is SourceStatus.OK]

    family: Family | None = next(iter(answered(ProfilePart.FAMILY)), None)
    vehicles = merged_vehicles(answered(ProfilePart.VEHICLES))
    businesses = merged(answered(ProfilePart.BUSINESSES))
    products = {
        name: _declared_value(product, results[name]) if name in results else None
        for name, product in declared.items()
    }
    person, withheld_fields = minimise_identity(caller, identity.value)
    released = ["identity", *(str(part) for part in results if answered(part))]
    if not withheld_fields:
        released.append("identity.full")
    profile = CitizenProfile(
        nik=nik,
        identity=person,
        family=family,
        vehicles=vehicles,
        businesses=businesses,
        sources=combine_sources(calls),
        complete=complete,
        withheld=[*withheld_parts(caller, scopes), *withheld_fields],
        retrieved_at=dt.datetime.now(dt.UTC),
        **products,
    )
    await record_read(
        services,
        caller,
        "citizen.profile",
        started,
        calls,
        200,
        "complete" if complete else "partial",
        released=released,
        subject_nik=nik,
    )
    return profile


async def list_vehicles(services: Services, caller: Caller, nik: str) -> CitizenVehicles:
    """Every tax office at once; the offices that answered give the list, and only when none
    could is it a problem (the most telling office's failure)."""
    started = time.perf_counter()
    refuse_other_citizen(caller, nik, operation="citizen.vehicles", started=started)
    calls = await services.bus.call_each(
        Capability.VEHICLE_LIST_BY_OWNER,
        VehicleProvider,
        "vehicles",
        lambda p: p.list_vehicles_by_owner(nik),
        Deadline(services.request_deadline_ms),
        client=caller.client_id,
    )
    items = merged_vehicles(
        [c.value for c in calls if c.status is SourceStatus.OK and c.value is not None]
    )
    if items is None:
        raise await fail_read(
            services,
            caller,
            "citizen.vehicles",
            started,
            most_telling(calls),
            calls,
            ProblemKind.CITIZEN_NOT_FOUND,
            subject_nik=nik,
        )
    complete = all_ok(calls)
    await record_read(
        services,
        caller,
        "citizen.vehicles",
        started,
        calls,
        200,
        "complete" if complete else "partial",
        released=["vehicles"],
        subject_nik=nik,
    )
    return CitizenVehicles(nik=nik, items=items, sources=combine_sources(calls), complete=complete)


async def list_businesses(
    services: Services, caller: Caller, nik: str, page: int, page_size: int
) -> CitizenBusinesses:
    started = time.perf_counter()
    refuse_other_citizen(caller, nik, operation="citizen.businesses", started=started)
    call: CallResult[BusinessPage] = await services.bus.call(
        Capability.BUSINESS_LIST_BY_OWNER,
        BusinessProvider,
        "businesses",
        lambda p: p.list_businesses_by_owner(nik, page, page_size),
        Deadline(services.request_deadline_ms),
        client=caller.client_id,
    )
    if call.status is not SourceStatus.OK or call.value is None:
        raise await fail_read(
            services,
            caller,
            "citizen.businesses",
            started,
            call,
            [call],
            ProblemKind.CITIZEN_NOT_FOUND,
            subject_nik=nik,
        )
    await record_read(
        services,
        caller,
        "citizen.businesses",
        started,
        [call],
        200,
        "complete",
        released=["businesses"],
        subject_nik=nik,
    )
    result = call.value
    return CitizenBusinesses(
        nik=nik,
        items=result.items,
        page=result.page,
        page_size=result.page_size,
        total=result.total,
        total_pages=result.total_pages,
        source=call.report(),
    )
