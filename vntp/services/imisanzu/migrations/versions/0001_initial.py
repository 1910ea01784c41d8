"""Local copies of oracle employees.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "employee",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("firstname", sa.String(100), nullable=False),
        sa.Column("lastname", sa.String(100), nullable=False),
        sa.Column("rssb_number", sa.String(20), nullable=False),
        sa.Column("dob", sa.Date(), nullable=False),
        sa.Column("synced_at", DateTimeUTC(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_employee"),
    )
    op.create_index("ix_employee_rssb_number", "employee", ["rssb_number"], unique=True)


def downgrade() -> None:
    op.drop_table("employee")
