"""Webhook delivery from the transactional outbox (the request's timeline events).

An event is written in the same transaction as the status change it reports, so none is lost.
Delivery is at least once, and in order per request: an event waits while an earlier one of
its request is undelivered, so a receiver never sees `completed` before `submitted`. A sender
takes an event by pushing its `deliver_after` forward (a short lease), POSTs it, and marks it
delivered only on a 2xx. Failures back off exponentially with jitter, and give up after
`MAX_ATTEMPTS`, recording why.

Each POST follows the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`,
`webhook-signature`) and is signed by its reference library, so a receiver verifies it with the
stock verifier of its own language rather than code of ours. The HMAC key is the UTF-8 bytes of
the gateway's webhook secret; receivers are given it as `whsec_` + base64 of those bytes. The
`webhook-id` is the event's id, the same on every retry, so receivers can drop duplicates.
"""

import asyncio
import datetime as dt
import json
import logging
import random

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased
from standardwebhooks.webhooks import Webhook

from app.db.models import RequestEventRecord, ServiceRequestRecord
from app.http_client import AgencyHttp, refused_address

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
SEND_LEASE_S = 30
BATCH = 20


def signed_headers(webhook: Webhook, event_id: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers of one delivery, stamped now: a retry carries the
    same id with a fresh timestamp, so receivers' five-minute tolerance never refuses it."""
    webhook_id = str(event_id)
    at = dt.datetime.now(dt.UTC)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": webhook.sign(webhook_id, at, body.decode()),
    }


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600.0, 2.0**attempts) * random.uniform(0.5, 1.0))


class WebhookSender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        http: AgencyHttp,
        secret: str,
        timeout_s: float = 5.0,
    ) -> None:
        self._sessions = sessions
        self._http = http
        self._webhook = Webhook(secret.encode())
        self._timeout_s = timeout_s

    async def _take_due(self) -> list[tuple[int, str, bytes]]:
        at = dt.datetime.now(dt.UTC)
        earlier = aliased(RequestEventRecord)
        earlier_pending = (
            select(earlier.id)
            .where(
                earlier.request_id == RequestEventRecord.request_id,
                earlier.id < RequestEventRecord.id,
                earlier.delivered_at.is_(None),
                earlier.deliver_after.is_not(None),
            )
            .exists()
        )
        taken = []
        async with self._sessions.begin() as session:
            rows = (
                await session.execute(
                    select(RequestEventRecord, ServiceRequestRecord.callback_url)
                    .join(ServiceRequestRecord)
                    .where(
                        RequestEventRecord.deliver_after <= at,
                        RequestEventRecord.delivered_at.is_(None),
                        ~earlier_pending,
                    )
                    .order_by(RequestEventRecord.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True, of=RequestEventRecord)
                )
            ).all()
            for event, url in rows:
                leased = await session.execute(
                    update(RequestEventRecord)
                    .where(
                        RequestEventRecord.id == event.id,
                        RequestEventRecord.deliver_after == event.deliver_after,
                    )
                    .values(deliver_after=at + dt.timedelta(seconds=SEND_LEASE_S))
                    .execution_options(synchronize_session=False)
                )
                if leased.rowcount == 1 and url:  # type: ignore[attr-defined]
                    body = json.dumps(
                        {
                            "event_id": event.id,
                            "request_id": event.request_id,
                            "status": event.status,
                            "message": event.message,
                            "at": event.at.isoformat(),
                        }
                    ).encode()
                    taken.append((event.id, url, body))
        return taken

    async def _send(self, event_id: int, url: str, body: bytes) -> str | None:
        """None when the receiver took it; otherwise why not."""
        headers = {
            "content-type": "application/json",
            **signed_headers(self._webhook, event_id, body),
        }
        try:
            async with asyncio.timeout(self._timeout_s):
                response = await self._http.post(url, content=body, headers=headers)
        except TimeoutError:
            return f"no answer within {self._timeout_s:g} s"
        except httpx.HTTPError as exc:
            if refusal := refused_address(exc):
                return f"the gateway will not connect: {refusal}"
            return f"{type(exc).__name__}: {exc}"
        return None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"

    async def deliver_due(self) -> int:
        delivered = 0
        for event_id, url, body in await self._take_due():
            error = await self._send(event_id, url, body)
            async with self._sessions.begin() as session:
                event = await session.get(RequestEventRecord, event_id)
                if event is None:
                    continue
                event.delivery_attempts += 1
                if error is None:
                    event.delivered_at = dt.datetime.now(dt.UTC)
                    event.delivery_error = None
                    delivered += 1
                elif event.delivery_attempts >= MAX_ATTEMPTS:
                    event.deliver_after = None
                    event.delivery_error = f"gave up after {MAX_ATTEMPTS} attempts: {error}"
                    log.warning("webhook for event %s abandoned: %s", event_id, error)
                else:
                    event.deliver_after = dt.datetime.now(dt.UTC) + _backoff(
                        event.delivery_attempts
                    )
                    event.delivery_error = error
        return delivered
