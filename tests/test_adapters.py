"""Each adapter's translation, against its real simulator over HTTP (ASGI transport)."""

import datetime as dt

import pytest
from pydantic import SecretStr

from app.adapters.base import (
    AdapterContext,
    AgencyAdapter,
    AgencyNotFound,
    AgencyReplyError,
    AgencyUnavailable,
    BusinessProvider,
    IdentityProvider,
    VehicleProvider,
)
from app.adapters.civil_registry import CivilRegistryAdapter
from app.adapters.investment_licensing import InvestmentLicensingAdapter
from app.adapters.vehicle_tax import VehicleTaxAdapter, rupiah
from app.bus.registry import ENTRY_POINT_GROUP, AdapterRegistry
from app.config import AgencyEndpoint
from tests.conftest import AGENCY_HOSTS, instance_specs


def _context(agencies, code, **endpoint):
    return AdapterContext(
        code=code,
        endpoint=AgencyEndpoint(base_url=AGENCY_HOSTS[code], **endpoint),
        http=agencies.http,
    )


def civil_registry(agencies, password="satupintu-demo"):
    return CivilRegistryAdapter(
        _context(agencies, "civil_registry", username="satupintu", password=SecretStr(password))
    )


async def test_civil_registry_translates_a_ktp_record(agencies, personas):
    from simulators.world import default_world

    persona = personas["family"]
    citizen = default_world().citizens[persona.nik]
    identity = await civil_registry(agencies).get_identity(persona.nik)

    assert identity.nik == persona.nik
    assert identity.full_name == citizen.name
    assert identity.date_of_birth == citizen.birth_date
    assert identity.sex.value == ("female" if int(persona.nik[6:8]) > 40 else "male")
    assert identity.address.rt == citizen.address.rt
    assert identity.address.village.code.replace(".", "").startswith(persona.nik[:6])
    assert identity.deceased is False


async def test_civil_registry_family_card_lists_every_member(agencies, personas):
    persona = personas["family"]
    family = await civil_registry(agencies).get_family(persona.nik)

    assert family.family_card_number == persona.no_kk
    assert {m.nik for m in family.members} == {persona.nik, *persona.related_niks}
    assert [m.relationship.value for m in family.members].count("head") == 1


async def test_civil_registry_not_found_comes_inside_a_200(agencies):
    with pytest.raises(AgencyNotFound):
        await civil_registry(agencies).get_identity("3171074508900999")


async def test_civil_registry_refusing_the_gateway_is_unavailable(agencies, personas):
    with pytest.raises(AgencyUnavailable, match="credentials"):
        await civil_registry(agencies, password="wrong").get_identity(personas["family"].nik)


async def test_vehicle_tax_single_plate_speaks_xml(agencies, personas):
    persona = personas["several_vehicles_overdue"]
    adapter = VehicleTaxAdapter(_context(agencies, "vehicle_tax"))
    vehicle = await adapter.get_vehicle(persona.plates[0].replace(" ", "").lower())

    assert vehicle.plate_number == persona.plates[0]
    assert vehicle.owner_nik == persona.nik
    tax = vehicle.tax
    assert tax.total == (
        tax.pkb_principal
        + tax.pkb_opsen
        + tax.pkb_penalty
        + tax.swdkllj_principal
        + tax.swdkllj_penalty
    )
    assert tax.pkb_principal == round(
        tax.sale_value * tax.weight_coefficient * tax.rate_percent / 100
    )


async def test_vehicle_tax_list_agrees_with_single_reads(agencies, personas):
    persona = personas["several_vehicles_overdue"]
    adapter = VehicleTaxAdapter(_context(agencies, "vehicle_tax"))
    listed = {v.plate_number: v for v in await adapter.list_vehicles_by_owner(persona.nik)}

    assert set(listed) == set(persona.plates)
    for plate in persona.plates:
        assert await adapter.get_vehicle(plate) == listed[plate]


async def test_vehicle_tax_unknown_plate_and_empty_owner(agencies, personas):
    adapter = VehicleTaxAdapter(_context(agencies, "vehicle_tax"))
    with pytest.raises(AgencyNotFound):
        await adapter.get_vehicle("B 1 QQQ")
    assert await adapter.list_vehicles_by_owner(personas["nothing"].nik) == []


async def test_vehicle_tax_malformed_xml_is_a_reply_error(agencies, personas):
    await agencies.set_faults("vehicle_tax", malformed=True)
    adapter = VehicleTaxAdapter(_context(agencies, "vehicle_tax"))
    with pytest.raises(AgencyReplyError):
        await adapter.get_vehicle(personas["family"].plates[0])


@pytest.mark.parametrize(
    ("text", "amount"),
    [("Rp 0", 0), ("Rp 143.000", 143000), ("Rp 3.450.000", 3450000), ("Rp1.000", 1000)],
)
def test_rupiah_strings_become_whole_rupiah(text, amount):
    assert rupiah(text) == amount


@pytest.mark.parametrize("text", ["3.450.000", "Rp 3,450,000", "Rp 3.45", "Rp -1.000", ""])
def test_loose_rupiah_strings_are_refused(text):
    with pytest.raises(ValueError, match="rupiah"):
        rupiah(text)


async def test_oss_pages_through_an_owners_businesses(agencies, personas):
    persona = personas["every_risk_business"]
    adapter = InvestmentLicensingAdapter(_context(agencies, "investment_licensing"))
    page = await adapter.list_businesses_by_owner(persona.nik, 2, 1)

    assert (page.page, page.page_size, page.total) == (2, 1, len(persona.nibs))
    assert [b.nib for b in page.items] == [persona.nibs[1]]
    assert page.items[0].registered_on <= dt.date.today() + dt.timedelta(days=1)


async def test_oss_caps_the_page_size_at_its_own_maximum(agencies, personas):
    adapter = InvestmentLicensingAdapter(_context(agencies, "investment_licensing"))
    page = await adapter.list_businesses_by_owner(personas["nothing"].nik, 1, 500)

    assert page.page_size == 50
    assert page.items == []


def test_builtin_adapters_satisfy_the_contract(agencies):
    adapters = {
        CivilRegistryAdapter: IdentityProvider,
        VehicleTaxAdapter: VehicleProvider,
        InvestmentLicensingAdapter: BusinessProvider,
    }
    for cls, capability_protocol in adapters.items():
        adapter = cls(_context(agencies, cls.code))  # type: ignore[attr-defined]
        assert isinstance(adapter, AgencyAdapter)
        assert isinstance(adapter, capability_protocol)


def test_adapters_are_found_through_entry_points(agencies):
    endpoints = {code: AgencyEndpoint(base_url=host) for code, host in AGENCY_HOSTS.items()}
    registry = AdapterRegistry.discover(instance_specs(endpoints), agencies.http)

    assert {a.code for a in registry.agencies()} == set(AGENCY_HOSTS)
    assert ENTRY_POINT_GROUP == "satupintu.adapters"


@pytest.mark.parametrize("code", list(AGENCY_HOSTS))
async def test_health_follows_the_agency(agencies, code):
    endpoints = {code: AgencyEndpoint(base_url=AGENCY_HOSTS[code])}
    [agency] = AdapterRegistry.discover(instance_specs(endpoints), agencies.http).agencies()
    await agency.adapter.health()
    await agencies.set_faults(code, down=True)
    with pytest.raises(AgencyUnavailable):
        await agency.adapter.health()
