"""Webhooks: every status change reaches the citizen's callback, signed, retried until taken."""

import asyncio
import base64
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.config import Settings
from app.workflows.webhooks import signed_headers
from simulators.stack import free_port
from tests.conftest import gateway_settings
from tests.service_request_helpers import wait_for


class Receiver:
    """A real HTTP endpoint on loopback that fails its first `failures` deliveries."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, Any], dict[str, str], bytes]] = []
        self.refused = 0
        self.completed = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.refused < self.failures:
            self.refused += 1
            return web.Response(status=500)
        event = json.loads(body)
        self.received.append((event, dict(request.headers), body))
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
    verifier = Webhook(receiver_secret(settings))
    for event, headers, body in hook.received:
        assert verifier.verify(body, headers) == event
        assert event["request_id"] == request_id
        assert headers["webhook-id"] == str(event["event_id"])


def receiver_secret(settings: Settings) -> str:
    """What the README tells a receiver to configure: `whsec_` + base64 of the secret."""
    assert settings.webhook_secret is not None
    return whsec(settings.webhook_secret.get_secret_value().encode())


def whsec(secret: bytes) -> str:
    return "whsec_" + base64.b64encode(secret).decode()


OPERATOR_SECRET = b"a webhook secret of the operator's choosing"
SENT = b'{"event_id": 7, "status": "completed"}'


def test_a_retry_keeps_its_webhook_id_and_verifies_again() -> None:
    webhook = Webhook(OPERATOR_SECRET)
    first, retry = signed_headers(webhook, 7, SENT), signed_headers(webhook, 7, SENT)

    assert first["webhook-id"] == retry["webhook-id"] == "7"
    assert Webhook(whsec(OPERATOR_SECRET)).verify(SENT, retry) == json.loads(SENT)


@pytest.mark.parametrize(
    ("body", "age"),
    [
        (b'{"event_id": 7, "status": "cancelled"}', dt.timedelta(0)),
        (SENT, dt.timedelta(minutes=6)),
    ],
    ids=["tampered body", "six minutes old"],
)
def test_a_receiver_refuses_a_tampered_body_or_an_old_timestamp(
    body: bytes, age: dt.timedelta
) -> None:
    at = dt.datetime.now(dt.UTC) - age
    headers = {
        "webhook-id": "7",
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(OPERATOR_SECRET).sign("7", at, SENT.decode()),
    }

    with pytest.raises(WebhookVerificationError):
        Webhook(whsec(OPERATOR_SECRET)).verify(body, headers)


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
