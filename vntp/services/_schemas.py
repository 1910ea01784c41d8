"""Wire types shared by both services: camelCase JSON, as the seed's clients expect."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, TypeVar
from uuid import UUID

import msgspec

__all__ = (
    "TEXT_PATTERN",
    "Amount",
    "Contribution",
    "Employee",
    "Employer",
    "Matricule",
    "Name",
    "Page",
    "Period",
    "RssbNumber",
    "check_birth_date",
)

T = TypeVar("T")

RSSB_PATTERN = r"^[0-9]{6,12}[A-Z]$"
MATRICULE_PATTERN = r"^[0-9]{6,12}[A-Z]$"
PERIOD_PATTERN = r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"
TEXT_PATTERN = r"^(?=.*\S)[^\x00-\x1f\x7f]*$"
"""Some visible character, and no control characters (which Postgres text cannot hold, like NUL)."""

RssbNumber = Annotated[
    str, msgspec.Meta(pattern=RSSB_PATTERN, description="RSSB number: digits then one capital letter, e.g. 1023829A")
]
Matricule = Annotated[str, msgspec.Meta(pattern=MATRICULE_PATTERN, description="Employer matricule, e.g. 3100000000A")]
Period = Annotated[str, msgspec.Meta(pattern=PERIOD_PATTERN, description="Month as YYYY-MM, 1900-01 to 2099-12")]
Amount = Annotated[int, msgspec.Meta(ge=0, le=2_000_000_000, description="Whole Rwandan francs")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=TEXT_PATTERN)]


def check_birth_date(dob: dt.date) -> None:
    """Refuse a date of birth in the future or before 1900 (msgspec turns the error into a 400)."""
    if not dt.date(1900, 1, 1) <= dob <= dt.date.today():
        msg = f"dob {dob.isoformat()} must be between 1900-01-01 and today"
        raise ValueError(msg)


class Employee(msgspec.Struct, rename="camel"):
    id: UUID
    firstname: str
    lastname: str
    rssb_number: str
    dob: dt.date


class Employer(msgspec.Struct, rename="camel"):
    id: UUID
    name: str
    matricule: str


class Contribution(msgspec.Struct, rename="camel"):
    id: UUID
    period: str
    rssb_number: str
    matricule: str
    amount: int


class Page(msgspec.Struct, Generic[T], rename="camel"):
    """One page of a list, with the total across all pages."""

    items: list[T]
    total: int
    limit: int
    offset: int
