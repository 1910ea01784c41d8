"""Request bodies of oracle's API; responses use :mod:`vntp.services._schemas`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from vntp.services._schemas import TEXT_PATTERN, Amount, Matricule, Name, Period, RssbNumber, check_birth_date

__all__ = (
    "ContributionCreate",
    "ContributionUpdate",
    "EmployeeCreate",
    "EmployeeUpdate",
    "EmployerCreate",
    "EmployerUpdate",
)

CompanyName = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=TEXT_PATTERN)]


class EmployeeCreate(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    firstname: Name
    lastname: Name
    rssb_number: RssbNumber
    dob: dt.date

    def __post_init__(self) -> None:
        check_birth_date(self.dob)


class EmployeeUpdate(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    firstname: Name | msgspec.UnsetType = msgspec.UNSET
    lastname: Name | msgspec.UnsetType = msgspec.UNSET
    rssb_number: RssbNumber | msgspec.UnsetType = msgspec.UNSET
    dob: dt.date | msgspec.UnsetType = msgspec.UNSET

    def __post_init__(self) -> None:
        if not isinstance(self.dob, msgspec.UnsetType):
            check_birth_date(self.dob)


class EmployerCreate(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    name: CompanyName
    matricule: Matricule


class EmployerUpdate(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    name: CompanyName | msgspec.UnsetType = msgspec.UNSET
    matricule: Matricule | msgspec.UnsetType = msgspec.UNSET


class ContributionCreate(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    period: Period
    rssb_number: RssbNumber
    matricule: Matricule
    amount: Amount


class ContributionUpdate(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    period: Period | msgspec.UnsetType = msgspec.UNSET
    amount: Amount | msgspec.UnsetType = msgspec.UNSET
