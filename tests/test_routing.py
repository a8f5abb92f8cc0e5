"""Which agency instance serves a request: the plate rule, jurisdictions, and the router."""

import httpx
import pytest

from app.adapters.base import Capability, IdentityProvider, VehicleProvider
from app.agencies.jurisdiction import PLATE_PROVINCES, Jurisdiction, plate_regions
from app.bus.registry import AdapterRegistry, InstanceSpec, NotServed
from app.config import AgencyEndpoint
from app.schemas.identifiers import TNKB_REGION_CODES
from simulators.world import default_world


@pytest.mark.parametrize(
    ("plate", "regions"),
    [
        ("B 1526 KDX", ("3275",)),  # Kota Bekasi: West Java
        ("B 1234 FAB", ("3216",)),  # Kabupaten Bekasi: West Java
        ("B 1271 ZK", ("3276",)),  # Depok: West Java
        ("B 12 EAB", ("3276",)),
        ("B 4276 CN", ("3671",)),  # Kota Tangerang: Banten
        ("B 42 VA", ("3671",)),
        ("B 42 NA", ("3603",)),  # Kabupaten Tangerang: Banten
        ("B 42 WA", ("3674",)),  # Tangerang Selatan: Banten
        ("B 9661 SX", ("3174",)),  # Jakarta Selatan
        ("B 8030 PMK", ("3171",)),
        ("B 1", ("31", "32", "36")),  # no suffix: any of Polda Metro Jaya's provinces
        ("D 7971 ERL", ("32",)),
        ("L 9881 ZK", ("35",)),
        ("PA 1234 AB", ("91", "93", "94", "95")),  # Papua before and after the 2022 split
    ],
)
def test_a_plate_names_the_regions_that_tax_it(plate, regions):
    assert plate_regions(plate) == regions


def test_every_plate_region_code_has_a_rule():
    assert TNKB_REGION_CODES - {"B"} <= set(PLATE_PROVINCES)


def test_the_rule_agrees_with_every_vehicle_of_the_demo_world():
    """The simulated offices register each vehicle where it was registered; the gateway's rule
    must send every plate to a region covering that place."""
    for plate, vehicle in default_world().vehicles.items():
        regions = plate_regions(plate)
        assert any(
            Jurisdiction(frozenset({vehicle.regency_code[:2]})).specificity(r) is not None
            for r in regions
        ), (plate, vehicle.regency_code, regions)
        if plate.startswith("B "):
            assert regions == (vehicle.regency_code,), plate


def test_a_jurisdiction_covers_its_regencies_most_closely_itself():
    west_java = Jurisdiction(frozenset({"32"}))
    bekasi = Jurisdiction(frozenset({"3275"}))
    national = Jurisdiction()

    assert bekasi.specificity("3275") == 2
    assert west_java.specificity("3275") == 1
    assert national.specificity("3275") == 0
    assert bekasi.specificity("3276") is None
    assert west_java.specificity("31") is None


def _registry(*specs: InstanceSpec) -> AdapterRegistry:
    return AdapterRegistry.discover(specs, httpx.AsyncClient())


def _office(code: str, *regions: str, enabled: bool = True) -> InstanceSpec:
    return InstanceSpec(
        code=code,
        kind="vehicle_tax",
        endpoint=AgencyEndpoint(base_url=f"http://{code}.test", enabled=enabled),
        jurisdiction=Jurisdiction(frozenset(regions)),
    )


def test_the_closest_jurisdiction_wins_and_one_region_gives_one_instance():
    registry = _registry(
        _office("national", enabled=True),
        _office("bapenda_32", "32"),
        _office("bapenda_kota_bekasi", "3275"),
    )

    def route(*regions: str) -> list[str]:
        return [
            p.agency.code
            for p in registry.route(Capability.VEHICLE_LOOKUP, VehicleProvider, regions)
        ]

    assert route("3275") == ["bapenda_kota_bekasi"]
    assert route("3276") == ["bapenda_32"]
    assert route("51") == ["national"]
    assert route("31", "32", "36") == ["national", "bapenda_32"]


def test_a_region_no_instance_covers_is_not_served():
    registry = _registry(_office("bapenda_31", "31"), _office("bapenda_32", "32"))

    with pytest.raises(NotServed) as refused:
        registry.route(Capability.VEHICLE_LOOKUP, VehicleProvider, ("3671",))

    assert refused.value.regions == ("3671",)


def test_an_enabled_office_is_chosen_before_a_disabled_one_of_the_same_reach():
    registry = _registry(_office("old_32", "32", enabled=False), _office("new_32", "32"))

    [chosen] = registry.route(Capability.VEHICLE_LOOKUP, VehicleProvider, ("32",))

    assert chosen.agency.code == "new_32"


def test_instances_come_and_go_from_the_next_route_on():
    registry = _registry(_office("bapenda_31", "31"))
    registry.route(Capability.VEHICLE_LOOKUP, VehicleProvider, ("31",))

    registry.configure(_office("bapenda_51", "51"))
    [bali] = registry.route(Capability.VEHICLE_LOOKUP, VehicleProvider, ("51",))
    registry.remove("bapenda_51")

    assert bali.agency.code == "bapenda_51"
    with pytest.raises(NotServed):
        registry.route(Capability.VEHICLE_LOOKUP, VehicleProvider, ("51",))
    assert [
        p.agency.code for p in registry.providers(Capability.VEHICLE_LIST_BY_OWNER, VehicleProvider)
    ] == ["bapenda_31"]
    assert registry.provider(Capability.IDENTITY_LOOKUP, IdentityProvider) is None
