"""Wire types shared by both services: camelCase JSON, as the seed's clients expect."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, TypeVar
from uuid import UUID

import msgspec

__all__ = (
    "Amount",
    "Contribution",
    "Employee",
    "Employer",
    "Matricule",
    "Name",
    "Page",
    "Period",
    "RssbNumber",
)

T = TypeVar("T")

RSSB_PATTERN = r"^[0-9]{6,12}[A-Z]$"
MATRICULE_PATTERN = r"^[0-9]{6,12}[A-Z]$"
PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"

RssbNumber = Annotated[
    str, msgspec.Meta(pattern=RSSB_PATTERN, description="RSSB number: digits then one capital letter, e.g. 1023829A")
]
Matricule = Annotated[str, msgspec.Meta(pattern=MATRICULE_PATTERN, description="Employer matricule, e.g. 3100000000A")]
Period = Annotated[str, msgspec.Meta(pattern=PERIOD_PATTERN, description="Month as YYYY-MM")]
Amount = Annotated[int, msgspec.Meta(ge=0, le=2_000_000_000, description="Whole Rwandan francs")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


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
