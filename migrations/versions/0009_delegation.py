"""delegation: mandates, the actor on access records, exchanged ID tokens

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("access_records", sa.Column("actor_nik", sa.String(length=16), nullable=True))
    op.add_column("access_records", sa.Column("actor_basis", sa.String(length=16), nullable=True))
    op.add_column(
        "access_records", sa.Column("actor_relationship", sa.String(length=40), nullable=True)
    )
    op.create_index(
        "ix_access_records_actor_nik_occurred_at", "access_records", ["actor_nik", "occurred_at"]
    )
    op.create_table(
        "mandates",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("grantor_nik", sa.String(length=16), nullable=False),
        sa.Column("grantee_nik", sa.String(length=16), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_client", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mandates_grantor_nik", "mandates", ["grantor_nik"])
    op.create_index("ix_mandates_grantee_nik", "mandates", ["grantee_nik"])
    op.create_table(
        "used_subject_tokens",
        sa.Column("jti", sa.String(length=255), nullable=False),
        sa.Column("issuer", sa.String(length=2048), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti"),
    )
    op.create_index("ix_used_subject_tokens_expires_at", "used_subject_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_used_subject_tokens_expires_at", table_name="used_subject_tokens")
    op.drop_table("used_subject_tokens")
    op.drop_index("ix_mandates_grantee_nik", table_name="mandates")
    op.drop_index("ix_mandates_grantor_nik", table_name="mandates")
    op.drop_table("mandates")
    op.drop_index("ix_access_records_actor_nik_occurred_at", table_name="access_records")
    with op.batch_alter_table("access_records") as batch:
        for column in ("actor_relationship", "actor_basis", "actor_nik"):
            batch.drop_column(column)
