"""trust: API clients; access records get purpose, released fields and a hash chain

Records written before this revision are chained in id order, so the chain covers them too.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.audit.chain import GENESIS, seal

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "api_clients",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("api_key_enabled", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("secret_rotated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id"),
    )
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("access_records") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("purpose", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("released", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))

    seq, prev_hash = _chain_existing_records()
    op.bulk_insert(head, [{"id": 1, "seq": seq, "hash": prev_hash}])

    with op.batch_alter_table("access_records") as batch:
        for name in ("seq", "released", "prev_hash", "hash"):
            batch.alter_column(name, nullable=False)
        batch.create_unique_constraint("uq_access_records_seq", ["seq"])


def _chain_existing_records() -> tuple[int, str]:
    records = sa.table(
        "access_records",
        sa.column("id", _BIG_ID),
        sa.column("seq", sa.BigInteger()),
        sa.column("request_id", sa.String()),
        sa.column("occurred_at", sa.DateTime(timezone=True)),
        sa.column("client_id", sa.String()),
        sa.column("purpose", sa.String()),
        sa.column("operation", sa.String()),
        sa.column("subject_nik", sa.String()),
        sa.column("subject_plate", sa.String()),
        sa.column("agencies", sa.JSON()),
        sa.column("released", sa.JSON()),
        sa.column("outcome", sa.String()),
        sa.column("http_status", sa.Integer()),
        sa.column("duration_ms", sa.Integer()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
    )
    bind = op.get_bind()
    seq, prev_hash = 0, GENESIS
    for row in bind.execute(sa.select(records).order_by(records.c.id)).mappings().all():
        seq += 1
        occurred_at = row["occurred_at"]
        if occurred_at.tzinfo is None:
            occurred_at = occurred_at.replace(tzinfo=dt.UTC)
        sealed = {**row, "occurred_at": occurred_at, "seq": seq, "released": []}
        sealed["prev_hash"] = prev_hash
        prev_hash = seal(sealed)
        bind.execute(
            records.update()
            .where(records.c.id == row["id"])
            .values(seq=seq, released=[], prev_hash=sealed["prev_hash"], hash=prev_hash)
        )
    return seq, prev_hash


def downgrade() -> None:
    with op.batch_alter_table("access_records") as batch:
        batch.drop_constraint("uq_access_records_seq", type_="unique")
        for name in ("hash", "prev_hash", "released", "purpose", "seq"):
            batch.drop_column(name)
    op.drop_table("audit_chain_head")
    op.drop_table("api_clients")
