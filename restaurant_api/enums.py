"""Enums whose members say what they mean, next to where they are declared.

Shared kernel: no domain and no framework. The GraphQL enums (`api.graphql.described_enum`)
read the meanings for their clients' docs.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class DescribedEnum(StrEnum):
    """A `StrEnum` declared `CASH = "cash", "What cash means."`: the value stays the first
    string (what the database, REST and lookups such as `Tender("cash")` see), the second
    is the member's `description`.
    """

    description: str

    # `description` defaults only so that the type checker accepts `Tender("cash")` (a
    # lookup, which never reaches `__new__`); `described_enum` refuses an empty one.
    def __new__(cls, value: str, description: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member
