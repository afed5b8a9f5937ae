"""The schema's custom scalars: DateTime (RFC 3339, offset required) and Decimal (strings).

Both refuse ambiguous input with a VALIDATION_ERROR that says what to send, on every
argument and input field, whether given inline or as a variable.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import strawberry
from graphql import GraphQLError, StringValueNode, ValueNode

from restaurant_api.errors import ErrorCode

DATETIME_SPEC = "https://scalars.graphql.org/andimarek/date-time.html"
# Full date, "T", time with optional fraction, and an offset: RFC 3339 section 5.6.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")
_NO_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")
_DECIMAL = re.compile(r"-?\d{1,15}(\.\d{1,15})?")


def _invalid(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": ErrorCode.VALIDATION_ERROR.value})


def serialize_datetime(value: datetime) -> str:
    # Stored values are UTC; a naive one (SQLite) is UTC too.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _invalid("DateTime must be a string such as 2026-01-01T19:30:00+01:00")
    if _NO_OFFSET.fullmatch(value.strip()):
        raise _invalid(
            f"DateTime {value[:40]!r} has no offset: add Z or +HH:MM, "
            "e.g. 2026-01-01T19:30:00Z (RFC 3339)"
        )
    if not _RFC3339.fullmatch(value):
        raise _invalid(f"DateTime {value[:40]!r} is not RFC 3339, e.g. 2026-01-01T19:30:00+01:00")
    try:
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(f"DateTime {value[:40]!r} is not a valid date and time") from None
    return parsed


def parse_datetime_literal(node: ValueNode, _variables: Any = None) -> datetime:
    if not isinstance(node, StringValueNode):
        raise _invalid("DateTime must be a string such as 2026-01-01T19:30:00+01:00")
    return parse_datetime(node.value)


def serialize_decimal(value: Decimal) -> str:
    return str(value)


def parse_decimal(value: Any) -> Decimal:
    # JSON numbers are binary floats (0.1 is not 0.1): amounts travel as strings.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _invalid('Decimal must be a string such as "12.50" (not a JSON number)')
    text = str(value).strip()
    if not _DECIMAL.fullmatch(text):
        raise _invalid(f'Decimal {text[:40]!r} is not a plain decimal number such as "12.50"')
    try:
        return Decimal(text)
    except InvalidOperation:
        raise _invalid(f"Decimal {text[:40]!r} is not a number") from None


def parse_decimal_literal(node: ValueNode, _variables: Any = None) -> Decimal:
    if not isinstance(node, StringValueNode):
        raise _invalid('Decimal must be a string such as "12.50" (not a number literal)')
    return parse_decimal(node.value)


DATETIME = strawberry.scalar(
    name="DateTime",
    description="A date and time with an offset, RFC 3339 (e.g. 2026-01-01T19:30:00+01:00 "
    "or 2026-01-01T18:30:00Z). Input without an offset is a VALIDATION_ERROR. Output is UTC.",
    specified_by_url=DATETIME_SPEC,
    serialize=serialize_datetime,
    parse_value=parse_datetime,
    parse_literal=parse_datetime_literal,
)

DECIMAL = strawberry.scalar(
    name="Decimal",
    description='An exact decimal amount as a JSON string: optional "-", digits, optionally '
    '"." and digits, e.g. "12.50" (no exponent, no thousands separator). Money amounts '
    "accept at most two decimals. JSON numbers are refused.",
    serialize=serialize_decimal,
    parse_value=parse_decimal,
    parse_literal=parse_decimal_literal,
)

SCALARS: dict[object, Any] = {datetime: DATETIME, Decimal: DECIMAL}
