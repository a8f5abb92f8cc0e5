"""The stage deadlines of a complaint (Perpres 76/2013 as practised by SP4N-LAPOR!), in working
days in Asia/Jakarta: handed to the responsible agency within 3 working days of filing, answered
by it within 5 working days of receiving it. A complaint is filed within 30 days of the service."""

import datetime as dt

from sqlalchemy import ColumnElement, and_, or_

from app.db.models import ComplaintRecord
from app.schemas.complaints import ComplaintStatus
from app.workflows.calendar import add_working_days, jakarta_today

VERIFICATION_WORKING_DAYS = 3
FOLLOW_UP_WORKING_DAYS = 5
FILING_WINDOW_DAYS = 30


def verification_due(filed_at: dt.datetime) -> dt.date:
    return add_working_days(jakarta_today(filed_at), VERIFICATION_WORKING_DAYS)


def follow_up_due(dispatched_at: dt.datetime) -> dt.date:
    return add_working_days(jakarta_today(dispatched_at), FOLLOW_UP_WORKING_DAYS)


def current_deadline(complaint: ComplaintRecord) -> dt.date | None:
    if complaint.status == ComplaintStatus.VERIFIED:
        return complaint.verification_due
    if complaint.status == ComplaintStatus.DISPATCHED:
        return complaint.follow_up_due
    return None


def is_overdue(complaint: ComplaintRecord, now: dt.datetime) -> bool:
    """The stage the complaint is in now has run past its last working day."""
    deadline = current_deadline(complaint)
    return deadline is not None and jakarta_today(now) > deadline


def overdue_clause(now: dt.datetime) -> ColumnElement[bool]:
    """`is_overdue` as SQL, so a search can filter on it and page through the result."""
    today = jakarta_today(now)
    return or_(
        and_(
            ComplaintRecord.status == ComplaintStatus.VERIFIED.value,
            ComplaintRecord.verification_due < today,
        ),
        and_(
            ComplaintRecord.status == ComplaintStatus.DISPATCHED.value,
            ComplaintRecord.follow_up_due.is_not(None),
            ComplaintRecord.follow_up_due < today,
        ),
    )


def missed_a_deadline(complaint: ComplaintRecord, now: dt.datetime) -> bool:
    """Overdue now, or a stage that already ended ended late: what an evaluation counts."""
    if is_overdue(complaint, now):
        return True
    handed_late = complaint.dispatched_at is not None and (
        jakarta_today(complaint.dispatched_at) > complaint.verification_due
    )
    answered_late = (
        complaint.resolved_at is not None
        and complaint.follow_up_due is not None
        and jakarta_today(complaint.resolved_at) > complaint.follow_up_due
    )
    return handed_late or answered_late


def outside_filing_window(service_date: dt.date, now: dt.datetime) -> bool:
    return (jakarta_today(now) - service_date).days > FILING_WINDOW_DAYS
