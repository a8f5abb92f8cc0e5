"""Webhooks: every status change reaches the citizen's callback, signed, retried until taken."""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from app.workflows.webhooks import SIGNATURE_HEADER, sign
from simulators.stack import free_port
from tests.conftest import gateway_settings
from tests.service_request_helpers import wait_for


class Receiver:
    """A real HTTP endpoint on loopback that fails its first `failures` deliveries."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, Any], str, bytes]] = []
        self.refused = 0
        self.completed = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.refused < self.failures:
            self.refused += 1
            return web.Response(status=500)
        event = json.loads(body)
        self.received.append((event, request.headers[SIGNATURE_HEADER], body))
        if event["status"] == "completed":
            self.completed.set()
        return web.Response(status=204)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    hook = Receiver(failures=1)
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield hook, f"http://127.0.0.1:{port}/hook"
    await runner.cleanup()


@pytest.fixture
def settings(database_url):
    """The operator lets callbacks reach this machine's loopback, where the receiver runs."""
    return gateway_settings(database_url, webhook_url_allowlist=["127.0.0.1"])


async def test_status_changes_arrive_signed_and_in_order_despite_a_failure(
    gateway, settings, receiver, personas
):
    hook, url = receiver
    response = await gateway.post(
        "/v1/service-requests",
        json={
            "service": "business-registration",
            "nik": personas["nothing"].nik,
            "data": {
                "business_name": "Warung Webhook",
                "kbli": ["56102"],
                "address": {"street": "Jl. Mawar 3", "village_code": "34.71.07.1001"},
            },
            "callback_url": url,
        },
    )
    request_id = response.json()["id"]
    await wait_for(gateway, request_id, {"completed"})
    await asyncio.wait_for(hook.completed.wait(), timeout=15)

    assert hook.refused == 1
    statuses = [event["status"] for event, _, _ in hook.received]
    assert statuses == ["submitted", "in_progress", "completed"]
    assert settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    for event, signature, body in hook.received:
        assert event["request_id"] == request_id
        timestamp = int(signature.split(",")[0].removeprefix("t="))
        assert signature == sign(secret, timestamp, body)
        assert abs(time.time() - timestamp) < 60


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.2:9/hook",
        "http://169.254.169.254/latest",
        "http://u:p@example.com",
        "http://100.100.100.200/latest/meta-data",
        "http://198.18.0.1/hook",
        "http://[::ffff:127.0.0.2]/hook",
        "http://[64:ff9b::a9fe:a9fe]/hook",
        "http://93.184.215.14:0/hook",
        "http://93.184.215.14/hook#part",
    ],
)
async def test_a_callback_into_the_gateways_own_network_is_refused(gateway, personas, url):
    response = await gateway.post(
        "/v1/service-requests",
        json={
            "service": "vehicle-tax-renewal",
            "nik": personas["family"].nik,
            "data": {"plate_number": personas["family"].plates[0]},
            "callback_url": url,
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "callback_url"
