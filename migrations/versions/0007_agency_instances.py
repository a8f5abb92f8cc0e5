"""agency instances: kind, name, jurisdiction and fixtures of instances registered at run time

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("agency_settings", sa.Column("kind", sa.String(length=64), nullable=True))
    op.add_column("agency_settings", sa.Column("name", sa.String(length=200), nullable=True))
    op.add_column("agency_settings", sa.Column("jurisdiction", sa.JSON(), nullable=True))
    op.add_column("agency_settings", sa.Column("fixtures", sa.JSON(), nullable=True))
    op.add_column(
        "agency_settings",
        sa.Column("removed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("agency_settings") as batch:
        for column in ("removed", "fixtures", "jurisdiction", "name", "kind"):
            batch.drop_column(column)
