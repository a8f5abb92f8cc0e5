"""The courier: hands verified complaints to the agency responsible (disposisi) through its
adapter, then asks that agency for its answer until it gives one.

It runs beside the service-request worker, in the gateway or in `satupintu worker`, and claims
complaints the same way, under a lease (`app.workflows.polling`). The handover carries the
complaint's id as its reference, so an agency asked twice files it once. An agency that is
down only delays a complaint: it is tried again with backoff and never dropped, because a
complaint must reach the responsible agency.
"""

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.adapters.base import Capability, ComplaintDesk, ComplaintFiling, ComplaintProgress
from app.bus.calls import CallResult, call_agency
from app.bus.registry import AdapterRegistry
from app.complaints import deadlines
from app.db.models import ComplaintRecord
from app.schemas.complaints import ComplaintStatus, HistoryKind
from app.schemas.sources import SourceStatus
from app.services.agency_calls import AgencyCallLog
from app.services.complaints import add_history, now
from app.workflows.engine import retry_delay
from app.workflows.polling import Poller, claim_due

log = logging.getLogger(__name__)


class ComplaintCourier(Poller):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        registry: AdapterRegistry,
        call_log: AgencyCallLog,
        courier_id: str,
        lease_s: float = 30.0,
        poll_interval_s: float = 0.5,
        recheck_s: float = 5.0,
        retry_base_s: float = 1.0,
    ) -> None:
        super().__init__(f"complaints-{courier_id}", poll_interval_s)
        self._sessions = sessions
        self._registry = registry
        self._call_log = call_log
        self.courier_id = courier_id
        self._lease_s = lease_s
        self._recheck_s = recheck_s
        self._retry_base_s = retry_base_s

    async def claim(self) -> list[str]:
        return await claim_due(
            self._sessions, ComplaintRecord, self.courier_id, self._lease_s, now()
        )

    async def run_once(self) -> int:
        """Claim what is due and advance it. Returns how many complaints were advanced."""
        claimed = await self.claim()
        await asyncio.gather(*(self._advance(complaint_id) for complaint_id in claimed))
        return len(claimed)

    def _desk(self, code: str) -> tuple[ComplaintDesk, float] | str:
        """The agency's complaint desk and its timeout, or why it cannot be reached now."""
        agency = self._registry.agency(code)
        if agency is None or not agency.endpoint.enabled:
            return f"{code} is not enabled on the bus"
        adapter = agency.adapter
        if Capability.COMPLAINT_INTAKE not in adapter.capabilities or not isinstance(
            adapter, ComplaintDesk
        ):
            return f"{code} takes no complaints through the gateway"
        return adapter, agency.endpoint.timeout_ms / 1000

    async def _call(
        self, agency: str, operation: str, call: Callable[[], Awaitable[Any]], timeout_s: float
    ) -> CallResult[Any]:
        result = await call_agency(agency, operation, call, timeout_s)
        self._call_log.record(agency, operation, result.status, result.latency_ms)
        return result

    async def _advance(self, complaint_id: str) -> None:
        try:
            async with self._sessions() as session:
                complaint = await session.get(ComplaintRecord, complaint_id)
                if complaint is None or complaint.lease_owner != self.courier_id:
                    return
                status, agency = ComplaintStatus(complaint.status), complaint.agency
                ticket = complaint.agency_reference
                filing = ComplaintFiling(
                    nik=complaint.nik,
                    subject=complaint.subject,
                    description=complaint.description,
                    service=complaint.service,
                    received_by=complaint.addressed_to
                    if complaint.addressed_to != agency
                    else None,
                )
            desk = self._desk(agency)
            if isinstance(desk, str):
                await self._record(complaint_id, lambda c: self._retry(c, desk))
                return
            adapter, timeout_s = desk
            if status is ComplaintStatus.VERIFIED:
                result = await self._call(
                    agency,
                    "complaint.file",
                    lambda: adapter.file_complaint(filing, complaint_id),
                    timeout_s,
                )
                await self._record(complaint_id, lambda c: self._handed_over(c, result))
            elif status is ComplaintStatus.DISPATCHED and ticket is not None:
                progress = await self._call(
                    agency,
                    "complaint.progress",
                    lambda: adapter.complaint_progress(ticket),
                    timeout_s,
                )
                await self._record(complaint_id, lambda c: self._followed_up(c, progress))
        except Exception:
            log.exception("complaint %s could not be advanced; its lease will expire", complaint_id)

    async def _record(self, complaint_id: str, change: Callable[[ComplaintRecord], None]) -> None:
        async with self._sessions.begin() as session:
            complaint = await session.get(ComplaintRecord, complaint_id, populate_existing=True)
            if complaint is None or complaint.lease_owner != self.courier_id:
                return
            change(complaint)
            complaint.lease_owner = None
            complaint.lease_expires_at = None

    def _retry(self, complaint: ComplaintRecord, why: str) -> None:
        complaint.attempts += 1
        complaint.last_error = why[:500]
        complaint.next_run_at = now() + dt.timedelta(
            seconds=retry_delay(complaint.attempts, self._retry_base_s)
        )

    def _handed_over(self, complaint: ComplaintRecord, result: CallResult[Any]) -> None:
        if result.status is not SourceStatus.OK:
            self._retry(complaint, f"{result.status.value}: {result.detail}")
            return
        at = now()
        complaint.status = ComplaintStatus.DISPATCHED.value
        complaint.agency_reference = str(result.value)
        complaint.dispatched_at = at
        complaint.follow_up_due = deadlines.follow_up_due(at)
        complaint.attempts = 0
        complaint.last_error = None
        complaint.next_run_at = at + dt.timedelta(seconds=self._recheck_s)
        add_history(
            complaint,
            HistoryKind.DISPATCHED,
            complaint.agency,
            f"handed to {complaint.agency} as ticket {result.value}; "
            f"its answer is due by {complaint.follow_up_due.isoformat()}",
        )

    def _followed_up(self, complaint: ComplaintRecord, result: CallResult[Any]) -> None:
        if result.status is not SourceStatus.OK:
            self._retry(complaint, f"{result.status.value}: {result.detail}")
            return
        progress: ComplaintProgress | None = result.value
        at = now()
        complaint.attempts = 0
        complaint.last_error = None
        if progress is None or not progress.answered:
            complaint.next_run_at = at + dt.timedelta(seconds=self._recheck_s)
            return
        complaint.status = ComplaintStatus.RESOLVED.value
        complaint.answer = progress.answer
        complaint.resolved_at = progress.answered_at or at
        complaint.next_run_at = None
        add_history(
            complaint, HistoryKind.RESOLVED, complaint.agency, f"{complaint.agency} answered"
        )
