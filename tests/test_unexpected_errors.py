"""A fault in the gateway itself still answers like every other error: a problem with the
request id, CORS and security headers, logged once under that id, with no SQL parameter."""

import json
import sqlite3

from sqlalchemy import text
from sqlalchemy.exc import DataError

from app.services import complaints

SECRET = "rahasia-keluhan-7f3a91"


async def test_a_database_fault_is_a_problem_with_every_header_logged_once(
    gateway, gateway_app, personas, captured_logs, monkeypatch
):
    async def failing_submit(complaints_, caller, body, idempotency_key):
        async with complaints_.sessions() as session:
            await session.execute(
                text("SELECT id FROM no_such_table WHERE description = :description"),
                {"description": body.description},
            )

    monkeypatch.setattr(complaints, "submit", failing_submit)
    response = await gateway.post(
        "/v1/complaints",
        json={
            "nik": personas["several_vehicles_overdue"].nik,
            "subject": "Kode bayar tidak terbit",
            "description": f"Keluhan rahasia: {SECRET}",
        },
        headers={"Origin": "https://portal.example.id", "X-Request-ID": "fault-1"},
    )

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/internal-error")
    assert problem["request_id"] == "fault-1"
    assert response.headers["x-request-id"] == "fault-1"
    assert response.headers["access-control-allow-origin"] in ("*", "https://portal.example.id")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"]
    assert response.headers["strict-transport-security"]

    lines = [json.loads(line) for line in captured_logs.read_text().splitlines() if line]
    about_it = [line for line in lines if line.get("request_id") == "fault-1"]
    errors = [line for line in about_it if line["level"] == "ERROR"]
    assert len(errors) == 1, errors
    assert "no_such_table" in errors[0]["exc_info"]
    assert SECRET not in captured_logs.read_text()


async def test_a_driver_message_quoting_a_parameter_stays_out_of_the_log(
    gateway, personas, captured_logs, monkeypatch
):
    """asyncpg quotes the value it could not bind ("invalid input for query argument $1:
    '...'") whatever `hide_parameters` says; on SQLite, where no such error exists, the same
    shape is raised by hand."""

    async def failing_submit(complaints_, caller, body, idempotency_key):
        async with complaints_.sessions() as session:
            if session.bind.dialect.name == "postgresql":
                await session.execute(text("SELECT CAST(:d AS integer)"), {"d": body.description})
            quoted = sqlite3.DataError(f"invalid input for query argument $1: {body.description!r}")
            raise DataError("SELECT CAST(? AS integer)", None, quoted, hide_parameters=True)

    monkeypatch.setattr(complaints, "submit", failing_submit)
    response = await gateway.post(
        "/v1/complaints",
        json={
            "nik": personas["several_vehicles_overdue"].nik,
            "subject": "Kode bayar tidak terbit",
            "description": f"Keluhan rahasia: {SECRET}",
        },
        headers={"X-Request-ID": "fault-2"},
    )

    assert response.status_code == 500
    lines = [json.loads(line) for line in captured_logs.read_text().splitlines() if line]
    errors = [e for e in lines if e.get("request_id") == "fault-2" and e["level"] == "ERROR"]
    assert len(errors) == 1, errors
    assert "CAST" in errors[0]["exc_info"]
    assert SECRET not in captured_logs.read_text()
