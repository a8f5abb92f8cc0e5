"""Every province's SAMSAT office in one process, for tests and benchmarks at national scale.

Thirty-eight processes would cost thirty-eight worlds and interpreters for nothing: here each
office is the same XML-dialect app as :mod:`.app`, mounted at ``/prov/{code}`` over one
shared world, with its own register (only its province's vehicles), payment codes, journal
and fault switch (``/prov/{code}/_control/faults``), so to a gateway each is a separate
agency at its own base URL. ``SIM_PROVINCES`` restricts the offices served.
"""

from collections.abc import Callable, Iterable
from datetime import date

from starlette.applications import Starlette
from starlette.routing import Mount

from simulators.dates import reference_date
from simulators.faults import FaultSettings
from simulators.vehicle_tax.app import create_app, provinces_from_env
from simulators.world import World, default_world

#: Kemendagri province codes, including the four 2022 Papua provinces (93-96 with 91, 92).
PROVINCE_CODES: tuple[str, ...] = (
    "11",
    "12",
    "13",
    "14",
    "15",
    "16",
    "17",
    "18",
    "19",
    "21",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "51",
    "52",
    "53",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "72",
    "73",
    "74",
    "75",
    "76",
    "81",
    "82",
    "91",
    "92",
    "93",
    "94",
    "95",
    "96",
)
PREFIX = "/prov"


def create_federation(
    world: World | None = None,
    provinces: Iterable[str] | None = None,
    today: Callable[[], date] = reference_date,
    faults: Callable[[], FaultSettings] = FaultSettings.from_env,
) -> Starlette:
    """One office per province code under ``/prov/{code}``; ``faults`` makes each office's
    own settings, so switching one office down leaves the others up."""
    shared = world or default_world()
    codes = PROVINCE_CODES if provinces is None else tuple(sorted(set(provinces)))
    unknown = set(codes) - set(PROVINCE_CODES)
    if unknown:
        raise ValueError(f"not Kemendagri province codes: {sorted(unknown)}")
    routes = [
        Mount(
            f"{PREFIX}/{code}",
            app=create_app(shared, faults(), today, provinces=frozenset({code})),
        )
        for code in codes
    ]
    return Starlette(routes=routes)


app = create_federation(provinces=provinces_from_env())
