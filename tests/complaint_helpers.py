"""Following a complaint the way a citizen's app would: poll until it reaches a status."""

import asyncio
import time
from typing import Any

import httpx


async def file(gateway: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await gateway.post("/v1/complaints", json=body)
    assert response.status_code == 201, response.text
    filed: dict[str, Any] = response.json()
    return filed


async def wait_for_status(
    gateway: httpx.AsyncClient, complaint_id: str, status: str, timeout_s: float = 10.0
) -> dict[str, Any]:
    ends_at = time.monotonic() + timeout_s
    while True:
        body: dict[str, Any] = (await gateway.get(f"/v1/complaints/{complaint_id}")).json()
        if body["status"] == status:
            return body
        if time.monotonic() > ends_at:
            raise AssertionError(f"complaint stayed {body['status']}, wanted {status}: {body}")
        await asyncio.sleep(0.05)


def kinds(complaint: dict[str, Any]) -> list[str]:
    return [entry["kind"] for entry in complaint["history"]]
