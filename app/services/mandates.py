"""Mandates (kuasa): a citizen grants, lists and withdraws who may act for them.

Only the citizen signed in themself grants or withdraws: not an officer, and not someone
acting for them (a mandate holder cannot pass the mandate on, nor a parent grant in a child's
name). The grantee is not looked up in the civil registry: a portal could otherwise learn
from the answer which NIKs are registered; an unknown grantee can simply never sign in.

Grants and withdrawals are in the access logs of both citizens, under the request's id;
a list is in the log of the citizen whose mandates it shows. An oversight body with
`audit:read` may list a citizen's mandates, stating its purpose as for the access log."""

import datetime as dt
import time
import uuid

from sqlalchemy import select

from app.auth.guard import purpose_required
from app.auth.scopes import Scope
from app.db.models import Mandate as MandateRecord
from app.problems import ProblemError, ProblemKind
from app.schemas.mandates import (
    MAX_DURATION,
    Mandate,
    MandateCreate,
    MandateList,
    MandateStatus,
)
from app.schemas.problem import FieldError
from app.services.context import Caller, Services
from app.services.personal_data import record_disclosures
from app.services.reads import record_read, refuse_other_citizen
from app.services.refusals import refused

GRANT, WITHDRAW, LIST, READ = "mandate.grant", "mandate.withdraw", "mandate.list", "mandate.read"
RELEASED = "mandate"


def _the_citizen(caller: Caller, operation: str) -> str:
    """The citizen a portal or kiosk token names, acting for themself."""
    if caller.subject_nik is None or caller.actor is not None:
        raise refused(
            caller,
            ProblemKind.CITIZEN_ONLY,
            "only the citizen, signed in themself, grants, withdraws or sees their mandates here",
            subject_nik=caller.subject_nik,
            operation=operation,
        )
    return caller.subject_nik


def _invalid(field: str, message: str, indonesian: str) -> ProblemError:
    return ProblemError(
        ProblemKind.VALIDATION,
        f"{field}: {message}",
        detail_indonesian=indonesian,
        errors=[FieldError(field=field, location="body", message=message)],
    )


def _status(record: MandateRecord, now: dt.datetime) -> MandateStatus:
    if record.withdrawn_at is not None:
        return MandateStatus.WITHDRAWN
    if record.expires_at <= now:
        return MandateStatus.EXPIRED
    return MandateStatus.ACTIVE


def _shown(record: MandateRecord, now: dt.datetime) -> Mandate:
    return Mandate(
        id=record.id,
        grantor_nik=record.grantor_nik,
        grantee_nik=record.grantee_nik,
        scopes=record.scopes,
        purpose=record.purpose,
        created_at=record.created_at,
        expires_at=record.expires_at,
        withdrawn_at=record.withdrawn_at,
        status=_status(record, now),
    )


async def grant(services: Services, caller: Caller, body: MandateCreate) -> tuple[Mandate, bool]:
    """The mandate, and whether it is new: the same grant sent again while in force (a retry
    after a lost answer) is answered with the one already given, never granted twice."""
    grantor = _the_citizen(caller, GRANT)
    now = dt.datetime.now(dt.UTC)
    if body.grantee_nik == grantor:
        raise _invalid(
            "grantee_nik",
            "a citizen needs no mandate to act for themself",
            "grantee_nik: warga tidak memerlukan kuasa untuk dirinya sendiri",
        )
    if not now < body.expires_at <= now + MAX_DURATION:
        raise _invalid(
            "expires_at",
            f"must be in the future and at most {MAX_DURATION.days} days away",
            f"expires_at: harus di masa depan dan paling lama {MAX_DURATION.days} hari lagi",
        )
    scopes = sorted({scope.value for scope in body.scopes})
    async with services.sessions() as session, session.begin():
        in_force = await session.scalars(
            select(MandateRecord).where(
                MandateRecord.grantor_nik == grantor,
                MandateRecord.grantee_nik == body.grantee_nik,
                MandateRecord.withdrawn_at.is_(None),
                MandateRecord.expires_at == body.expires_at,
            )
        )
        record = next(
            (m for m in in_force if m.scopes == scopes and m.purpose == body.purpose), None
        )
        created = record is None
        if record is None:
            record = MandateRecord(
                id=str(uuid.uuid4()),
                grantor_nik=grantor,
                grantee_nik=body.grantee_nik,
                scopes=scopes,
                purpose=body.purpose,
                created_at=now,
                expires_at=body.expires_at,
                withdrawn_at=None,
                created_by_client=caller.client_id,
            )
            session.add(record)
    status = 201 if created else 200
    await record_disclosures(
        services.access_log, caller, GRANT, [grantor, body.grantee_nik], status, RELEASED
    )
    return _shown(record, now), created


async def withdraw(services: Services, caller: Caller, mandate_id: str) -> None:
    """Withdrawing twice changes nothing the second time; both are recorded. Another
    citizen's mandate, the grantee's own included, is answered as one that does not exist."""
    grantor = _the_citizen(caller, WITHDRAW)
    now = dt.datetime.now(dt.UTC)
    async with services.sessions() as session, session.begin():
        record = await session.get(MandateRecord, mandate_id)
        if record is None or record.grantor_nik != grantor:
            raise refused(
                caller,
                ProblemKind.MANDATE_NOT_FOUND,
                "no mandate with this id was granted by this citizen",
                subject_nik=record.grantor_nik if record else None,
                operation=WITHDRAW,
                outcome="refused" if record else "not_found",
            )
        if record.withdrawn_at is None:
            record.withdrawn_at = now
        grantee = record.grantee_nik
    await record_disclosures(
        services.access_log, caller, WITHDRAW, [grantor, grantee], 204, RELEASED
    )


def _oversight(caller: Caller, nik: str | None, operation: str) -> None:
    """A client not bound to a citizen sees mandates only with `audit:read` and a purpose."""
    if not caller.may(Scope.AUDIT_READ):
        raise refused(
            caller,
            ProblemKind.INSUFFICIENT_SCOPE,
            "only the citizen, or a client with audit:read, may see a citizen's mandates",
            subject_nik=nik,
            operation=operation,
            extensions={"required_scopes": [Scope.AUDIT_READ]},
        )
    if not caller.purpose:
        raise purpose_required()


async def get_mandate(services: Services, caller: Caller, mandate_id: str) -> Mandate:
    """For its grantor and its grantee, or an oversight body; anyone else gets a 404."""
    if caller.subject_nik is None:
        _oversight(caller, None, READ)
    else:
        _the_citizen(caller, READ)
    async with services.sessions() as session:
        record = await session.get(MandateRecord, mandate_id)
    parties = (record.grantor_nik, record.grantee_nik) if record else ()
    if record is None or (caller.subject_nik is not None and caller.subject_nik not in parties):
        raise refused(
            caller,
            ProblemKind.MANDATE_NOT_FOUND,
            "no mandate with this id was granted by or to this citizen",
            subject_nik=record.grantor_nik if record else None,
            operation=READ,
            outcome="refused" if record else "not_found",
        )
    await record_disclosures(services.access_log, caller, READ, parties, 200, RELEASED)
    return _shown(record, dt.datetime.now(dt.UTC))


def _whose(caller: Caller, nik: str | None) -> str:
    """The citizen whose mandates are listed: the caller's own, or, for an oversight body,
    the one it names."""
    if caller.subject_nik is not None:
        _the_citizen(caller, LIST)
        if nik is not None:
            refuse_other_citizen(caller, nik, operation=LIST)
        return caller.subject_nik
    _oversight(caller, nik, LIST)
    if nik is None:
        raise ProblemError(
            ProblemKind.VALIDATION,
            "nik: name the citizen whose mandates to list",
            detail_indonesian="nik: sebutkan warga yang kuasanya hendak dilihat",
            errors=[FieldError(field="nik", location="query", message="required for this client")],
        )
    return nik


async def list_mandates(services: Services, caller: Caller, nik: str | None) -> MandateList:
    started = time.perf_counter()
    citizen = _whose(caller, nik)
    now = dt.datetime.now(dt.UTC)
    newest = MandateRecord.created_at.desc()
    async with services.sessions() as session:
        granted = await session.scalars(
            select(MandateRecord).where(MandateRecord.grantor_nik == citizen).order_by(newest)
        )
        received = await session.scalars(
            select(MandateRecord).where(MandateRecord.grantee_nik == citizen).order_by(newest)
        )
        listed = MandateList(
            granted=[_shown(record, now) for record in granted],
            received=[_shown(record, now) for record in received],
        )
    await record_read(
        services,
        caller,
        LIST,
        started,
        [],
        200,
        "complete",
        released=["mandates"],
        subject_nik=citizen,
    )
    return listed
