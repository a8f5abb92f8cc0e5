"""Waiting for a service request to reach a state, the way a frontend polls for it."""

import asyncio
import time
from typing import Any

import httpx

FINAL = {"completed", "rejected", "failed", "cancelled"}


async def submit(gateway: httpx.AsyncClient, service: str, nik: str, **data: Any) -> dict[str, Any]:
    response = await gateway.post(
        "/v1/service-requests", json={"service": service, "nik": nik, "data": data}
    )
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


async def wait_for(
    gateway: httpx.AsyncClient, request_id: str, statuses: set[str], timeout_s: float = 15.0
) -> dict[str, Any]:
    ends_at = time.monotonic() + timeout_s
    while True:
        body: dict[str, Any] = (await gateway.get(f"/v1/service-requests/{request_id}")).json()
        if body["status"] in statuses:
            return body
        if body["status"] in FINAL or time.monotonic() > ends_at:
            raise AssertionError(f"request ended {body['status']}, wanted {statuses}: {body}")
        await asyncio.sleep(0.05)


def steps(body: dict[str, Any]) -> dict[str, str]:
    return {step["name"]: step["state"] for step in body["steps"]}
