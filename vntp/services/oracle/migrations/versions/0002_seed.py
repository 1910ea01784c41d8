"""Seed data: two employees, one employer, three months of contributions each.

It runs once, with the first migration of a new database; rows that users later change or
delete stay as they left them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from advanced_alchemy.types import GUID
from alembic import op
from sqlalchemy.dialects.postgresql import insert

from vntp.services.oracle.seed import EMPLOYEES, EMPLOYERS, seed_contributions

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

employee = sa.table(
    "employee",
    sa.column("id", GUID()),
    sa.column("firstname", sa.String),
    sa.column("lastname", sa.String),
    sa.column("rssb_number", sa.String),
    sa.column("dob", sa.Date),
)
employer = sa.table(
    "employer", sa.column("id", GUID()), sa.column("name", sa.String), sa.column("matricule", sa.String)
)
contribution = sa.table(
    "contribution",
    sa.column("id", GUID()),
    sa.column("period", sa.String),
    sa.column("rssb_number", sa.String),
    sa.column("matricule", sa.String),
    sa.column("amount", sa.Integer),
)


def upgrade() -> None:
    bind = op.get_bind()
    for table, rows, key in (
        (employee, EMPLOYEES, ["rssb_number"]),
        (employer, EMPLOYERS, ["matricule"]),
        (contribution, seed_contributions(), ["rssb_number", "matricule", "period"]),
    ):
        values = [{"id": uuid.uuid4(), **row} for row in rows]
        bind.execute(insert(table).values(values).on_conflict_do_nothing(index_elements=key))


def downgrade() -> None:
    """Seed rows stay: by now they may be referenced or changed."""
