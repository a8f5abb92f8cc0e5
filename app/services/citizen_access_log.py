"""The citizen's access log (after Estonia's Data Tracker): every use of their data, newest
first. Reading it is itself recorded, so an oversight body looking is visible too."""

import math
import time

from sqlalchemy import func, select

from app.auth.guard import purpose_required
from app.auth.scopes import Scope
from app.db.models import AccessRecord, ApiClient
from app.problems import ProblemKind
from app.schemas.access_log import AccessLogEntry, AccessLogPage
from app.services.context import Caller, Services
from app.services.reads import record_read, refuse_other_citizen
from app.services.refusals import refused

OPERATION = "citizen.access_log"


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
    about = AccessRecord.subject_nik == nik
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
