"""GraphQL values computed by PostgreSQL, for plans whose JSON it builds (`api.plan_sql`).

Each helper is the SQL twin of a Python rendering of the plans (`api.plan_specs`): the
same text for the same stored value, so an answer is the same whichever builds it
(`tests/api/test_plan_sql.py` compares them field by field on every backend that runs it).
Names and texts reach the SQL as quoted literals (GraphQL names, type names and enum values
are plain identifiers; quotes are doubled all the same), values as the columns themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Integer,
    LargeBinary,
    Numeric,
    Text,
    case,
    cast,
    func,
    literal_column,
    null,
)
from sqlalchemy.sql.elements import ColumnElement


@dataclass(frozen=True, slots=True)
class Render:
    """A leaf's rendering in Python, and the same value computed in SQL."""

    python: Callable[..., Any]
    sql: Callable[..., Any]

    def __call__(self, *values: Any) -> Any:
        return self.python(*values)

    @classmethod
    def same(cls, function: Callable[..., Any]) -> Render:
        """A rendering whose one function works on values and on SQL expressions alike
        (`minimum >= 1`, `status == TableStatus.OCCUPIED`)."""
        return cls(function, function)


class NotInSql(Exception):
    """Some field of the plan has no SQL twin: the plan builds its answer in Python."""


def python(render: Callable[..., Any]) -> Callable[..., Any]:
    """The plain function of a rendering (generated plan code calls it per value)."""
    return render.python if isinstance(render, Render) else render


def render_sql(render: Callable[..., Any] | None) -> Callable[..., Any] | None:
    return render.sql if isinstance(render, Render) else None


def text(value: str) -> ColumnElement[str]:
    """A constant string as a SQL literal."""
    return literal_column("'" + value.replace("'", "''") + "'", Text)


def number(value: int) -> ColumnElement[int]:
    """A constant integer as a SQL literal: part of the statement's text, not one more
    parameter to send with every execution."""
    return literal_column(str(int(value)), Integer)


def null_if_null(value: Any, rendered: Any) -> Any:
    return case((value.is_(None), null()), else_=rendered)


def global_id(type_name: str, database_id: Any) -> Any:
    """`to_global_id`: base64 of "Type:id" (short enough for one line of PostgreSQL's
    base64, which breaks lines every 76 characters: a type name and a bigint are under 57
    bytes)."""
    if len(type_name) > 36:
        raise NotInSql(f"type name too long for one base64 line: {type_name}")
    prefixed = text(type_name + ":").concat(cast(database_id, Text))
    # Text to bytea as it is: a type name and digits have no backslash to unescape.
    return func.encode(cast(prefixed, LargeBinary), text("base64"))


def amount(cents: Any) -> Any:
    """`money.format_cents`: "12.98", "-0.05" (integer cents times an exact 0.01: a numeric
    of scale 2, which PostgreSQL writes with its two digits)."""
    return cast(cents * literal_column("0.01", Numeric), Text)


def iso_utc(value: Any) -> Any:
    """`serialize_datetime` of a stored time: `datetime.isoformat()` in UTC, which leaves the
    fraction out when it is zero."""
    utc = value.op("AT TIME ZONE")(text("UTC"))
    seconds = func.to_char(utc, text('YYYY-MM-DD"T"HH24:MI:SS.US'))
    return func.replace(seconds, text(".000000"), text("")).concat(text("+00:00"))


def cursor(*parts: Any) -> Any:
    """`pagination.encode_cursor`: url-safe base64 of the parts' texts joined by "|"
    (PostgreSQL's base64 breaks lines every 76 characters: the line breaks go)."""
    joined: ColumnElement[str] = cast(parts[0], Text)
    for part in parts[1:]:
        joined = joined.concat(text("|")).concat(cast(part, Text))
    encoded = func.encode(func.convert_to(joined, text("UTF8")), text("base64"))
    return func.translate(encoded, text("+/").concat(func.chr(number(10))), text("-_"), type_=Text)


def json_text(value: Any) -> Any:
    """`db.json_list` of a JSON column read as its text: the stored JSON itself."""
    return cast(value, JSON)


def mapped(value: Any, names: Mapping[Any, str]) -> Any:
    """A stored value to its name (an enum's GraphQL name); an unknown value is NULL."""
    return case({text(str(stored)): text(name) for stored, name in names.items()}, value=value)
