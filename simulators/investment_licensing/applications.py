"""OSS RBA licensing of new businesses: the NIB at once for every risk level; the permit
that needs verification (standard certificate for medium-high risk, licence for high) as its
own step, decided by the authority or, when its deadline passes, deemed approved.

PP 28/2025 (like PP 5/2021 before it) issues the NIB at registration whatever the risk; a
medium-high activity gets a standard certificate that is not yet verified, a high one waits
for its licence, and a refusal refuses that permit, never the NIB. See :mod:`.sla` for the
service level and the deemed approval (fiktif positif) with their sources.

The verification is decided lazily, whenever anyone looks (application status, owner lists,
NIB lookups). Two clocks drive it: the authority decides ``verification_seconds`` after
submission on a monotonic clock (time compressed for demos and tests), and the calendar
(``now``, Asia/Jakarta) decides the deemed approval, once the verification deadline in
working days has passed without a decision. No background task is involved, so it behaves
the same in a real process and under httpx's ASGI transport, which runs no lifespan.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any, Literal

from simulators.catalog import Kbli, Risk
from simulators.faults import FaultSettings
from simulators.investment_licensing.records import Directory, millis
from simulators.investment_licensing.sla import deemed_approval_at, verification_deadline
from simulators.world import Activity, Address, Business, Permit, PermitKind, PermitStatus

_RISK_ORDER: tuple[Risk, ...] = ("R", "MR", "MT", "T")
#: Tests and demos get a rejection by putting this word in the business name.
REJECTION_MARK = "DITOLAK"
REJECTION_REASON = (
    "Hasil verifikasi tidak memenuhi persyaratan: lokasi usaha tidak sesuai dengan "
    "Persetujuan Kesesuaian Kegiatan Pemanfaatan Ruang (PKKPR)"
)
DEEMED_APPROVAL_NOTE = (
    "Terbit otomatis oleh Sistem OSS (fiktif positif, PP 28/2025): verifikasi tidak "
    "diselesaikan dalam jangka waktu"
)
#: The state of the application's permit step, on the wire (``izin.status``).
PermitStep = Literal["TIDAK_DIPERLUKAN", "TERBIT", "MENUNGGU_VERIFIKASI", "DITOLAK"]


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

    @property
    def permit_kind(self) -> PermitKind | None:
        """The permit this business needs besides its NIB: a licence for any high-risk
        activity, else a standard certificate for any medium one, else none."""
        if self.risk == "T":
            return "IZIN"
        return "SERTIFIKAT_STANDAR" if self.risk in ("MT", "MR") else None

    @property
    def verified(self) -> bool:
        """Medium-high and high risk need the authority's verification (MR self-declares)."""
        return self.risk in ("MT", "T")


@dataclass(slots=True)
class Application:
    number: str
    submission: Submission
    submitted_at: datetime
    submitted_clock: float
    nib: str
    permit_number: str | None
    deadline: date | None
    permit_status: PermitStep = "MENUNGGU_VERIFIKASI"
    reason: str | None = None
    decided_at: datetime | None = None
    deemed: bool = False

    @property
    def status(self) -> PermitStatus:
        """The application as a whole: TERBIT once nothing waits (the NIB is always issued)."""
        if self.permit_status in ("MENUNGGU_VERIFIKASI", "DITOLAK"):
            return self.permit_status
        return "TERBIT"

    def receipt(self) -> dict[str, Any]:
        """The answer to the submission itself."""
        return {
            "id_permohonan": self.number,
            "status": self.status,
            "nib": self.nib,
            "kd_resiko": self.submission.risk,
            "tgl_terbit_nib": millis(self.submitted_at),
            "izin": self.permit(),
        }

    def permit(self) -> dict[str, Any]:
        return {
            "jenis_izin": self.submission.permit_kind,
            "nomor": self.permit_number,
            "status": self.permit_status,
            "fiktif_positif": self.deemed,
            "tgl_keputusan": millis(self.decided_at),
            "alasan_penolakan": self.reason,
            "batas_waktu_verifikasi": None if self.deadline is None else self.deadline.isoformat(),
        }

    def view(self) -> dict[str, Any]:
        return {
            **self.receipt(),
            "alasan_penolakan": self.reason,
            "tgl_keputusan": millis(self.decided_at),
        }


def _permits(
    nib: str, seq: int, kbli: Kbli, issued_at: datetime, pending: bool
) -> tuple[Permit, ...]:
    nib_permit = Permit("NIB", nib, "TERBIT", issued_at)
    if kbli.risk == "R":
        return (nib_permit,)
    kind: PermitKind = "IZIN" if kbli.risk == "T" else "SERTIFIKAT_STANDAR"
    number = f"{nib}{seq:04d}"
    if pending and kbli.risk in ("MT", "T"):
        return nib_permit, Permit(kind, number, "MENUNGGU_VERIFIKASI", None)
    return nib_permit, Permit(kind, number, "TERBIT", issued_at)


def _decide(
    business: Business, status: PermitStatus, at: datetime | None, note: str | None
) -> Business:
    """The business with its waiting permits decided: issued (at ``at``) or refused."""

    def activity(a: Activity) -> Activity:
        permits = tuple(
            replace(p, status=status, issued_at=at if status == "TERBIT" else None, note=note)
            if p.status == "MENUNGGU_VERIFIKASI"
            else p
            for p in a.permits
        )
        return replace(a, permits=permits)

    return replace(business, activities=tuple(activity(a) for a in business.activities))


class LicensingOffice:
    """One app's applications; ``clock`` paces the authority, ``now`` is the calendar."""

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
        self._pending: list[Application] = []
        self._application_serials = count(1)
        self._nib_serials = count(1)

    def _new_nib(self, day: datetime) -> str:
        while True:
            nib = f"9{day:%y%m%d}{next(self._nib_serials):06d}"
            if nib not in self._directory:
                return nib

    def submit(self, submission: Submission) -> Application:
        """The NIB is issued on the spot for every risk level, with MR's self-declared
        standard certificate; MT's certificate and T's licence wait for verification."""
        at = self._now()
        nib = self._new_nib(at)
        pending = submission.verified
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
                    Activity(kbli, _permits(nib, seq, kbli, at, pending))
                    for seq, kbli in enumerate(submission.kblis, start=1)
                ),
            )
        )
        kind = submission.permit_kind
        seq = next(
            (seq for seq, k in enumerate(submission.kblis, start=1) if k.risk == submission.risk),
            1,
        )
        application = Application(
            number=f"PMH-{at:%Y%m%d}-{next(self._application_serials):06d}",
            submission=submission,
            submitted_at=at,
            submitted_clock=self._clock(),
            nib=nib,
            permit_number=None if kind is None else f"{nib}{seq:04d}",
            deadline=verification_deadline(at) if pending else None,
        )
        self._applications[application.number] = application
        if pending:
            self._pending.append(application)
        else:
            application.permit_status = "TERBIT" if kind else "TIDAK_DIPERLUKAN"
            application.decided_at = at
        return application

    def _settle_one(self, application: Application, clock: float, now: datetime) -> bool:
        """Decides one waiting permit if its time has come; True when decided."""
        assert application.deadline is not None
        wait = self._settings.verification_seconds
        authority_at = application.submitted_at + timedelta(seconds=wait)
        lapse_at = deemed_approval_at(application.deadline)
        if clock >= application.submitted_clock + wait and authority_at < lapse_at:
            if REJECTION_MARK in application.submission.name.upper():
                application.permit_status, application.reason = "DITOLAK", REJECTION_REASON
                self._record(application, "DITOLAK", authority_at, REJECTION_REASON)
            else:
                application.permit_status = "TERBIT"
                self._record(application, "TERBIT", authority_at, None)
            application.decided_at = authority_at
            return True
        if now >= lapse_at:
            # Fiktif positif: the authority let the period pass, the system issues the permit,
            # even where the authority would have refused it (it did not, in time).
            application.permit_status, application.deemed = "TERBIT", True
            application.decided_at = lapse_at
            self._record(application, "TERBIT", lapse_at, DEEMED_APPROVAL_NOTE)
            return True
        return False

    def _record(
        self, application: Application, status: PermitStatus, at: datetime, note: str | None
    ) -> None:
        business = self._directory.get(application.nib)
        self._directory.replace(_decide(business, status, at, note))

    def settle(self) -> None:
        """Decides every verification whose time has come; cheap when nothing is pending."""
        if not self._pending:
            return
        clock, now = self._clock(), self._now()
        self._pending = [a for a in self._pending if not self._settle_one(a, clock, now)]

    def find(self, number: str) -> Application | None:
        self.settle()
        return self._applications.get(number)
