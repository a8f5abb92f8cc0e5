"""What a declaration must say and may hold, as the admin API refuses it: its lawful basis as
UU 27/2022 names it, the kind of specific data it is, header names a request can carry, and an
own key's pattern an engine matches in linear time. And what the catalogue then shows."""

import copy
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.auth.scopes import Scope
from app.main import create_app
from tests.conftest import client_of, credentials, gateway_settings
from tests.product_backends import BACKEND, declaration, membership_backend


@pytest.fixture
async def app(database_url) -> AsyncIterator[FastAPI]:
    async with httpx.AsyncClient(
        mounts={BACKEND: httpx.ASGITransport(app=membership_backend())}
    ) as http:
        settings = gateway_settings(database_url, agency_url_allowlist=[httpx.URL(BACKEND).host])
        gateway = create_app(settings, http_client=http)
        async with gateway.router.lifespan_context(gateway):
            yield gateway


def _without_basis(body: dict[str, Any]) -> None:
    del body["processing_basis"]


def _basis_not_in_the_law(body: dict[str, Any]) -> None:
    body["processing_basis"] = "because the agency wants to"


def _specific_without_category(body: dict[str, Any]) -> None:
    del body["specific_category"]


def _general_with_category(body: dict[str, Any]) -> None:
    body["classification"] = "general"


def _header_name_with_a_line_break(body: dict[str, Any]) -> None:
    body["fetch"]["request"]["headers"] = {"X Bad\nName": "1"}


def _header_name_with_a_colon(body: dict[str, Any]) -> None:
    body["fetch"]["health"]["headers"] = {"X-Probe: 1\r\nX-Other": "1"}


def _key_pattern_with_a_backreference(body: dict[str, Any]) -> None:
    body["key"] = {"kind": "own", "name": "card_number", "pattern": r"^([0-9])\1{12}$"}
    body["subject"] = "nik"


def _key_pattern_with_lookahead(body: dict[str, Any]) -> None:
    body["key"] = {"kind": "own", "name": "card_number", "pattern": r"^(?=[0-9]{13}$)0+[1-9]+$"}
    body["subject"] = "nik"


@pytest.mark.parametrize(
    ("spoil", "field"),
    [
        (_without_basis, "processing_basis"),
        (_basis_not_in_the_law, "processing_basis"),
        (_specific_without_category, "specific_category"),
        (_general_with_category, "specific_category"),
        (_header_name_with_a_line_break, "fetch.request.headers"),
        (_header_name_with_a_colon, "fetch.health.headers"),
        (_key_pattern_with_a_backreference, "key.pattern"),
        (_key_pattern_with_lookahead, "key.pattern"),
    ],
)
async def test_a_declaration_the_rules_refuse_is_422_naming_the_field(
    admin, spoil: Callable[[dict[str, Any]], None], field: str
):
    body = copy.deepcopy(declaration())
    spoil(body)

    response = await admin.put("/v1/data-products/health_insurance", json=body)

    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["errors"]}, response.text
    assert (await admin.get("/v1/data-products")).json()["items"] == []


async def test_a_pattern_that_only_backtracks_elsewhere_passes_to_the_live_checks(admin):
    """RE2 matches `^(a|aa)+$` in linear time, so it is no reason to refuse: the declaration
    goes on to conformance (where this backend's records, which name no citizen, fail)."""
    body = declaration(
        key={"kind": "own", "name": "card_number", "pattern": "^(a|aa)+$"}, subject="nik"
    )

    response = await admin.put("/v1/data-products/health_insurance?dry_run=true", json=body)

    assert response.status_code == 422
    assert response.json()["type"].endswith("/conformance-failed")
    assert "errors" not in response.json()


async def test_the_catalogue_shows_the_classification_category_and_lawful_basis(app, admin):
    registered = await admin.put("/v1/data-products/health_insurance", json=declaration())
    reader = await credentials(app, [Scope.IDENTITY_READ], name="portal reader")
    async with client_of(app, reader) as client:
        catalogue = await client.get("/v1/data-products")

    assert registered.status_code == 201, registered.text
    [product] = catalogue.json()["items"]
    assert product["classification"] == "specific"
    assert product["specific_category"] == "health"
    assert product["processing_basis"] == "public_task"
    assert product["legal_basis"] == ["UU 24/2011 tentang BPJS"]
