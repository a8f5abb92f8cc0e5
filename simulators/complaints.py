"""A complaint desk, shared by the three simulators; each speaks to it in its own wire style.

An agency answers a complaint some time after it was filed (`complaint_answer_seconds` in the
fault settings, a pace rather than a fault). As with OSS's verifications, the answer is decided
lazily, whenever anyone asks, from a monotonic clock: no background task, so it behaves the same
in a real process and under httpx's ASGI transport.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count


@dataclass(slots=True)
class FiledComplaint:
    ticket: str
    nik: str
    subject: str
    filed_at: datetime
    filed_clock: float
    answer: str | None = None
    answered_at: datetime | None = None


class ComplaintDesk:
    """One agency's complaints. ``answer_after`` reads the live pace on every look, so a test
    that shortens it sees already filed complaints answered sooner too."""

    def __init__(
        self,
        ticket_prefix: str,
        unit: str,
        answer_after: Callable[[], float],
        clock: Callable[[], float],
        now: Callable[[], datetime],
    ) -> None:
        self._prefix = ticket_prefix
        self._unit = unit
        self._answer_after = answer_after
        self._clock = clock
        self._now = now
        self._complaints: dict[str, FiledComplaint] = {}
        self._serials = count(1)

    def file(self, nik: str, subject: str) -> FiledComplaint:
        at = self._now()
        ticket = f"{self._prefix}-{at:%Y%m%d}-{next(self._serials):06d}"
        complaint = FiledComplaint(ticket, nik, subject, at, self._clock())
        self._complaints[ticket] = complaint
        return complaint

    def find(self, ticket: str) -> FiledComplaint | None:
        complaint = self._complaints.get(ticket)
        if complaint is not None and complaint.answer is None:
            wait = self._answer_after()
            if self._clock() - complaint.filed_clock >= wait:
                complaint.answered_at = complaint.filed_at + timedelta(seconds=wait)
                complaint.answer = (
                    f"Pengaduan '{complaint.subject.upper()}' telah ditindaklanjuti oleh "
                    f"{self._unit}. Terima kasih atas laporan Anda."
                )
        return complaint
