"""complaints and their history, satisfaction surveys, and the agency call record

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        autoincrement=True,
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("addressed_to", sa.String(length=64), nullable=True),
        sa.Column("service", sa.String(length=40), nullable=True),
        sa.Column("service_request_id", sa.String(length=36), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("routed_by", sa.String(length=20), nullable=False),
        sa.Column("routing_reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verification_due", sa.Date(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("follow_up_due", sa.Date(), nullable=True),
        sa.Column("agency_reference", sa.String(length=80), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_complaints_due", "complaints", ["next_run_at"])
    op.create_index("ix_complaints_nik_filed", "complaints", ["nik", "filed_at"])
    op.create_index("ix_complaints_agency_filed", "complaints", ["agency", "filed_at"])

    op.create_table(
        "complaint_events",
        _id(),
        sa.Column("complaint_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )

    op.create_table(
        "satisfaction_surveys",
        _id(),
        sa.Column("service_request_id", sa.String(length=36), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        *(
            sa.Column(element, sa.Integer(), nullable=False)
            for element in (
                "requirements",
                "procedure",
                "completion_time",
                "fee",
                "product",
                "staff_competence",
                "staff_behaviour",
                "complaint_handling",
                "facilities",
            )
        ),
        sa.ForeignKeyConstraint(
            ["service_request_id"], ["service_requests.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service_request_id"),
    )
    op.create_index(
        "ix_satisfaction_surveys_agency_submitted",
        "satisfaction_surveys",
        ["agency", "submitted_at"],
    )

    op.create_table(
        "agency_calls",
        _id(),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_agency_calls_agency_occurred", "agency_calls", ["agency", "occurred_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_agency_calls_agency_occurred", table_name="agency_calls")
    op.drop_table("agency_calls")
    op.drop_index("ix_satisfaction_surveys_agency_submitted", table_name="satisfaction_surveys")
    op.drop_table("satisfaction_surveys")
    op.drop_table("complaint_events")
    op.drop_index("ix_complaints_agency_filed", table_name="complaints")
    op.drop_index("ix_complaints_nik_filed", table_name="complaints")
    op.drop_index("ix_complaints_due", table_name="complaints")
    op.drop_table("complaints")
