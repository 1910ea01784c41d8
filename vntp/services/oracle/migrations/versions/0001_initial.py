"""Employees, employers and contributions.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID
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
        sa.PrimaryKeyConstraint("id", name="pk_employee"),
    )
    op.create_index("ix_employee_rssb_number", "employee", ["rssb_number"], unique=True)
    op.create_table(
        "employer",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("matricule", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_employer"),
    )
    op.create_index("ix_employer_matricule", "employer", ["matricule"], unique=True)
    op.create_table(
        "contribution",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("rssb_number", sa.String(20), nullable=False),
        sa.Column("matricule", sa.String(20), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_contribution"),
        sa.ForeignKeyConstraint(
            ["rssb_number"],
            ["employee.rssb_number"],
            name="fk_contribution_rssb_number_employee",
            onupdate="CASCADE",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["matricule"],
            ["employer.matricule"],
            name="fk_contribution_matricule_employer",
            onupdate="CASCADE",
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint("rssb_number", "matricule", "period", name="uq_contribution_employee_employer_period"),
        sa.CheckConstraint("amount >= 0", name="ck_contribution_amount_non_negative"),
    )
    op.create_index("ix_contribution_period", "contribution", ["period"])
    op.create_index("ix_contribution_rssb_number", "contribution", ["rssb_number"])
    op.create_index("ix_contribution_matricule", "contribution", ["matricule"])


def downgrade() -> None:
    op.drop_table("contribution")
    op.drop_table("employer")
    op.drop_table("employee")
