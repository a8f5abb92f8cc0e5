"""`satupintu products`: an operator applies declaration files from the command line, in its
own process, and a running gateway on the same database follows through its watcher."""

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner, Result

from app.cli import cli
from app.config import get_settings
from app.main import create_app
from tests.conftest import RUN_SECRETS, client_of, gateway_settings
from tests.product_backends import API_KEY, declaration, membership_backend
from tests.socket_agencies import SocketAgencies

SECRET_REF = "TEST_BPJS_CONS_KEY"


@pytest.fixture(scope="module")
def backend() -> Iterator[str]:
    with SocketAgencies({"bpjs": membership_backend}) as started:
        yield started.urls["bpjs"]


@pytest.fixture
def environment(database_url, monkeypatch) -> Iterator[None]:
    """The operator's shell: the gateway's database and secret key, the agency URL
    allow-list, and the backend's key in the environment the declaration refers to."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SATUPINTU_SECRET_KEY", RUN_SECRETS["secret_key"].get_secret_value())
    monkeypatch.setenv("SATUPINTU_DEFAULT_AGENCIES", "false")
    monkeypatch.setenv("SATUPINTU_AGENCY_URL_ALLOWLIST", '["127.0.0.1"]')
    monkeypatch.setenv(f"SATUPINTU_AGENCY_SECRET_{SECRET_REF}", API_KEY)
    monkeypatch.setenv("USER", "wayan")  # the author when the operator names none
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
async def gateway(database_url, environment) -> AsyncIterator[FastAPI]:
    """A gateway already running when the operator applies, with its own HTTP client."""
    app = create_app(gateway_settings(database_url, agency_url_allowlist=["127.0.0.1"]))
    async with app.router.lifespan_context(app):
        yield app


def _file(tmp_path: Path, backend: str, **changes: Any) -> Path:
    body = declaration(**changes)
    body["sources"][0]["base_url"] = backend
    body["sources"][0]["auth"]["key"] = {"secret_ref": SECRET_REF}
    path = tmp_path / f"{body['name']}-{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


async def _satupintu(*args: str) -> Result:
    def run() -> Result:
        return CliRunner().invoke(cli, ["products", *args])

    return await asyncio.to_thread(run)  # the command runs its own event loop


async def _eventually(app: FastAPI, version: int | None) -> None:
    catalog = app.state.services.products
    for _ in range(200):
        product = catalog.get("health_insurance")
        if (product.version if product else None) == version:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the gateway did not pick up version {version}")


async def test_an_operator_applies_changes_rolls_back_and_removes(gateway, backend, tmp_path):
    checked = await _satupintu("check", str(_file(tmp_path, backend)))

    assert checked.exit_code == 0, checked.output
    assert "would be version 1" in checked.output
    assert "pass  bpjs_kesehatan: found key gives records" in checked.output
    assert (await _satupintu("list")).stdout == ""

    applied = await _satupintu("apply", str(_file(tmp_path, backend)), "--author", "budi")

    assert applied.exit_code == 0, applied.output
    assert "health_insurance: registered as version 1" in applied.output
    await _eventually(gateway, 1)
    async with client_of(gateway) as client:
        agency = (await client.get("/v1/agencies/bpjs_kesehatan")).json()
    assert agency["health"]["status"] == "up"

    retitled = _file(tmp_path, backend, title="JKN-KIS membership")
    updated = await _satupintu("apply", str(retitled), "--author", "budi")
    assert "updated as version 2" in updated.output
    rolled = await _satupintu("rollback", "health_insurance", "1", "--author", "sari")
    assert rolled.exit_code == 0, rolled.output
    assert "version 1 restored as version 3" in rolled.output
    await _eventually(gateway, 3)

    listed = (await _satupintu("list")).stdout
    assert listed.split()[:2] == ["health_insurance", "v3"]
    assert "operator:sari" in listed

    removed = await _satupintu("remove", "health_insurance")

    assert removed.exit_code == 0, removed.output
    await _eventually(gateway, None)
    assert gateway.state.services.bus.registry.agency("bpjs_kesehatan") is None
    async with client_of(gateway) as client:
        history = (await client.get("/v1/data-products/health_insurance/versions")).json()
    assert [(v["change"], v["author"]) for v in history["items"]] == [
        ("registered", "operator:budi"),
        ("updated", "operator:budi"),
        ("rolled_back", "operator:sari"),
        ("removed", "operator:wayan"),
    ]


async def test_a_refused_file_exits_1_naming_the_field_and_stores_nothing(
    environment, backend, tmp_path
):
    broken = declaration()
    broken["sources"][0]["base_url"] = backend
    broken["fetch"]["response"]["records"] = "peserta.[["
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    not_json = tmp_path / "not-a-declaration.json"
    not_json.write_text('{"name": "health_insurance"}', encoding="utf-8")

    result = await _satupintu("apply", str(path), str(not_json))

    assert result.exit_code == 1
    assert "fetch.response.records" in result.output
    assert "not a declaration" in result.output
    assert "title: Field required" in result.output
    assert (await _satupintu("list")).stdout == ""


async def test_a_backend_that_does_not_answer_as_declared_is_refused(
    environment, backend, tmp_path
):
    path = _file(tmp_path, backend)
    body = json.loads(path.read_text(encoding="utf-8"))
    body["fetch"]["request"]["path"] = "/anggota/{key}"
    path.write_text(json.dumps(body), encoding="utf-8")

    result = await _satupintu("apply", str(path))

    assert result.exit_code == 1
    assert "refused (conformance-failed)" in result.output
    assert "FAIL  bpjs_kesehatan: found key gives records" in result.output
