"""oracle's tables: the master data."""

from __future__ import annotations

import datetime as dt

from advanced_alchemy.base import AdvancedDeclarativeBase, CommonTableAttributes, create_registry
from advanced_alchemy.mixins import UUIDPrimaryKey
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ("Base", "Contribution", "Employee", "Employer")


class Base(UUIDPrimaryKey, CommonTableAttributes, AdvancedDeclarativeBase, AsyncAttrs):
    """oracle's declarative base, with a registry and metadata of its own."""

    __abstract__ = True
    __bind_key__ = "oracle"
    registry = create_registry()


class Employee(Base):
    """A person insured by the social-security scheme."""

    __tablename__ = "employee"

    firstname: Mapped[str] = mapped_column(String(100))
    lastname: Mapped[str] = mapped_column(String(100))
    rssb_number: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    dob: Mapped[dt.date]


class Employer(Base):
    """A company that pays contributions."""

    __tablename__ = "employer"

    name: Mapped[str] = mapped_column(String(200))
    matricule: Mapped[str] = mapped_column(String(20), unique=True, index=True)


class Contribution(Base):
    """What one employer paid for one employee in one month."""

    __tablename__ = "contribution"
    __table_args__ = (
        UniqueConstraint("rssb_number", "matricule", "period", name="uq_contribution_employee_employer_period"),
        CheckConstraint("amount >= 0", name="ck_contribution_amount_non_negative"),
    )

    period: Mapped[str] = mapped_column(String(7), index=True)
    rssb_number: Mapped[str] = mapped_column(
        ForeignKey("employee.rssb_number", onupdate="CASCADE", ondelete="RESTRICT"), index=True
    )
    matricule: Mapped[str] = mapped_column(
        ForeignKey("employer.matricule", onupdate="CASCADE", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[int] = mapped_column(Integer)
