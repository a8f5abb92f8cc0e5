"""What every client sees regardless of route: ids, CORS, problems, health, the OpenAPI."""

import json
from pathlib import Path

from app.cli import render_openapi


async def test_request_id_is_echoed_or_generated(gateway):
    sent = await gateway.get("/healthz", headers={"X-Request-ID": "frontend-42"})
    generated = await gateway.get("/healthz")

    assert sent.headers["x-request-id"] == "frontend-42"
    assert len(generated.headers["x-request-id"]) == 32


async def test_request_id_appears_in_problems(gateway):
    response = await gateway.get("/v1/citizens/123", headers={"X-Request-ID": "abc-1"})

    assert response.json()["request_id"] == "abc-1"
    assert response.json()["instance"] == "/v1/citizens/123"


async def test_cors_preflight_from_a_frontend_is_allowed(gateway):
    response = await gateway.options(
        "/v1/citizens/3171074508900001",
        headers={"Origin": "https://portal.example.id", "Access-Control-Request-Method": "GET"},
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", "https://portal.example.id")


async def test_unknown_route_is_a_problem_not_html(gateway):
    response = await gateway.get("/v1/nowhere")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/not-found")


async def test_healthz_and_readyz_when_all_is_well(gateway):
    assert (await gateway.get("/healthz")).json() == {"status": "ok"}
    readiness = (await gateway.get("/readyz")).json()

    assert readiness["status"] == "ready"
    assert readiness["database"] == "up"
    assert {code: a["status"] for code, a in readiness["agencies"].items()} == {
        "civil_registry": "up",
        "vehicle_tax": "up",
        "investment_licensing": "up",
    }


async def test_readyz_is_degraded_when_an_agency_is_down(gateway, agencies):
    await agencies.set_faults("civil_registry", down=True)
    response = await gateway.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["agencies"]["civil_registry"]["status"] == "down"


async def test_readyz_is_503_when_the_database_is_gone(gateway, gateway_app):
    await gateway_app.state.engine.dispose()
    from sqlalchemy.ext.asyncio import create_async_engine

    gateway_app.state.engine = create_async_engine("sqlite+aiosqlite:////nonexistent/dir/x.db")
    response = await gateway.get("/readyz")

    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_committed_openapi_matches_the_app():
    committed = Path(__file__).parents[1] / "openapi" / "openapi.json"

    assert committed.read_text(encoding="utf-8") == render_openapi()


def test_every_operation_is_documented_with_its_errors():
    document = json.loads(render_openapi())
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            assert operation.get("description"), where
            if path.startswith("/v1/"):
                responses = operation["responses"]
                assert "422" in responses, where
                problem = responses["422"]["content"]["application/problem+json"]
                assert problem["examples"], where
                if "204" in responses:
                    assert "content" not in responses["204"], where
                    continue
                success = responses.get("200") or responses.get("201") or responses["202"]
                assert success["content"]["application/json"]["examples"], where
