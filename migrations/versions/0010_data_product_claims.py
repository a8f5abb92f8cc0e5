"""data product claims: a scope or an agency code belongs to one active product at most

Products taking traffic claim what they hold. Where two already hold the same one (stored by
two processes before this revision), the one whose active version is older keeps it; the
other is refused its next version until it gives it up.

Revision ID: 0010
Revises: 0009
Create Date: 2027-01-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    claims = op.create_table(
        "data_product_claims",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("product", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("kind", "value"),
    )
    op.create_index("ix_data_product_claims_product", "data_product_claims", ["product"])
    op.bulk_insert(claims, _claims_of_active_products())


def _claims_of_active_products() -> list[dict[str, str]]:
    products = sa.table(
        "data_products", sa.column("name", sa.String()), sa.column("active_version", sa.Integer())
    )
    versions = sa.table(
        "data_product_versions",
        sa.column("name", sa.String()),
        sa.column("version", sa.Integer()),
        sa.column("declaration", sa.JSON()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    active = (
        sa.select(versions.c.name, versions.c.declaration)
        .join(
            products,
            (products.c.name == versions.c.name)
            & (products.c.active_version == versions.c.version),
        )
        .order_by(versions.c.created_at, versions.c.name)
    )
    held: dict[tuple[str, str], str] = {}
    for name, declaration in op.get_bind().execute(active).all():
        wanted = [("scope", declaration["scope"])]
        wanted += [("agency", source["agency"]["code"]) for source in declaration["sources"]]
        for claim in wanted:
            held.setdefault(claim, name)
    return [
        {"kind": kind, "value": value, "product": product}
        for (kind, value), product in held.items()
    ]


def downgrade() -> None:
    op.drop_index("ix_data_product_claims_product", table_name="data_product_claims")
    op.drop_table("data_product_claims")
