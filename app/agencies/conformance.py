"""The contract suite an adapter and its live backend must pass before they take traffic.

Every declared read capability is called with the agency's own conformance fixtures (one
identifier that exists, one that does not), the replies are validated against the canonical
models, and the error mapping is exercised: an unknown identifier must raise `AgencyNotFound`
(or give an empty list, for lists), and a reply slower than its deadline must come back as a
`timeout`. Writes are not exercised: a check must never change an agency's records.

A Python adapter serving a data product (`product:<name>`, `ProductSource`) is asked for the
records of the fixtures' NIKs when it names them; what those records must look like is the
product's declaration's to say, so their schema is checked when the declaration is applied
(`app.products.conformance`), not here.

The timeout is exercised on a second instance of the adapter whose HTTP client times out on
every request: what is checked is that the adapter lets a timeout surface as one, rather than
turning it into an empty answer or a different error.
"""

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import BaseModel

from app.adapters.base import (
    AgencyAdapter,
    AgencyNotFound,
    BusinessProvider,
    BusinessRegistrar,
    Capability,
    ComplaintDesk,
    ConformanceFixtures,
    IdentityProvider,
    IdentityVerifier,
    KbliReference,
    OwnerAddressBook,
    ProductSource,
    ResidenceRegistry,
    ServiceStandard,
    VehicleProvider,
    VehicleTaxCashier,
)
from app.bus.calls import call_agency
from app.bus.registry import AdapterRegistry, InstanceSpec
from app.http_client import refused_address
from app.schemas.business import Business, KbliEntry
from app.schemas.citizen import Family, Identity
from app.schemas.sources import SourceStatus
from app.schemas.vehicle import Vehicle

CAPABILITY_PROTOCOLS: dict[Capability, type[Any]] = {
    Capability.IDENTITY_LOOKUP: IdentityProvider,
    Capability.IDENTITY_FAMILY: IdentityProvider,
    Capability.IDENTITY_VERIFY: IdentityVerifier,
    Capability.IDENTITY_UPDATE_ADDRESS: ResidenceRegistry,
    Capability.VEHICLE_LOOKUP: VehicleProvider,
    Capability.VEHICLE_LIST_BY_OWNER: VehicleProvider,
    Capability.VEHICLE_TAX_PAYMENT: VehicleTaxCashier,
    Capability.VEHICLE_UPDATE_OWNER_ADDRESS: OwnerAddressBook,
    Capability.BUSINESS_LIST_BY_OWNER: BusinessProvider,
    Capability.BUSINESS_REGISTER: BusinessRegistrar,
    Capability.BUSINESS_UPDATE_OWNER_ADDRESS: OwnerAddressBook,
    Capability.BUSINESS_KBLI_REFERENCE: KbliReference,
    Capability.COMPLAINT_INTAKE: ComplaintDesk,
}
WRITE_CAPABILITIES = frozenset(
    {
        Capability.IDENTITY_UPDATE_ADDRESS,
        Capability.VEHICLE_TAX_PAYMENT,
        Capability.VEHICLE_UPDATE_OWNER_ADDRESS,
        Capability.BUSINESS_REGISTER,
        Capability.BUSINESS_UPDATE_OWNER_ADDRESS,
        Capability.COMPLAINT_INTAKE,
    }
)
PROBE_DEADLINE_S = 5.0
PRODUCT_PREFIX = "product:"


class CheckFailed(AssertionError):
    pass


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str
    duration_ms: int


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def _valid(model: type[BaseModel], value: Any) -> None:
    """A reply must be the canonical model and survive a round trip through its schema."""
    _require(isinstance(value, model), f"expected {model.__name__}, got {type(value).__name__}")
    model.model_validate(value.model_dump(mode="json"))


def _fixture(value: str | None, capability: Capability, name: str) -> str:
    _require(value is not None, f"{capability.value} needs conformance.{name}")
    assert value is not None
    return value


async def _not_found(call: Awaitable[Any]) -> None:
    try:
        await call
    except AgencyNotFound:
        return
    raise CheckFailed("an unknown identifier did not raise AgencyNotFound")


def _built_in(capabilities: frozenset[str]) -> list[Capability]:
    """The capabilities this suite checks; a data product's (`product:<name>`) are checked
    against its declaration's fixtures instead (`app.products`)."""
    known = {c.value: c for c in Capability}
    return sorted(known[c] for c in capabilities if c in known)


def _reads(
    adapter: Any, capability: Capability, fixtures: ConformanceFixtures
) -> list[tuple[str, Callable[[], Awaitable[None]]]]:
    """The read checks for one capability: (name, coroutine factory)."""
    if capability is Capability.IDENTITY_LOOKUP:
        nik = _fixture(fixtures.known_nik, capability, "known_nik")
        unknown = _fixture(fixtures.unknown_nik, capability, "unknown_nik")

        async def found() -> None:
            identity = await adapter.get_identity(nik)
            _valid(Identity, identity)
            _require(identity.nik == nik, "the identity is not the NIK asked for")

        return [
            ("known NIK", found),
            ("unknown NIK", lambda: _not_found(adapter.get_identity(unknown))),
        ]
    if capability is Capability.IDENTITY_FAMILY:
        nik = _fixture(fixtures.known_nik, capability, "known_nik")

        async def family() -> None:
            card = await adapter.get_family(nik)
            _valid(Family, card)
            _require(nik in {m.nik for m in card.members}, "the family card lacks the NIK")

        return [("family card", family)]
    if capability is Capability.IDENTITY_VERIFY:
        nik = _fixture(fixtures.known_nik, capability, "known_nik")

        async def wrong_name() -> None:
            match = await adapter.verify_identity(nik, "NAMA YANG PASTI SALAH")
            _require(not match.name_matches, "a wrong name was reported as matching")

        return [("wrong name does not match", wrong_name)]
    if capability is Capability.VEHICLE_LOOKUP:
        plate = _fixture(fixtures.known_plate_number, capability, "known_plate_number")
        unknown = _fixture(fixtures.unknown_plate_number, capability, "unknown_plate_number")

        async def vehicle() -> None:
            found = await adapter.get_vehicle(plate)
            _valid(Vehicle, found)
            _require(found.plate_number == plate, "the vehicle is not the plate asked for")

        return [
            ("known plate", vehicle),
            ("unknown plate", lambda: _not_found(adapter.get_vehicle(unknown))),
        ]
    if capability is Capability.VEHICLE_LIST_BY_OWNER:
        nik = _fixture(fixtures.known_nik, capability, "known_nik")

        async def vehicles() -> None:
            for item in await adapter.list_vehicles_by_owner(nik):
                _valid(Vehicle, item)

        return [("vehicles of an owner", vehicles)]
    if capability is Capability.BUSINESS_LIST_BY_OWNER:
        nik = _fixture(fixtures.known_nik, capability, "known_nik")

        async def businesses() -> None:
            page = await adapter.list_businesses_by_owner(nik, 1, 10)
            _require(page.page == 1, "page 1 was not page 1")
            for item in page.items:
                _valid(Business, item)

        return [("businesses of an owner, page 1", businesses)]
    if capability is Capability.BUSINESS_KBLI_REFERENCE:

        async def kbli() -> None:
            entries = await adapter.list_kbli()
            _require(bool(entries), "the KBLI reference list is empty")
            for entry in entries:
                _valid(KbliEntry, entry)

        return [("KBLI reference list", kbli)]
    return []


def _products(capabilities: frozenset[str]) -> list[str]:
    return sorted(c for c in capabilities if c.startswith(PRODUCT_PREFIX))


def _product_reads(
    adapter: Any, capability: str, fixtures: ConformanceFixtures
) -> list[tuple[str, Callable[[], Awaitable[None]]]]:
    """A product's records by the fixtures' NIKs: some for the known one, none (not found,
    or an empty list) for the unknown one. Without both NIKs there is nothing to ask here."""
    nik, unknown = fixtures.known_nik, fixtures.unknown_nik
    if nik is None or unknown is None:
        return []
    product = capability.removeprefix(PRODUCT_PREFIX)

    async def found() -> None:
        records = await adapter.fetch_product(product, nik)
        _require(bool(records), "the known NIK has no records")

    async def none() -> None:
        try:
            records = await adapter.fetch_product(product, unknown)
        except AgencyNotFound:
            return
        _require(records == [], "the unknown NIK has records")

    return [("records of the known NIK", found), ("unknown NIK", none)]


def _reads_or_none(
    adapter: Any, capability: Capability, fixtures: ConformanceFixtures
) -> list[tuple[str, Callable[[], Awaitable[None]]]]:
    try:
        return _reads(adapter, capability, fixtures)
    except CheckFailed:
        return []


async def _timed(name: str, check: Callable[[], Awaitable[None]]) -> CheckResult:
    started = time.perf_counter()
    try:
        await check()
    except CheckFailed as exc:
        passed, detail = False, str(exc)
    except Exception as exc:
        refusal = refused_address(exc)
        passed = False
        detail = (
            f"the gateway will not connect: {refusal}"
            if refusal
            else f"{type(exc).__name__}: {exc}"
        )
    else:
        passed, detail = True, "ok"
    return CheckResult(name, passed, detail, round((time.perf_counter() - started) * 1000))


def _contract(adapter: Any) -> Callable[[], Awaitable[None]]:
    async def check() -> None:
        _require(isinstance(adapter, AgencyAdapter), "does not satisfy AgencyAdapter")
        _require(bool(adapter.capabilities), "declares no capability")
        for capability in adapter.capabilities:
            protocol = (
                ProductSource
                if capability.startswith(PRODUCT_PREFIX)
                else CAPABILITY_PROTOCOLS.get(capability)
            )
            if protocol is None:
                raise CheckFailed(f"unknown capability {capability}")
            _require(
                isinstance(adapter, protocol),
                f"declares {capability} but lacks {protocol.__name__}",
            )
        for service in adapter.services:
            _require(isinstance(service, ServiceStandard), "a service is not a ServiceStandard")
            _require(
                bool(service.requirements and service.procedure and service.legal_basis),
                f"service {service.code} lacks requirements, procedure or legal basis",
            )

    return check


class AlwaysTimesOut(httpx.AsyncBaseTransport):
    """The transport of the probe adapter: every request times out."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("conformance probe: no reply in time", request=request)


def _timeout_mapping(
    code: str, probe_read: Callable[[], Awaitable[None]]
) -> Callable[[], Awaitable[None]]:
    async def check() -> None:
        result = await call_agency(code, "probe", probe_read, PROBE_DEADLINE_S)
        _require(
            result.status is SourceStatus.TIMEOUT,
            f"a request that timed out came back {result.status.value}, not timeout",
        )

    return check


async def run_checks(
    adapter: AgencyAdapter,
    timing_out: AgencyAdapter,
    on_result: Callable[[CheckResult], None] | None = None,
    fixtures: ConformanceFixtures | None = None,
) -> list[CheckResult]:
    """Run every check on `adapter`; `timing_out` is the same adapter over `AlwaysTimesOut`.
    `fixtures` are the instance's own (its province's plates) where the kind's defaults would
    not be on its backend. `on_result` sees each result as it finishes (for progress display)."""
    fixtures = fixtures or adapter.conformance
    plan: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("contract", _contract(adapter)),
        ("health", adapter.health),
    ]
    reads: list[tuple[str, Callable[[], Awaitable[None]]]] = []
    for capability in _built_in(adapter.capabilities):
        if capability in WRITE_CAPABILITIES:
            continue
        try:
            checks = _reads(adapter, capability, fixtures)
        except CheckFailed as exc:
            message = str(exc)

            async def missing(message: str = message) -> None:
                raise CheckFailed(message)

            checks = [("fixtures", missing)]
        reads += [(f"{capability.value}: {name}", check) for name, check in checks]
    for product in _products(adapter.capabilities):
        reads += [
            (f"{product}: {name}", c) for name, c in _product_reads(adapter, product, fixtures)
        ]
    plan += reads
    probes = [
        check
        for capability in _built_in(timing_out.capabilities - WRITE_CAPABILITIES)
        for _, check in _reads_or_none(timing_out, capability, fixtures)
    ] + [
        check
        for product in _products(timing_out.capabilities)
        for _, check in _product_reads(timing_out, product, fixtures)
    ]
    if probes:
        plan.append(("a timeout is reported as timeout", _timeout_mapping(adapter.code, probes[0])))
    results = []
    for name, check in plan:
        result = await _timed(name, check)
        results.append(result)
        if on_result:
            on_result(result)
    return results


async def check_agency(
    registry: AdapterRegistry,
    spec: InstanceSpec,
    on_result: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """The whole suite for the instance's adapter on its endpoint, before it takes traffic."""
    candidate = registry.build(spec)
    async with httpx.AsyncClient(transport=AlwaysTimesOut()) as dead_slow:
        timing_out = registry.build(spec, http=dead_slow)
        return await run_checks(
            candidate.adapter, timing_out.adapter, on_result, fixtures=candidate.fixtures
        )
