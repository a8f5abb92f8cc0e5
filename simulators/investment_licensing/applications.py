"""OSS RBA licensing of new businesses: low risk at once, higher risk after a verification.

The verification is decided lazily, whenever anyone looks (application status, owner lists,
NIB lookups), from the time elapsed since submission on a monotonic clock. No background
task is involved, so it behaves the same in a real process and under httpx's ASGI transport,
which runs no lifespan.
"""

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from typing import Any

from simulators.catalog import Kbli, Risk
from simulators.faults import FaultSettings
from simulators.investment_licensing.records import Directory, millis
from simulators.world import Activity, Address, Business, Permit, PermitKind, PermitStatus

_RISK_ORDER: tuple[Risk, ...] = ("R", "MR", "MT", "T")
#: Tests and demos get a rejection by putting this word in the business name.
REJECTION_MARK = "DITOLAK"
REJECTION_REASON = (
    "Hasil verifikasi tidak memenuhi persyaratan: lokasi usaha tidak sesuai dengan "
    "Persetujuan Kesesuaian Kegiatan Pemanfaatan Ruang (PKKPR)"
)


@dataclass(frozen=True, slots=True)
class Submission:
    """What an applicant files: one individual (UMK) business and its KBLI activities."""

    owner_nik: str
    name: str
    address: Address
    kblis: tuple[Kbli, ...]

    @property
    def risk(self) -> Risk:
        return max((k.risk for k in self.kblis), key=_RISK_ORDER.index)


@dataclass(slots=True)
class Application:
    number: str
    submission: Submission
    submitted_at: datetime
    submitted_clock: float
    status: PermitStatus = "MENUNGGU_VERIFIKASI"
    nib: str | None = None
    reason: str | None = None
    decided_at: datetime | None = None

    def receipt(self) -> dict[str, Any]:
        """The answer to the submission itself."""
        return {
            "id_permohonan": self.number,
            "status": self.status,
            "nib": self.nib,
            "kd_resiko": self.submission.risk,
        }

    def view(self) -> dict[str, Any]:
        return {
            **self.receipt(),
            "alasan_penolakan": self.reason,
            "tgl_keputusan": millis(self.decided_at),
        }


def _permits(nib: str, seq: int, kbli: Kbli, issued_at: datetime) -> tuple[Permit, ...]:
    nib_permit = Permit("NIB", nib, "TERBIT", issued_at)
    if kbli.risk == "R":
        return (nib_permit,)
    kind: PermitKind = "IZIN" if kbli.risk == "T" else "SERTIFIKAT_STANDAR"
    return nib_permit, Permit(kind, f"{nib}{seq:04d}", "TERBIT", issued_at)


class LicensingOffice:
    """One app's applications; ``clock`` measures the wait, ``now`` stamps the decisions."""

    def __init__(
        self,
        directory: Directory,
        settings: FaultSettings,
        clock: Callable[[], float],
        now: Callable[[], datetime],
    ) -> None:
        self._directory = directory
        self._settings = settings
        self._clock = clock
        self._now = now
        self._applications: dict[str, Application] = {}
        #: In submission order; the wait is the same for all, so the due ones are a prefix.
        self._pending: deque[Application] = deque()
        self._application_serials = count(1)
        self._nib_serials = count(1)

    def _new_nib(self, day: datetime) -> str:
        while True:
            nib = f"9{day:%y%m%d}{next(self._nib_serials):06d}"
            if nib not in self._directory:
                return nib

    def _issue(self, application: Application, at: datetime) -> None:
        submission = application.submission
        nib = self._new_nib(at)
        self._directory.add(
            Business(
                nib=nib,
                name=submission.name,
                owner_kind="UMK_PERORANGAN",
                owner_nik=submission.owner_nik,
                npwp=None,
                scale="MIKRO",
                address=submission.address,
                issued_at=at,
                activities=tuple(
                    Activity(kbli, _permits(nib, seq, kbli, at))
                    for seq, kbli in enumerate(submission.kblis, start=1)
                ),
            )
        )
        application.status, application.nib, application.decided_at = "TERBIT", nib, at

    def submit(self, submission: Submission) -> Application:
        """R and MR are issued on the spot (self-declared); MT and T wait for verification."""
        at = self._now()
        application = Application(
            number=f"PMH-{at:%Y%m%d}-{next(self._application_serials):06d}",
            submission=submission,
            submitted_at=at,
            submitted_clock=self._clock(),
        )
        self._applications[application.number] = application
        if submission.risk in ("R", "MR"):
            self._issue(application, at)
        else:
            self._pending.append(application)
        return application

    def settle(self) -> None:
        """Decides every verification whose time has come; cheap when nothing is pending."""
        pending = self._pending
        if not pending:
            return
        wait = self._settings.verification_seconds
        elapsed_by = self._clock() - wait
        while pending and pending[0].submitted_clock <= elapsed_by:
            application = pending.popleft()
            decided_at = application.submitted_at + timedelta(seconds=wait)
            if REJECTION_MARK in application.submission.name.upper():
                application.status, application.decided_at = "DITOLAK", decided_at
                application.reason = REJECTION_REASON
            else:
                self._issue(application, decided_at)

    def find(self, number: str) -> Application | None:
        self.settle()
        return self._applications.get(number)
