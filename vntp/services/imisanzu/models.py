"""imisanzu's tables: employees copied from oracle on first use."""

from __future__ import annotations

import datetime as dt

from advanced_alchemy.base import AdvancedDeclarativeBase, CommonTableAttributes, create_registry
from advanced_alchemy.mixins import UUIDPrimaryKey
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import String, func
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ("Base", "Employee")


class Base(UUIDPrimaryKey, CommonTableAttributes, AdvancedDeclarativeBase, AsyncAttrs):
    """imisanzu's declarative base, with a registry and metadata of its own."""

    __abstract__ = True
    __bind_key__ = "imisanzu"
    registry = create_registry()


class Employee(Base):
    """A local copy of an oracle employee; ``id`` is oracle's id."""

    __tablename__ = "employee"

    firstname: Mapped[str] = mapped_column(String(100))
    lastname: Mapped[str] = mapped_column(String(100))
    rssb_number: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    dob: Mapped[dt.date]
    synced_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), server_default=func.now())
