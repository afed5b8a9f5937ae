"""GraphQL values computed by PostgreSQL, for plans whose JSON it builds (`api.plan_sql`).

Each helper is the SQL twin of a Python rendering of the plans (`api.plan_specs`): the
same text for the same stored value, so an answer is the same whichever builds it
(`tests/api/test_plan_sql.py` compares them field by field on every backend that runs it).
Names and texts reach the SQL as quoted literals (GraphQL names, type names and enum values
are plain identifiers; quotes are doubled all the same), values as the columns themselves.

The JSON itself is spelled by concatenating texts (`json_object`, `json_list`), not with
json_build_object and json_agg: those look up every value's type and output function on
every row. PostgreSQL's side of the 21-item menu went from 63 to 38 µs an execution, the
raw baseline's own 38 (pg_stat_statements, pgbench on one connection, same run). Each
value is spelled by what its SQL type says it is (`json_of`): numbers and booleans by their
text, texts the helpers below make (`JsonString`: nothing to escape) between quotes, any
other through `to_json`, as json_build_object spelled it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    TypeDecorator,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnClause, ColumnElement
from sqlalchemy.sql.util import ClauseAdapter
from sqlalchemy.sql.visitors import iterate


class JsonString(TypeDecorator[str]):
    """A text that JSON spells between quotes as it is: no quote, backslash or control
    character (global ids, amounts, times, cursors, enum names)."""

    impl = Text
    cache_ok = True


class JsonText(TypeDecorator[str]):
    """JSON spelled as text already: an object or list of `json_object` and `json_list`, a
    number of `money_number`."""

    impl = Text
    cache_ok = True


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


def type_name(name: str) -> ColumnElement[str]:
    """A `__typename` (a GraphQL name: nothing to escape)."""
    return type_coerce(text(name), JsonString)


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
    return type_coerce(func.encode(cast(prefixed, LargeBinary), text("base64")), JsonString)


def amount(cents: Any) -> Any:
    """`money.format_cents`: "12.98", "-0.05" (integer cents times an exact 0.01: a numeric
    of scale 2, which PostgreSQL writes with its two digits)."""
    return type_coerce(cast(cents * literal_column("0.01", Numeric), Text), JsonString)


def money_number(cents: Any) -> Any:
    """REST's `MoneyNumber` of integer cents, the shortest repr of the float cents / 100:
    "6.8", "12.99", "1.0", "-0.05" (`amount` with its trailing zeros trimmed, one kept after
    a whole number's point; within MAX_CENTS the float's repr is that exact decimal)."""
    trimmed = func.rtrim(cast(cents * literal_column("0.01", Numeric), Text), text("0"))
    whole = case((cents % number(100) == number(0), text("0")), else_=text(""))
    return type_coerce(trimmed.concat(whole), JsonText)


def iso_utc(value: Any) -> Any:
    """`serialize_datetime` of a stored time: `datetime.isoformat()` in UTC, which leaves the
    fraction out when it is zero."""
    utc = value.op("AT TIME ZONE")(text("UTC"))
    seconds = func.to_char(utc, text('YYYY-MM-DD"T"HH24:MI:SS.US'))
    spelled = func.replace(seconds, text(".000000"), text("")).concat(text("+00:00"))
    return type_coerce(spelled, JsonString)


def cursor(*parts: Any) -> Any:
    """`pagination.encode_cursor`: url-safe base64 of the parts' texts joined by "|"
    (PostgreSQL's base64 breaks lines every 76 characters: the line breaks go)."""
    joined: ColumnElement[str] = cast(parts[0], Text)
    for part in parts[1:]:
        joined = joined.concat(text("|")).concat(cast(part, Text))
    encoded = func.encode(func.convert_to(joined, text("UTF8")), text("base64"))
    url_safe = func.translate(encoded, text("+/").concat(func.chr(number(10))), text("-_"))
    return type_coerce(url_safe, JsonString)


def json_text(value: Any) -> Any:
    """`db.json_list` of a JSON column read as its text: the stored JSON itself."""
    return cast(value, JSON)


def mapped(value: Any, names: Mapping[Any, str]) -> Any:
    """A stored value to its name (an enum's GraphQL name); an unknown value is NULL."""
    named = case({text(str(stored)): text(name) for stored, name in names.items()}, value=value)
    return type_coerce(named, JsonString)


_NULL = text("null")
_QUOTE = text('"')


def json_of(value: Any) -> ColumnElement[str]:
    """The JSON text of an SQL value, `null` for NULL."""
    kind: Any = value.type
    if isinstance(kind, JsonText):
        spelled = value
    elif isinstance(kind, JsonString):
        spelled = _QUOTE.concat(value).concat(_QUOTE)
    else:
        if isinstance(kind, TypeDecorator):
            kind = kind.impl_instance  # what PostgreSQL holds
        if isinstance(kind, (Integer, Boolean, JSON)):
            # An integer's and a json's text is their JSON; a boolean's is true or false.
            spelled = cast(value, Text)
        elif isinstance(kind, String):
            # As text: a literal's type is unknown to to_json (a no-op on a text column).
            spelled = cast(func.to_json(cast(value, Text)), Text)
        else:
            spelled = cast(func.to_json(value), Text)
    return func.coalesce(spelled, _NULL, type_=Text)


def json_object(pairs: Sequence[tuple[str, Any]]) -> ColumnElement[str]:
    """`{"key":value,...}` of (key, SQL value) pairs, as text."""
    spelled = text("{")
    for index, (key, value) in enumerate(pairs):
        name = ("," if index else "") + orjson.dumps(key).decode() + ":"
        spelled = spelled.concat(text(name)).concat(json_of(value))
    return type_coerce(spelled.concat(text("}")), JsonText)


def order_over(subquery: Any, order: Sequence[Any]) -> list[Any] | None:
    """`order` over the subquery's columns (None: some column is not among them). Ordering
    the aggregate by them, PostgreSQL merges the subquery into the aggregate's scan; a
    window numbering the rows would keep it apart, with one more sort per list."""
    adapter = ClauseAdapter(subquery)
    adapted = [adapter.traverse(clause) for clause in order]
    for clause in adapted:
        for element in iterate(clause):
            if isinstance(element, ColumnClause) and element.table is not subquery:
                return None
    return adapted


def json_list_of(rows: Select[Any], item: Callable[[Any], Any]) -> Select[Any]:
    """One text, the JSON list of `rows` in their order: `item` builds each from the row's
    columns (`.c`). `rows` has no limit, and orders by columns it selects."""
    if rows._limit_clause is not None or rows._offset_clause is not None:
        raise ValueError("a list with a limit keeps its own order (api.plan_sql)")
    subquery = rows.order_by(None).subquery()  # sorted once, by the aggregate
    order = order_over(subquery, list(rows._order_by_clauses))
    if order is None:
        raise ValueError("ordered by a column the rows do not select")
    return select(json_list(item(subquery.c), order)).select_from(subquery)


def json_list(item: Any, order: Sequence[Any]) -> ColumnElement[str]:
    """`[item,...]` of an aggregate's rows in `order` (none: as they come), as text."""
    comma = text(",")
    joined = func.string_agg(item, aggregate_order_by(comma, *order) if order else comma)
    listed = text("[").concat(func.coalesce(joined, text(""), type_=Text)).concat(text("]"))
    return type_coerce(listed, JsonText)
