"""What each domain declares for the compiled plans (restaurant_api.api.plans).

A type's spec says how each of its fields is made from a row (a table's columns, or the
positions of a derived value): leaves render values, `Inline` objects derive from the row,
`Related` objects are read for all parents in one statement. Root fields check their
arguments and permissions first (`Abandon`: the executor answers instead).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Select, Table, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from restaurant_api.api import sql_json
from restaurant_api.api.node import to_global_id
from restaurant_api.api.scalars import serialize_datetime
from restaurant_api.db import OneOf, json_list, raw_column, stored_utc
from restaurant_api.money import format_cents
from restaurant_api.raw_reads import prebuilt

Fetch = Callable[[AsyncConnection], Awaitable[Any]]


class Abandon(Exception):
    """This request must run through the normal executor (it would answer an error)."""


@dataclass(frozen=True, slots=True)
class StatementFetch:
    """A root read by one prebuilt statement (its rows in the type's layout): a `Fetch`
    whose statement PostgreSQL can also wrap to build the answer's JSON (`api.plan_sql`)."""

    statement: Select[Any]
    parameters: Mapping[str, Any]
    many: bool

    async def __call__(self, connection: AsyncConnection) -> Any:
        result = await connection.execute(self.statement, self.parameters)
        if self.many:
            return [list(row) for row in result.all()]
        row = result.first()
        return None if row is None else list(row)


# A connection's row: its nodes' rows, whether more follow, whether the page follows a cursor.
PAGE_LAYOUT = ("rows", "has_next", "has_previous")
_HAS_PREVIOUS = "has_previous"  # the parameter of a page's JSON statement (`api.plan_sql`)


@dataclass(frozen=True, slots=True)
class PageFetch:
    """A connection root read by one prebuilt statement: its rows in page order, at most
    the parameter `limit` of them, which is one more than the page holds (the extra row
    says that more follow). The fetched value is the connection's row (`PAGE_LAYOUT`)."""

    statement: Select[Any]
    parameters: Mapping[str, Any]  # the statement's, `limit` included
    has_previous: bool

    @property
    def sql_parameters(self) -> dict[str, Any]:
        """The parameters of the page's JSON statement (`SqlPage`)."""
        return {**self.parameters, _HAS_PREVIOUS: self.has_previous}

    async def __call__(self, connection: AsyncConnection) -> list[Any]:
        result = await connection.execute(self.statement, self.parameters)
        rows = [list(row) for row in result.all()]
        first = self.parameters["limit"] - 1
        return [rows[:first], len(rows) > first, self.has_previous]


@dataclass(frozen=True)
class SqlPage:
    """A `PageFetch`'s rows in SQL, for plans whose JSON PostgreSQL builds: its statement
    as a common table expression with each row's position (PostgreSQL reads it once, for
    the edges and the page info alike). What stands for the `rows` of `PAGE_LAYOUT`."""

    rows: Any  # the CTE: the statement's columns, then `ordinal`

    @classmethod
    def of(cls, statement: Select[Any]) -> SqlPage:
        order = list(statement._order_by_clauses)
        ordinal = func.row_number().over(order_by=order).label("ordinal")
        return cls(statement.add_columns(ordinal).cte("page"))

    def edges(self) -> Select[Any]:
        """The page's rows (all but the extra one), in order, `ordinal` last."""
        ordinal = self.rows.c.ordinal
        return select(*self.rows.c).where(ordinal < bindparam("limit")).order_by(ordinal)

    def has_next(self) -> Any:
        more = func.count() >= bindparam("limit")
        return select(more).select_from(self.rows).scalar_subquery()

    def at_end(self, value: Callable[..., Any], names: Sequence[str], *, last: bool) -> Any:
        """`value` of the columns `names` of the page's first or last row (NULL: empty)."""
        ordinal = self.rows.c.ordinal
        found = select(value(*[self.rows.c[name] for name in names]))
        found = found.where(ordinal < bindparam("limit"))
        found = found.order_by(ordinal.desc() if last else ordinal).limit(1)
        return found.scalar_subquery()

    @staticmethod
    def has_previous() -> Any:
        return bindparam(_HAS_PREVIOUS, type_=Boolean)


@dataclass(frozen=True)
class Leaf:
    """A scalar or enum made from some of the row's values (`render` None: the one value).

    A `render` that is a `sql_json.Render` also computes the value in SQL, for plans whose
    JSON PostgreSQL builds (`api.plan_sql`); any other keeps such plans in Python.
    """

    columns: tuple[str, ...]
    render: Callable[..., Any] | None = None
    currency: bool = False  # render receives the currency after the values


@dataclass(frozen=True)
class Inline:
    """An object (or a list of them, `many`) derived from the row's values, without SQL."""

    type_name: str
    columns: tuple[str, ...]
    derive: Callable[..., Any]
    many: bool = False
    # derive, on SQL expressions: the object's row (a tuple), or with `many` its rows (a
    # select, ordered).
    sql: Callable[..., Any] | None = None


@dataclass(frozen=True)
class Related:
    """Objects read for every parent at once: `statement` (given `keys`) returns rows whose
    value at `key_index` is the parent's `parent_column` value."""

    type_name: str
    parent_column: str
    statement: Select[Any]  # with a list parameter `keys`
    key_index: int
    many: bool
    convert: Callable[[Sequence[Any]], Any] = list
    missing: Any = None  # a one-object relation without a row (lists: empty)
    # One object made from all the parent's rows (e.g. a sum). Relations with the same
    # `statement` on one object share its query, as fields sharing a DataLoader do.
    reduce: Callable[[list[Any]], Any] | None = None
    # `statement` before its `keys` condition, and the column that condition is on: what
    # PostgreSQL reads for one parent when it builds the JSON (`api.plan_sql`).
    rows: Select[Any] | None = None
    key_column: Any = None
    # `reduce` in SQL: given one parent's rows (a subquery), the reduced object's row as
    # SQL expressions (None: a plan with this field builds its answer in Python).
    sql_reduce: Callable[[Any], tuple[Any, ...]] | None = None

    def __post_init__(self) -> None:
        prebuilt(self.statement)  # built once, with the spec

    @classmethod
    def of(
        cls, type_name: str, parent_column: str, rows: Select[Any], key_column: Any, *, many: bool
    ) -> Related:
        """The relation whose objects are `rows` with `key_column` equal to the parent's
        `parent_column` (rows led by that column's layout position in `rows`)."""
        key_index = [c.key for c in rows.selected_columns].index(key_column.key)
        statement = rows.where(OneOf(key_column, "keys"))
        return cls(
            type_name, parent_column, statement, key_index, many, rows=rows, key_column=key_column
        )


FieldSpec = Leaf | Inline | Related


@dataclass(frozen=True)
class ObjectSpec:
    name: str
    layout: tuple[str, ...]  # the names of a row's positions
    fields: Mapping[str, FieldSpec]


@dataclass(frozen=True)
class RootField:
    """A Query field: `prepare(arguments, context)` checks everything that could fail
    (raising Abandon or a DomainError) and returns what reads the root value."""

    type_name: str
    many: bool
    prepare: Callable[[Mapping[str, Any], Any], Fetch]


def table_layout(table: Table) -> tuple[str, ...]:
    return tuple(column.name for column in table.c)


def row_columns(table: Table) -> list[Any]:
    """The table's columns for `select`, times and JSON left as the driver gives them.

    UTCDateTime converts every time of every row to UTC; a plan converts only the times
    it renders (`utc_time`), the same way. JSON columns arrive as their text and are decoded
    only where a field renders them (`db.json_list`): a page of 50 orders has about 1,200 JSON
    values (modifiers, options, tax rates of every order and ticket line), and decoding them
    all was a sixth of the page's CPU.
    """
    return [raw_column(column) for column in table.c]


json_list_text = sql_json.Render(json_list, sql_json.json_text)
# A time that is set (`isVoid`, `isDismissed`: the time it happened).
is_set = sql_json.Render(lambda value: value is not None, lambda value: value.is_not(None))


def _utc_time(value: datetime) -> str:
    """A DateTime's output, as the DateTime scalar renders a UTCDateTime value."""
    return serialize_datetime(stored_utc(value))


utc_time = sql_json.Render(_utc_time, sql_json.iso_utc)


def related(
    type_name: str,
    parent_column: str,
    table: Table,
    child_column: str,
    *,
    many: bool,
    order_by: tuple[str, ...] = (),
) -> Related:
    """Rows of `table` whose `child_column` is one of the parents' `parent_column` values."""
    # Built once: SQLAlchemy's compiled cache then serves every execution.
    rows = select(*row_columns(table)).order_by(*[table.c[name] for name in order_by])
    return Related.of(type_name, parent_column, rows, table.c[child_column], many=many)


def row_by_id(table: Table) -> Select[Any]:
    """The row of `table` whose id is the parameter `id` (built once per table)."""
    return prebuilt(select(*row_columns(table)).where(table.c.id == bindparam("id")))


def global_id(type_name: str) -> sql_json.Render:
    """`to_global_id` for one type, remembering the ids it made (hot reads repeat them)."""
    made: dict[int, str] = {}

    def render(database_id: int) -> str:
        value = made.get(database_id)
        if value is None:
            if len(made) >= 100_000:
                made.clear()
            value = made[database_id] = to_global_id(type_name, database_id)
        return value

    return sql_json.Render(render, lambda database_id: sql_json.global_id(type_name, database_id))


def optional(render: Callable[[Any], Any]) -> Callable[[Any], Any]:
    inner = sql_json.python(render)

    def python(value: Any) -> Any:
        return None if value is None else inner(value)

    if not isinstance(render, sql_json.Render):
        return python
    return sql_json.Render(python, lambda value: sql_json.null_if_null(value, render.sql(value)))


def enum_names(enum: Any) -> sql_json.Render:
    """A stored enum value to its GraphQL name (the member's name)."""
    names = {member.value: member.name for member in enum}
    return sql_json.Render(names.__getitem__, lambda value: sql_json.mapped(value, names))


_AMOUNTS: dict[int, str] = {}


def _remembered_amount(cents: int) -> str:
    """`format_cents`, remembered: a page repeats the same prices hundreds of times."""
    text = _AMOUNTS.get(cents)
    if text is None:
        if len(_AMOUNTS) >= 65_536:
            _AMOUNTS.clear()
        text = _AMOUNTS[cents] = format_cents(cents)
    return text


_amount = sql_json.Render(_remembered_amount, sql_json.amount)


MONEY = ObjectSpec(
    "Money",
    ("cents",),
    {
        "amount": Leaf(("cents",), _amount),
        "cents": Leaf(("cents",)),
        "currency": Leaf((), sql_json.Render.same(lambda currency: currency), currency=True),
    },
)
PAGE_INFO = ObjectSpec(
    "PageInfo",
    ("has_next", "has_previous", "start", "end"),
    {
        "hasNextPage": Leaf(("has_next",)),
        "hasPreviousPage": Leaf(("has_previous",)),
        "startCursor": Leaf(("start",)),
        "endCursor": Leaf(("end",)),
    },
)


def _same_row(*values: Any) -> tuple[Any, ...]:
    return values


def connection(
    node: str, layout: tuple[str, ...], cursor: tuple[str, ...], render: sql_json.Render
) -> tuple[ObjectSpec, ObjectSpec]:
    """The specs of `<node>Connection` and `<node>Edge` for a `PageFetch` root over rows of
    `layout`, whose cursor `render` makes of the columns `cursor`."""

    def edges(rows: list[list[Any]]) -> list[list[Any]]:
        # Copied: each object's row holds its own nested objects.
        return [list(row) for row in rows]

    def page_info(rows: list[list[Any]], has_next: bool, has_previous: bool) -> tuple[Any, ...]:
        if not rows:
            return (has_next, has_previous, None, None)
        positions = [layout.index(name) for name in cursor]
        start = render(*[rows[0][i] for i in positions])
        return (has_next, has_previous, start, render(*[rows[-1][i] for i in positions]))

    def page_info_sql(page: SqlPage, has_next: Any, has_previous: Any) -> tuple[Any, ...]:
        start = page.at_end(render.sql, cursor, last=False)
        return (has_next, has_previous, start, page.at_end(render.sql, cursor, last=True))

    edge = ObjectSpec(
        f"{node}Edge",
        layout,
        {
            "node": Inline(node, layout, lambda *values: list(values), sql=_same_row),
            "cursor": Leaf(cursor, render),
        },
    )
    page = ObjectSpec(
        f"{node}Connection",
        PAGE_LAYOUT,
        {
            "edges": Inline(edge.name, ("rows",), edges, many=True, sql=SqlPage.edges),
            "pageInfo": Inline("PageInfo", PAGE_LAYOUT, page_info, sql=page_info_sql),
        },
    )
    return page, edge


def _money_row(cents: Any) -> tuple[Any]:
    return (cents,)


def money(column: str) -> Inline:
    return Inline("Money", (column,), _money_row, sql=_money_row)
