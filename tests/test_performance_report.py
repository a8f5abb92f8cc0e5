"""The performance report against a hand-computed fixture, and end to end over the simulators.

The fixture is two working weeks of November 2026 (no public holiday in it), written into
the gateway's own tables as the engine, the courier and the bus would have left them:

vehicle-tax-renewal (standard: 1 working day)
| request | submitted | deadline | outcome              | working days |
|---------|-----------|----------|----------------------|--------------|
| A       | Mon 02    | Tue 03   | completed Tue 03     | 1, in time   |
| B       | Mon 02    | Tue 03   | completed Thu 05     | 3, late      |
| C       | Wed 04    | Thu 05   | completed Wed 04     | 0, in time   |
| D       | Thu 05    | Fri 06   | rejected             |              |
| E       | Fri 06    | Mon 09   | completed Mon 09     | 1 (weekend)  |
| old     | 20 Oct    |          | completed, outside the period          |
-> 5 submitted, 4 completed, 3 in time (0.75), days 0 1 1 3: median 1.0, p90 (rank 4) 3.0.

complaints held by vehicle tax: K1 answered in time; K2 answered on Thu 12, after its
follow-up deadline Tue 10; K3 still not handed over, its verification deadline Mon 09 passed.
-> received 3, overdue 2, resolved 2.

calls to vehicle tax: ok 10, 20, 30 ms, not_found 40 ms, timeout 2000 ms, unavailable 1 ms
-> 6 calls, 4 answered, availability 4/6, latency over the answered: median 25.0, p95 40.0.
"""

import asyncio
import datetime as dt

import pytest

from app.db.models import (
    AgencyCallRecord,
    ComplaintRecord,
    RequestEventRecord,
    ServiceRequestRecord,
)
from tests.conftest import AGENCY_HOSTS, RUN_SECRETS
from tests.service_request_helpers import submit, wait_for

JAKARTA_MORNING = dt.time(3, 0, tzinfo=dt.UTC)  # 10:00 in Jakarta


def _at(day: int, month: int = 11) -> dt.datetime:
    return dt.datetime.combine(dt.date(2026, month, day), JAKARTA_MORNING)


def _request(
    name: str, service: str, submitted: dt.datetime, deadline: int, status: str, ended: int | None
) -> ServiceRequestRecord:
    events = [RequestEventRecord(at=submitted, status="submitted", message="received")]
    if ended is not None:
        events.append(
            RequestEventRecord(at=_at(ended, submitted.month), status=status, message=status)
        )
    return ServiceRequestRecord(
        id=f"fixture-{name}",
        service=service,
        nik="3174101704820001",
        client_id="fixture",
        status=status,
        data={},
        sla_deadline=dt.date(2026, submitted.month, deadline),
        submitted_at=submitted,
        updated_at=submitted,
        version=1,
        steps=[],
        events=events,
    )


def _complaint(name: str, filed: int, verification_due: int, **stages: object) -> ComplaintRecord:
    return ComplaintRecord(
        id=f"fixture-{name}",
        nik="3174101704820001",
        client_id="fixture",
        subject="Pajak kendaraan",
        description="Pajak kendaraan saya salah hitung.",
        agency="vehicle_tax",
        routed_by="keywords",
        routing_reason="fixture",
        filed_at=_at(filed),
        updated_at=_at(filed),
        verification_due=dt.date(2026, 11, verification_due),
        verified_at=_at(filed),
        attempts=0,
        next_run_at=None,
        events=[],
        **stages,
    )


@pytest.fixture
async def two_weeks(gateway_app):
    async with gateway_app.state.requests.sessions.begin() as session:
        renewal = "vehicle-tax-renewal"
        session.add_all(
            [
                _request("A", renewal, _at(2), 3, "completed", 3),
                _request("B", renewal, _at(2), 3, "completed", 5),
                _request("C", renewal, _at(4), 5, "completed", 4),
                _request("D", renewal, _at(5), 6, "rejected", 5),
                _request("E", renewal, _at(6), 9, "completed", 9),
                _request("old", renewal, _at(20, month=10), 21, "completed", 21),
                _complaint(
                    "K1", 2, 5, status="resolved", dispatched_at=_at(2),
                    follow_up_due=dt.date(2026, 11, 9), resolved_at=_at(6),
                ),
                _complaint(
                    "K2", 3, 6, status="resolved", dispatched_at=_at(3),
                    follow_up_due=dt.date(2026, 11, 10), resolved_at=_at(12),
                ),
                _complaint("K3", 4, 9, status="verified"),
                *(
                    AgencyCallRecord(
                        occurred_at=_at(4), agency="vehicle_tax", operation="vehicles",
                        status=status, latency_ms=latency,
                    )
                    for status, latency in (
                        ("ok", 10), ("ok", 20), ("ok", 30), ("not_found", 40),
                        ("timeout", 2000), ("unavailable", 1),
                    )
                ),
            ]
        )  # fmt: skip


async def test_the_report_matches_the_hand_computed_fixture(gateway, two_weeks):
    response = await gateway.get(
        "/v1/reports/performance",
        params={"agency": "vehicle_tax", "from": "2026-11-02", "to": "2026-11-13"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"] == {"start": "2026-11-02", "end": "2026-11-13"}
    [agency] = body["agencies"]
    assert agency["agency"] == "vehicle_tax"
    [renewal] = agency["services"]
    for figures in (agency, renewal):
        assert figures["submitted"] == 5
        assert figures["by_outcome"]["completed"] == 4
        assert figures["by_outcome"]["rejected"] == 1
        assert figures["completed_within_sla"] == 3
        assert figures["completed_within_sla_share"] == 0.75
        assert figures["median_completion_working_days"] == 1.0
        assert figures["p90_completion_working_days"] == 3.0
    assert renewal["standard_working_days"] == 1
    assert agency["complaints"] == {"received": 3, "overdue": 2, "resolved": 2}
    assert agency["calls"] == {
        "calls": 6,
        "answered": 4,
        "availability": pytest.approx(4 / 6),
        "median_latency_ms": 25.0,
        "p95_latency_ms": 40.0,
    }


async def test_every_agency_is_reported_and_bad_periods_are_problems(gateway):
    everyone = (await gateway.get("/v1/reports/performance")).json()
    assert [a["agency"] for a in everyone["agencies"]] == [
        "civil_registry", "investment_licensing", "vehicle_tax",
    ]  # fmt: skip

    backwards = await gateway.get(
        "/v1/reports/performance", params={"from": "2026-11-13", "to": "2026-11-02"}
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "from"
    unknown = await gateway.get("/v1/reports/performance", params={"agency": "ministry_of_magic"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "agency"


async def test_a_real_request_and_its_agency_calls_show_in_todays_report(gateway, personas):
    created = await submit(
        gateway,
        "business-registration",
        personas["nothing"].nik,
        business_name="Warung Kopi Senja",
        kbli=["56102"],
        address={"street": "Jl. Malioboro No. 5", "village_code": "34.71.07.1001"},
    )
    await wait_for(gateway, created["id"], {"completed"})
    await gateway.get(f"/v1/citizens/{personas['nothing'].nik}")

    body = (await gateway.get("/v1/reports/performance")).json()

    figures = {a["agency"]: a for a in body["agencies"]}
    licensing = figures["investment_licensing"]
    assert licensing["by_outcome"]["completed"] == 1
    assert licensing["completed_within_sla"] == 1
    assert licensing["median_completion_working_days"] == 0.0
    assert licensing["calls"]["calls"] >= 2
    assert licensing["calls"]["availability"] == 1.0
    assert figures["civil_registry"]["calls"]["calls"] >= 2


@pytest.mark.parametrize("suffix", [".png", ".html"])
async def test_the_cli_prints_the_table_and_writes_the_trend_chart(
    gateway, two_weeks, database_url, tmp_path, monkeypatch, suffix
):
    from typer.testing import CliRunner

    from app.cli import cli
    from app.config import get_settings

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SATUPINTU_SECRET_KEY", RUN_SECRETS["secret_key"].get_secret_value())
    monkeypatch.setenv("SATUPINTU_DEFAULT_AGENCIES", "false")  # the agencies of `gateway`
    for code, host in AGENCY_HOSTS.items():
        monkeypatch.setenv(f"SATUPINTU_AGENCIES__{code.upper()}__BASE_URL", host)
    get_settings.cache_clear()
    chart = tmp_path / f"trend{suffix}"

    result = await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        ["report", "--agency", "vehicle_tax", "--from", "2026-11-02", "--to", "2026-11-13",
         "--chart", str(chart)],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    get_settings.cache_clear()

    assert result.exit_code == 0, result.output
    assert "vehicle-tax-renewal" in result.output
    assert "75%" in result.output
    assert "3 (2, 2)" in result.output
    content = chart.read_bytes()
    assert content.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in content
