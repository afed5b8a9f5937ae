"""Plans whose JSON PostgreSQL builds: one statement per answer, as PostGraphile does.

A compiled plan (`api.plans`) reads rows and builds the answer in Python: one statement per
relation and level, then a generated function per object. When every field of a document
has a SQL twin (plain columns, global ids, money, enums, times, cursors: `api.sql_json`;
objects read by `Related.rows`; roots read by a `StatementFetch` or, for a connection, a
`PageFetch`), the front door instead sends one statement that nests the same reads as
correlated subqueries and returns the `data` object as JSON text: psycopg hands back one
string, and no row, dict or encoder runs in Python. A document with any other field (an
order's check) keeps the Python build.

The JSON is spelled by concatenating texts (`sql_json.json_object`, `sql_json.json_list`):
compact, as orjson spells the Python build, with the same values in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, Integer, String, TypeDecorator, func, select
from sqlalchemy.sql.elements import ColumnElement

from restaurant_api.api import sql_json
from restaurant_api.api.plan_specs import (
    PAGE_LAYOUT,
    Fetch,
    Inline,
    Leaf,
    PageFetch,
    Related,
    SqlPage,
    StatementFetch,
)
from restaurant_api.api.plans import ObjectField, Plan, PlanNode
from restaurant_api.api.sql_json import NotInSql
from restaurant_api.raw_reads import OwnedStatement, RawConnection, RowReader, is_prebuilt


def _plain(column: ColumnElement[Any]) -> bool:
    """A value JSON spells the same from the driver's value and from PostgreSQL's: an
    integer, a boolean or a string (SQLModel's AutoString included: it converts nothing)."""
    kind: Any = column.type
    if isinstance(kind, TypeDecorator):
        if type(kind).process_result_value is not TypeDecorator.process_result_value:
            return False
        kind = kind.impl_instance
    return isinstance(kind, (Integer, Boolean, String))


def _leaf(spec: Leaf, node: PlanNode, columns: Sequence[Any], currency: str) -> Any:
    positions = {name: index for index, name in enumerate(node.spec.layout)}
    values = [columns[positions[name]] for name in spec.columns]
    if spec.currency:
        values.append(sql_json.text(currency))
    render = sql_json.render_sql(spec.render)
    if render is not None:
        return render(*values)
    if spec.render is None and len(values) == 1 and _plain(values[0]):
        return values[0]
    raise NotInSql


def _object(node: PlanNode, columns: Sequence[Any], currency: str) -> Any:
    """The JSON object of the node's selection over `columns` (its row, in layout order)."""
    pairs: list[tuple[str, Any]] = []
    for key, item in node.selection:
        if isinstance(item, str):
            pairs.append((key, sql_json.type_name(item)))
        elif isinstance(item, Leaf):
            pairs.append((key, _leaf(item, node, columns, currency)))
        else:
            pairs.append((key, _nested(item, columns, currency)))
    return sql_json.json_object(pairs)


def _list_of(node: PlanNode, rows: Any, order: Sequence[Any], currency: str) -> Any:
    """A JSON list of `rows` (a select in the node's layout, maybe with more columns after)
    built by `node`, in `order` (clauses over `rows`' tables)."""
    subquery = rows.subquery()
    adapted = sql_json.order_over(subquery, order)
    if adapted is None:
        # Ordered by columns `rows` does not select: number the rows in a window.
        numbered = rows.add_columns(func.row_number().over(order_by=order).label("ordinal"))
        subquery = numbered.subquery()
        adapted = [subquery.c.ordinal]
    built = sql_json.json_list(_object(node, list(subquery.c), currency), adapted)
    return select(built).select_from(subquery).scalar_subquery()


def _one_of(node: PlanNode, rows: Any, currency: str) -> Any:
    subquery = rows.subquery()
    built = _object(node, list(subquery.c), currency)
    return select(built).select_from(subquery).limit(1).scalar_subquery()


def _nested(field: ObjectField, columns: Sequence[Any], currency: str) -> Any:
    spec = field.spec
    values = [columns[index] for index in field.indexes]
    if isinstance(spec, Inline):
        if spec.sql is None:
            raise NotInSql
        derived = spec.sql(*values)
        if spec.many:
            order = list(derived._order_by_clauses)
            return _list_of(field.node, derived.order_by(None), order, currency)
        return _object(field.node, list(derived), currency)
    if not _related_in_sql(spec):
        raise NotInSql
    assert spec.rows is not None
    (parent_key,) = values
    rows = spec.rows.where(spec.key_column == parent_key).correlate(parent_key.table)
    if spec.reduce is not None:
        assert spec.sql_reduce is not None
        reduced = spec.sql_reduce(rows.order_by(None).subquery())
        return _object(field.node, list(reduced), currency)
    if spec.many:
        order = list(spec.rows._order_by_clauses)
        return _list_of(field.node, rows.order_by(None), order, currency)
    return _one_of(field.node, rows, currency)


def _related_in_sql(spec: Related) -> bool:
    return (
        spec.rows is not None
        and (spec.reduce is None or spec.sql_reduce is not None)
        and spec.convert is list
        and (spec.many or spec.missing is None)
    )


def _statement(plan: Plan, fetches: Sequence[Fetch | None]) -> Any:
    roots: list[tuple[str, Any]] = []
    for (key, root), fetch in zip(plan.roots, fetches, strict=True):
        if root is None:
            roots.append((key, sql_json.type_name("Query")))
            continue
        assert root.node is not None
        if isinstance(fetch, PageFetch) and root.node.spec.layout == PAGE_LAYOUT:
            page = SqlPage.of(fetch.statement)
            row = [page, page.has_next(), page.has_previous()]
            roots.append((key, _object(root.node, row, plan.currency)))
            continue
        if not isinstance(fetch, StatementFetch) or fetch.many != root.spec.many:
            raise NotInSql
        rows = fetch.statement
        if fetch.many:
            order = list(rows._order_by_clauses)
            roots.append((key, _list_of(root.node, rows, order, plan.currency)))
        else:
            roots.append((key, _one_of(root.node, rows, plan.currency)))
    return OwnedStatement(select(sql_json.json_object(roots)))


def _parameters(fetches: Sequence[Fetch | None]) -> dict[str, Any] | None:
    """The roots' parameters together (None: two roots bind the same name)."""
    merged: dict[str, Any] = {}
    for fetch in fetches:
        if isinstance(fetch, (StatementFetch, PageFetch)):
            parameters = fetch.sql_parameters if isinstance(fetch, PageFetch) else fetch.parameters
            if merged.keys() & parameters.keys():
                return None
            merged.update(parameters)
    return merged


async def answer_data(
    plan: Plan, fetches: Sequence[Fetch | None], connection: RowReader
) -> bytes | None:
    """The answer's `data` as JSON built by PostgreSQL, or None: build it in Python."""
    statements = [
        f.statement if isinstance(f, (StatementFetch, PageFetch)) else None for f in fetches
    ]
    if not all(statement is None or is_prebuilt(statement) for statement in statements):
        return None  # built per request: compiling its JSON statement would cost more
    key = tuple(0 if statement is None else id(statement) for statement in statements)
    if key not in plan.sql:
        try:
            plan.sql[key] = _statement(plan, fetches)
        except NotInSql:
            plan.sql[key] = None
    statement = plan.sql[key]
    parameters = _parameters(fetches)
    if statement is None or parameters is None:
        return None
    if isinstance(connection, RawConnection):
        return await connection.fetch_text(statement, parameters)
    row = (await connection.execute(statement.statement, parameters)).first()
    assert row is not None
    return str(row[0]).encode()
