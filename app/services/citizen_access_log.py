"""The citizen's access log (after Estonia's Data Tracker): every use of their data, newest
first. Reading it is itself recorded, so an oversight body looking is visible too.

Where someone acted for another (issue 15), the entry is in both logs: the person acted for
reads who it was ("your mother, acting for you"), the actor what they did and for whom. The
other person's NIK is masked; their name is not looked up, so reading a log never calls the
civil registry."""

import math
import time

from sqlalchemy import func, or_, select

from app.auth.guard import purpose_required
from app.auth.scopes import Scope
from app.db.models import AccessRecord, ApiClient
from app.observability import mask_niks
from app.problems import ProblemKind
from app.schemas.access_log import AccessLogEntry, AccessLogPage, ActingParty
from app.services.context import Caller, Services
from app.services.reads import record_read, refuse_other_citizen
from app.services.refusals import refused

OPERATION = "citizen.access_log"

#: The actor as the person acted for names them, in English and Indonesian.
_ACTOR_NAMES = {
    "mother": ("your mother", "ibu Anda"),
    "father": ("your father", "ayah Anda"),
    "head of family": ("the head of your family", "kepala keluarga Anda"),
    "mandate holder": ("the person you gave a mandate to", "penerima kuasa Anda"),
}
#: The person acted for as the actor names them.
_SUBJECT_NAMES = {
    "mother": ("your child", "anak Anda"),
    "father": ("your child", "anak Anda"),
    "head of family": ("a member of your family", "anggota keluarga Anda"),
    "mandate holder": ("the person who gave you a mandate", "pemberi kuasa Anda"),
}
_SOMEONE = ("someone", "seseorang")


def _acting(record: AccessRecord, nik: str) -> dict[str, ActingParty]:
    """`acting_for_you` in the log of the person acted for, `acting_for` in the actor's."""
    if record.actor_nik is None:
        return {}
    basis, relationship = record.actor_basis or "", record.actor_relationship or ""
    if record.actor_nik != nik:
        who, who_id = _ACTOR_NAMES.get(relationship, _SOMEONE)
        return {
            "acting_for_you": ActingParty(
                nik=mask_niks(record.actor_nik),
                basis=basis,
                relationship=relationship,
                summary=f"{who}, acting for you",
                summary_id=f"{who_id}, bertindak untuk Anda",
            )
        }
    whom, whom_id = _SUBJECT_NAMES.get(relationship, _SOMEONE)
    return {
        "acting_for": ActingParty(
            nik=mask_niks(record.subject_nik or ""),
            basis=basis,
            relationship=relationship,
            summary=f"you, acting for {whom}",
            summary_id=f"Anda, bertindak untuk {whom_id}",
        )
    }


def _may_read(caller: Caller, nik: str) -> None:
    if caller.subject_nik is not None:
        refuse_other_citizen(caller, nik, operation=OPERATION)
        return
    if not caller.may(Scope.AUDIT_READ):
        raise refused(
            caller,
            ProblemKind.INSUFFICIENT_SCOPE,
            "only the citizen, or a client with audit:read, may read this access log",
            subject_nik=nik,
            operation=OPERATION,
            extensions={"required_scopes": [Scope.AUDIT_READ]},
        )
    if not caller.purpose:
        raise purpose_required()


async def access_log(
    services: Services, caller: Caller, nik: str, page: int, page_size: int
) -> AccessLogPage:
    started = time.perf_counter()
    _may_read(caller, nik)
    about = or_(AccessRecord.subject_nik == nik, AccessRecord.actor_nik == nik)
    async with services.sessions() as session:
        total = await session.scalar(select(func.count()).select_from(AccessRecord).where(about))
        rows = await session.execute(
            select(AccessRecord, ApiClient.name)
            .outerjoin(ApiClient, ApiClient.client_id == AccessRecord.client_id)
            .where(about)
            .order_by(AccessRecord.occurred_at.desc(), AccessRecord.seq.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
        items = [
            AccessLogEntry(
                occurred_at=record.occurred_at,
                client_id=record.client_id,
                client_name=name,
                purpose=record.purpose,
                operation=record.operation,
                agencies=sorted(record.agencies),
                released=record.released,
                outcome=record.outcome,
                request_id=record.request_id,
                **_acting(record, nik),
            )
            for record, name in rows
        ]
    await record_read(
        services,
        caller,
        OPERATION,
        started,
        [],
        200,
        "complete",
        released=["access_log"],
        subject_nik=nik,
    )
    total = total or 0
    return AccessLogPage(
        nik=nik,
        items=items,
        page=page,
        page_size=page_size,
        total=total,
        total_pages=math.ceil(total / page_size),
    )
