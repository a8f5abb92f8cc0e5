"""Simulators under test over one fixed world and one fixed "today", with faults off.

A fixed reference date keeps overdue/late figures stable whatever day the suite runs; the
fault settings are passed explicitly so ``SIM_*`` variables in the environment cannot leak in.
"""

from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
from fastapi import FastAPI

from simulators.civil_registry.app import create_app as civil_registry_app
from simulators.faults import FaultSettings
from simulators.investment_licensing.app import create_app as investment_licensing_app
from simulators.vehicle_tax.app import create_app as vehicle_tax_app
from simulators.world import DEFAULT_SEED, World, build_world

REFERENCE_DATE = date(2026, 11, 23)
ACCOUNT = {"USER_ID": "satupintu", "PASSWORD": "satupintu-demo", "IP_USER": "10.0.0.1"}


@pytest.fixture(scope="session")
def world() -> World:
    return build_world(DEFAULT_SEED, REFERENCE_DATE)


@pytest.fixture
def civil_app(world: World, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    monkeypatch.delenv("DUKCAPIL_USER_ID", raising=False)
    monkeypatch.delenv("DUKCAPIL_PASSWORD", raising=False)
    return civil_registry_app(world, FaultSettings())


@pytest.fixture
def vehicle_app(world: World) -> FastAPI:
    return vehicle_tax_app(world, FaultSettings(), today=lambda: REFERENCE_DATE)


@pytest.fixture
def oss_app(world: World) -> FastAPI:
    return investment_licensing_app(world, FaultSettings())


async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://agency.test") as client:
        yield client


@pytest.fixture
async def civil(civil_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(civil_app):
        yield client


@pytest.fixture
async def samsat(vehicle_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(vehicle_app):
        yield client


@pytest.fixture
async def oss(oss_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(oss_app):
        yield client
