"""no way in: token signing keys, signed audit checkpoints, idempotency keys per subject

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid"),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_checkpoints_seq", "audit_checkpoints", ["seq"])
    _rebuild_idempotency_keys(with_subject=True)


def _rebuild_idempotency_keys(with_subject: bool) -> None:
    """A new primary key by copying the table: SQLite cannot change one in place, and batch
    mode's reflection warns about exactly this change."""
    kept = ["client_id", "key", "operation", "body_hash", "status_code", "response", "created_at"]
    subject = (
        [sa.Column("subject", sa.String(length=16), nullable=False, server_default="")]
        if with_subject
        else []
    )
    op.create_table(
        "idempotency_keys_new",
        sa.Column("client_id", sa.String(length=128), nullable=False),
        *subject,
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "client_id",
            *(["subject"] if with_subject else []),
            "key",
            # PostgreSQL names share one namespace: the old table's key still exists here.
            name="idempotency_keys_by_subject_pkey" if with_subject else "idempotency_keys_pkey",
        ),
    )
    columns = ", ".join(f'"{name}"' for name in kept)
    where = "" if with_subject else " WHERE subject = ''"
    op.execute(
        f"INSERT INTO idempotency_keys_new ({columns}) SELECT {columns} FROM idempotency_keys"
        + where
    )
    op.drop_table("idempotency_keys")
    op.rename_table("idempotency_keys_new", "idempotency_keys")


def downgrade() -> None:
    _rebuild_idempotency_keys(with_subject=False)
    op.drop_index("ix_audit_checkpoints_seq", table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    op.drop_table("signing_keys")
