"""East Java's adapter against East Java's simulator over HTTP (ASGI transport).

Self-contained: the simulators are built here over one fixed world and day, so the figures
are the hand-computed ones of tests/simulators/test_federated.py.
"""

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from app.adapters.base import (
    AdapterContext,
    AgencyAdapter,
    AgencyNotFound,
    AgencyRefusedInput,
    AgencyRejected,
    AgencyReplyError,
    AgencyUnavailable,
    Capability,
    ComplaintFiling,
    NewAddress,
    VehicleProvider,
)
from app.adapters.samsat_jatim import SamsatJatimAdapter
from app.adapters.vehicle_tax import VehicleTaxAdapter
from app.config import AgencyEndpoint
from app.schemas.vehicle import TaxStatus
from simulators.faults import FaultSettings
from simulators.samsat_jatim.app import create_app as jatim_app
from simulators.vehicle_tax.app import create_app as office_app
from simulators.world import DEFAULT_SEED, World, build_world

TODAY = dt.date(2026, 11, 23)
JATIM = "http://samsat-jatim.test"
JATIM_XML = "http://samsat-jatim-xml.test"
JABAR_JSON = "http://samsat-jabar-json.test"
JABAR_XML = "http://samsat-jabar-xml.test"


@dataclass
class Offices:
    world: World
    http: httpx.AsyncClient

    def adapter(self, base_url: str = JATIM) -> SamsatJatimAdapter:
        return SamsatJatimAdapter(self.context("samsat_jatim", base_url))

    def xml_adapter(self, base_url: str) -> VehicleTaxAdapter:
        return VehicleTaxAdapter(self.context("vehicle_tax", base_url))

    def context(self, code: str, base_url: str) -> AdapterContext:
        return AdapterContext(code=code, endpoint=AgencyEndpoint(base_url=base_url), http=self.http)

    async def faults(self, **faults: object) -> None:
        (await self.http.put(f"{JATIM}/_control/faults", json=faults)).raise_for_status()


@pytest.fixture
async def offices(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Offices]:
    # The adapters judge lateness against their own today; pin it to the simulators' day.
    monkeypatch.setattr(SamsatJatimAdapter, "_today", staticmethod(lambda: TODAY))
    monkeypatch.setattr(VehicleTaxAdapter, "_today", staticmethod(lambda: TODAY))
    world = build_world(DEFAULT_SEED, TODAY)

    def today() -> dt.date:
        return TODAY

    apps = {
        JATIM: jatim_app(world, FaultSettings(), today),
        JATIM_XML: office_app(world, FaultSettings(), today, provinces=frozenset({"35"})),
        # East Java's system at West Java's reach: the years of an arrear in this dialect.
        JABAR_JSON: jatim_app(world, FaultSettings(), today, provinces=frozenset({"32"})),
        JABAR_XML: office_app(world, FaultSettings(), today, provinces=frozenset({"32"})),
    }
    mounts = {url: httpx.ASGITransport(app=app) for url, app in apps.items()}
    async with httpx.AsyncClient(mounts=mounts) as http:
        yield Offices(world, http)


async def test_the_adapter_satisfies_the_contract(offices: Offices) -> None:
    adapter = offices.adapter()
    assert isinstance(adapter, AgencyAdapter)
    assert isinstance(adapter, VehicleProvider)
    assert adapter.code == "samsat_jatim"
    assert adapter.capabilities >= {
        Capability.VEHICLE_LOOKUP,
        Capability.VEHICLE_LIST_BY_OWNER,
        Capability.VEHICLE_TAX_PAYMENT,
        Capability.VEHICLE_UPDATE_OWNER_ADDRESS,
        Capability.COMPLAINT_INTAKE,
    }
    assert [s.code for s in adapter.services] == ["vehicle-tax-renewal"]


async def test_conformance_fixtures_hold(offices: Offices) -> None:
    adapter = offices.adapter()
    fixtures = adapter.conformance
    assert fixtures.known_plate_number is not None
    assert fixtures.unknown_plate_number is not None
    assert fixtures.known_nik is not None
    assert (await adapter.get_vehicle(fixtures.known_plate_number)).owner_nik == (
        fixtures.known_nik
    )
    with pytest.raises(AgencyNotFound):
        await adapter.get_vehicle(fixtures.unknown_plate_number)
    assert await adapter.list_vehicles_by_owner(fixtures.known_nik) != []
    assert await adapter.list_vehicles_by_owner(str(fixtures.unknown_nik)) == []


async def test_one_vehicle_in_both_dialects_is_one_canonical_vehicle(offices: Offices) -> None:
    # 1.2 % of 135,000,000 = 1,620,000; opsen 1,069,200; one month late 26,892;
    # SWDKLLJ 143,000 + 100,000: 2,959,092 (see tests/simulators/test_federated.py).
    plate = offices.world.personas["two_provinces"].plates[1]
    vehicle = await offices.adapter().get_vehicle(plate.lower().replace(" ", ""))
    tax = vehicle.tax
    assert (tax.status, tax.months_overdue, tax.due_date) == (
        TaxStatus.OVERDUE,
        1,
        dt.date(2026, 10, 29),
    )
    assert (tax.pkb_principal, tax.pkb_opsen, tax.pkb_penalty, tax.total) == (
        1_620_000,
        1_069_200,
        26_892,
        2_959_092,
    )
    assert [year.total for year in tax.years] == [2_959_092]
    assert vehicle == await offices.xml_adapter(JATIM_XML).get_vehicle(plate)


async def test_two_years_owed_read_the_same_in_both_dialects(offices: Offices) -> None:
    plate = offices.world.personas["multi_year_arrears"].plates[0]
    in_json = await offices.adapter(JABAR_JSON).get_vehicle(plate)
    in_xml = await offices.xml_adapter(JABAR_XML).get_vehicle(plate)
    assert in_json == in_xml
    years = in_json.tax.years
    assert [(y.due_date.year, y.months_late, y.pkb_penalty, y.total) for y in years] == [
        (2025, 17, 410_883, 3_070_843),
        (2026, 5, 120_848, 2_780_808),
    ]
    assert (in_json.tax.months_overdue, in_json.tax.total) == (17, 5_851_651)
    assert sum(y.total for y in years) == in_json.tax.total


async def test_not_found_and_refused_input(offices: Offices) -> None:
    adapter = offices.adapter()
    with pytest.raises(AgencyNotFound):
        await adapter.get_vehicle(offices.world.personas["two_provinces"].plates[0])
    with pytest.raises(AgencyRefusedInput):
        await adapter.get_vehicle("12-34")
    with pytest.raises(AgencyRefusedInput):
        await adapter.list_vehicles_by_owner("123")


async def test_list_holds_only_east_java_vehicles(offices: Offices) -> None:
    mover = offices.world.personas["two_provinces"]
    listed = await offices.adapter().list_vehicles_by_owner(mover.nik)
    assert [v.plate_number for v in listed] == [mover.plates[1]]


async def test_renewal_payment_and_its_replays(offices: Offices) -> None:
    adapter = offices.adapter()
    mover = offices.world.personas["two_provinces"]
    plate = mover.plates[1]
    with pytest.raises(AgencyRejected, match="not registered to this NIK"):
        await adapter.issue_payment_code(plate, "3578010101900999", "w-0")
    code = await adapter.issue_payment_code(plate, mover.nik, "w-1")
    assert code.amount == 2_959_092
    assert code.owner_name == mover.name
    assert code.valid_until == dt.datetime(2026, 11, 24, 23, 59, 59, tzinfo=code.valid_until.tzinfo)
    assert code.valid_until.utcoffset() == dt.timedelta(hours=7)
    with pytest.raises(AgencyRejected, match="does not match"):
        await adapter.pay(code.code, code.amount - 1, "w-2")
    receipt = await adapter.pay(code.code, code.amount, "w-3")
    assert (receipt.plate_number, receipt.amount, receipt.next_due_date) == (
        plate,
        2_959_092,
        dt.date(2027, 10, 29),
    )
    assert await adapter.pay(code.code, code.amount, "w-4") == receipt
    with pytest.raises(AgencyRejected, match="already paid"):
        await adapter.void_payment_code(code.code, "w-5")
    with pytest.raises(AgencyRejected, match="already paid"):
        await adapter.issue_payment_code(plate, mover.nik, "w-6")


async def test_void_then_pay_is_rejected(offices: Offices) -> None:
    adapter = offices.adapter()
    mover = offices.world.personas["two_provinces"]
    code = await adapter.issue_payment_code(mover.plates[1], mover.nik, "v-1")
    await adapter.void_payment_code(code.code, "v-2")
    with pytest.raises(AgencyRejected, match="voided"):
        await adapter.pay(code.code, code.amount, "v-3")
    with pytest.raises(AgencyRejected, match="does not know"):
        await adapter.pay("0000", 1, "v-4")


async def test_owner_address_and_complaints(offices: Offices) -> None:
    adapter = offices.adapter()
    mover = offices.world.personas["two_provinces"]
    moved = await adapter.update_owner_address(
        mover.nik, NewAddress("Jl. Kramat Raya 5", "1", "2", "31.71.03.1001"), "a-1"
    )
    assert moved == 1
    assert (await adapter.get_vehicle(mover.plates[1])).owner_name == mover.name
    with pytest.raises(AgencyRejected):
        await adapter.update_owner_address(
            mover.nik, NewAddress("Jl. X", "1", "2", "99.99.99.9999"), "a-2"
        )

    await offices.faults(complaint_answer_seconds=0)
    ticket = await adapter.file_complaint(
        ComplaintFiling(mover.nik, "Notice", "Belum terbit", "vehicle-tax-renewal", None), "c-1"
    )
    progress = await adapter.complaint_progress(ticket)
    assert progress.answered
    assert progress.answer is not None
    assert progress.answered_at is not None
    with pytest.raises(AgencyNotFound):
        await adapter.complaint_progress("JATIM-ADU-NOPE")


async def test_health_and_broken_replies(offices: Offices) -> None:
    adapter = offices.adapter()
    await adapter.health()
    await offices.faults(down=True)
    with pytest.raises(AgencyUnavailable):
        await adapter.health()
    with pytest.raises(AgencyUnavailable):
        await adapter.get_vehicle("L 1 A")
    await offices.faults(down=False, malformed=True)
    with pytest.raises(AgencyReplyError):
        await adapter.get_vehicle(offices.world.personas["deceased"].plates[0])
    await offices.faults(malformed=False, wrong_schema=True)
    with pytest.raises(AgencyReplyError):
        await adapter.list_vehicles_by_owner(offices.world.personas["deceased"].nik)
    await offices.faults(wrong_schema=False, error_rate=1.0)
    with pytest.raises(AgencyReplyError):
        await adapter.health()
