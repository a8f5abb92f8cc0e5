"""The permit step of a business registration in the gateway: OSS's `izin` block read by the
adapter, and the workflow's product, including a permit deemed approved (fiktif positif,
PP 28/2025) because the authority let its deadline pass.

Hand-computed fixture (2026 calendar, the `holidays` package's public holidays and collective
leave): submitted Friday 13 March 2026; 10 working days are Mon 16, Tue 17, (Wed 18 - Tue 24:
Nyepi, Idul Fitri and their collective leave, the weekend), Wed 25, Thu 26, Fri 27, Mon 30,
Tue 31, Wed 1 April, Thu 2 April, (Fri 3 April Good Friday), Mon 6 April: deadline Monday
6 April 2026, deemed approved at Tuesday 7 April 2026 00:00 WIB = epoch 1775494800000 ms.

The request's own deadline is the catalogue's 11 working days: the 10 of verification and the
day of the deemed approval. Submitted Friday 13 March 2026 it is Tuesday 7 April; submitted
Friday 13 February 2026, before the Lunar New Year weekend (Mon 16 collective leave, Tue 17
Lunar New Year), it is Wed 18, Thu 19, Fri 20, Mon 23 - Fri 27, Mon 2, Tue 3 (10: OSS's
deadline), Wed 4 March (11). Submitted Friday 27 February, OSS's deadline is Friday 13 March
and both the request and the deemed approval fall on Monday 16 March; submitted Tuesday 3 March,
OSS's deadline is Tuesday 17 March, the last working day before Nyepi and Idul Fitri (Wed 18
to Tue 24 off), and both fall on Wednesday 25 March.
"""

import datetime as dt
from typing import Any

import pytest

from app.adapters.base import PermitDecision, Registration, RegistrationStatus
from app.adapters.investment_licensing import InvestmentLicensingAdapter
from app.schemas.business import PermitType, RiskLevel
from app.workflows.calendar import JAKARTA, add_working_days, jakarta_today
from app.workflows.definitions import _registration_product
from app.workflows.steps import Done, StepInput, Wait, await_licensing_decision
from simulators.investment_licensing.sla import deemed_approval_at, verification_deadline

DEEMED_AT_MS = 1775494800000


def _wire(status: str, permit_status: str, **permit: Any) -> dict[str, Any]:
    return {
        "id_permohonan": "PMH-20260313-000001",
        "status": status,
        "nib": "9260313000001",
        "kd_resiko": "MT",
        "tgl_terbit_nib": 1773370800000,
        "izin": {
            "jenis_izin": "SERTIFIKAT_STANDAR",
            "nomor": "92603130000010001",
            "status": permit_status,
            "fiktif_positif": False,
            "tgl_keputusan": None,
            "alasan_penolakan": None,
            "batas_waktu_verifikasi": "2026-04-06",
            **permit,
        },
    }


def test_the_gateway_counts_the_same_deadline_as_oss():
    assert add_working_days(dt.date(2026, 3, 13), 10) == dt.date(2026, 4, 6)


@pytest.mark.parametrize(
    ("submitted", "due"),
    [
        (dt.datetime(2026, 3, 13, 10, 0, tzinfo=JAKARTA), dt.date(2026, 4, 7)),
        (dt.datetime(2026, 2, 13, 16, 30, tzinfo=JAKARTA), dt.date(2026, 3, 4)),
        # OSS's deadline Friday 13 March: the request and the deemed approval both on Monday.
        (dt.datetime(2026, 2, 27, 11, 0, tzinfo=JAKARTA), dt.date(2026, 3, 16)),
        # OSS's deadline Tuesday 17 March, before Lebaran: both on Wednesday 25 March.
        (dt.datetime(2026, 3, 3, 9, 30, tzinfo=JAKARTA), dt.date(2026, 3, 25)),
    ],
)
def test_the_request_is_due_the_day_oss_deems_an_undecided_permit_approved(submitted, due):
    [standard] = InvestmentLicensingAdapter.services
    assert standard.code == "business-registration"
    assert add_working_days(jakarta_today(submitted), standard.working_days) == due
    assert deemed_approval_at(verification_deadline(submitted)).date() == due


def test_a_deemed_approval_is_read_as_such():
    registration = InvestmentLicensingAdapter._registration(
        _wire("TERBIT", "TERBIT", fiktif_positif=True, tgl_keputusan=DEEMED_AT_MS)
    )
    assert registration.status is RegistrationStatus.ISSUED
    assert registration.nib == "9260313000001"
    assert registration.permit_kind is PermitType.STANDARD_CERTIFICATE
    assert registration.permit_status is PermitDecision.DEEMED_APPROVED
    assert registration.permit_deadline == dt.date(2026, 4, 6)
    assert registration.permit_decided_at is not None
    assert registration.permit_decided_at.isoformat() == "2026-04-07T00:00:00+07:00"


def test_a_pending_permit_already_has_its_nib():
    registration = InvestmentLicensingAdapter._registration(
        _wire("MENUNGGU_VERIFIKASI", "MENUNGGU_VERIFIKASI")
    )
    assert registration.status is RegistrationStatus.PENDING
    assert registration.nib == "9260313000001"
    assert registration.permit_status is PermitDecision.PENDING


class _Oss:
    def __init__(self, registration: Registration) -> None:
        self.registration = registration

    async def registration_status(self, application_id: str) -> Registration:
        return self.registration


class _Provide:
    def __init__(self, oss: _Oss) -> None:
        self.oss = oss

    def __call__(self, capability: Any, protocol: Any, regions: Any = None) -> Any:
        return self.oss

    def every(self, capability: Any, protocol: Any) -> list[tuple[str, Any]]:
        return [("investment_licensing", self.oss)]


def _step(submitted: dict[str, Any]) -> StepInput:
    return StepInput(
        request_id="r1",
        nik="3471073006980001",
        data={},
        results={"submit_registration": submitted},
        payment_confirmed=None,
        reference="r1:await_decision",
    )


SUBMITTED = {
    "application_id": "PMH-20260313-000001",
    "risk_level": "medium_high",
    "status": "pending",
    "nib": "9260313000001",
    "permit": {
        "kind": "standard_certificate",
        "status": "pending",
        "number": "92603130000010001",
        "decided_at": None,
        "reason": None,
        "deadline": "2026-04-06",
    },
}


async def test_the_request_waits_naming_the_deadline_then_completes_deemed_approved():
    pending = Registration(
        application_id="PMH-20260313-000001",
        status=RegistrationStatus.PENDING,
        risk_level=RiskLevel.MEDIUM_HIGH,
        nib="9260313000001",
        permit_kind=PermitType.STANDARD_CERTIFICATE,
        permit_status=PermitDecision.PENDING,
        permit_number="92603130000010001",
        permit_deadline=dt.date(2026, 4, 6),
    )
    oss = _Oss(pending)
    waiting = await await_licensing_decision(_step(SUBMITTED), _Provide(oss))
    assert isinstance(waiting, Wait)
    assert waiting.detail == (
        "the licensing agency is verifying a medium_high-risk activity; its verification is due "
        "by 2026-04-06; if undecided, OSS issues the permit as deemed approved on 2026-04-07"
    )

    oss.registration = InvestmentLicensingAdapter._registration(
        _wire("TERBIT", "TERBIT", fiktif_positif=True, tgl_keputusan=DEEMED_AT_MS)
    )
    done = await await_licensing_decision(_step(SUBMITTED), _Provide(oss))
    assert isinstance(done, Done)
    assert _registration_product({"await_decision": done.result}) == {
        "nib": "9260313000001",
        "risk_level": "medium_high",
        "permit": {
            "kind": "standard_certificate",
            "status": "deemed_approved",
            "number": "92603130000010001",
            "decided_at": "2026-04-07T00:00:00+07:00",
            "reason": None,
            "deadline": "2026-04-06",
        },
    }
