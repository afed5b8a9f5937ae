"""Reads of orders and their lines: by id, lists and their filters, plain rows for the
REST reads, and the locking reads every change of an order starts from."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, bindparam, false, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import OneOf, is_valid_id, raw_column, table_of
from restaurant_api.errors import InvalidInput
from restaurant_api.limits import MAX_ORDERS_PAGE
from restaurant_api.orders.errors import OrderNotFound, OrderNotOpen, VersionConflict
from restaurant_api.orders.models import Order, OrderLine, OrderStatus
from restaurant_api.orders.pricing import order_total_cents
from restaurant_api.orders.rows import lock_order
from restaurant_api.raw_reads import RowReader, prebuilt
from restaurant_api.users.service import ALL_STAFF, User, require_role


async def lines_for_orders(
    session: AsyncSession, order_ids: Sequence[int]
) -> dict[int, list[OrderLine]]:
    """The lines of several orders in one query, each list in position order."""
    grouped: dict[int, list[OrderLine]] = defaultdict(list)
    ids = list(order_ids)
    if not ids:
        return grouped
    rows = await session.exec(
        select(OrderLine)
        .where(col(OrderLine.order_id).in_(ids))
        .order_by(col(OrderLine.order_id), col(OrderLine.position), col(OrderLine.id))
    )
    for line in rows.all():
        grouped[line.order_id].append(line)
    return grouped


async def order_lines_by_id(session: AsyncSession, line_ids: Sequence[int]) -> dict[int, OrderLine]:
    if not line_ids:
        return {}
    rows = await session.exec(select(OrderLine).where(col(OrderLine.id).in_(list(line_ids))))
    return {line.id: line for line in rows.all()}


async def open_orders(session: AsyncSession) -> list[Order]:
    """Every open order, oldest first (live order screens)."""
    rows = await session.exec(
        select(Order)
        .where(Order.status == OrderStatus.OPEN)
        .order_by(col(Order.created_at), col(Order.id))
    )
    return list(rows.all())


async def orders_by_id(session: AsyncSession, order_ids: Sequence[int]) -> dict[int, Order]:
    wanted = [i for i in set(order_ids) if is_valid_id(i)]
    if not wanted:
        return {}
    rows = await session.exec(select(Order).where(col(Order.id).in_(wanted)))
    return {order.id: order for order in rows.all()}


async def order_total(session: AsyncSession, order_id: int) -> int:
    return order_total_cents((await lines_for_orders(session, [order_id]))[order_id])


async def get_order(session: AsyncSession, *, actor: User | None, order_id: int) -> Order:
    require_role(actor, ALL_STAFF)
    order = await session.get(Order, order_id) if is_valid_id(order_id) else None
    if order is None:
        raise OrderNotFound()
    return order


# --- lists ----------------------------------------------------------------------------------


def as_utc(value: datetime, field: str) -> datetime:
    """A filter time in UTC (naive means UTC), refused when UTC cannot represent it.

    9999-12-31T23:00-05:00 is past year 9999 in UTC: an error, not an overflow.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidInput(f"{field} is out of range (years 1 to 9999)", field=field) from None


@dataclass(frozen=True)
class OrderFilter:
    """Which orders a list holds, newest first (REST, GraphQL and the compiled plans' page).

    A None filter matches any order. Values are as clients sent them: they are checked
    when the list is read (`order_filters`, `list_orders`).
    """

    status: OrderStatus | str | None = None
    table_id: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    # Keyset cursor (created_at, id): only orders listed after that one.
    before: tuple[datetime, int] | None = None
    limit: int = 100
    offset: int = 0


ALL_ORDERS = OrderFilter()


def order_filters(where: OrderFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of `list_orders` (also the compiled GraphQL plans' page); the
    page (`limit`, `offset`) is the caller's."""
    clauses: list[ColumnElement[bool]] = []
    if where.status is not None:
        try:
            clauses.append(col(Order.status) == OrderStatus(where.status))
        except ValueError:
            raise InvalidInput(f"Unknown order status {where.status!r}", field="status") from None
    if where.table_id is not None:
        clauses.append(
            col(Order.table_id) == where.table_id if is_valid_id(where.table_id) else false()
        )
    if where.created_from is not None:
        clauses.append(col(Order.created_at) >= as_utc(where.created_from, "created_from"))
    if where.created_to is not None:
        clauses.append(col(Order.created_at) < as_utc(where.created_to, "created_to"))
    if where.before is not None:
        at, order_id = as_utc(where.before[0], "after"), where.before[1]
        if not is_valid_id(order_id):
            raise InvalidInput("Invalid cursor", field="after")
        clauses.append(_after_keyset(at, order_id))
    return clauses


def _after_keyset(at: Any, order_id: Any) -> ColumnElement[bool]:
    """Orders listed after the one created at `at` with id `order_id` (newest first)."""
    return or_(_ORDERS.created_at < at, (_ORDERS.created_at == at) & (_ORDERS.id < order_id))


def _valid_page(where: OrderFilter) -> bool:
    return 0 <= where.limit <= MAX_ORDERS_PAGE and where.offset >= 0


def _orders_query(where: OrderFilter, entities: Sequence[Any] = ()) -> Any:
    clauses = order_filters(where)
    if not _valid_page(where):
        raise InvalidInput(
            f"limit must be 0-{MAX_ORDERS_PAGE} and offset not negative", field="limit"
        )
    query = (select(*entities) if entities else select(Order)).where(*clauses)
    query = query.order_by(col(Order.created_at).desc(), col(Order.id).desc())
    return query.offset(where.offset).limit(where.limit)


async def list_orders(
    session: AsyncSession, *, actor: User | None, where: OrderFilter = ALL_ORDERS
) -> list[Order]:
    """Orders newest first; `where.before` pages by keyset, `offset` by count."""
    require_role(actor, ALL_STAFF)
    return list((await session.exec(_orders_query(where))).all())


# The columns of an order the REST JSON shows, in the order of its keys (`order_json`).
ORDER_ROW_COLUMNS = (
    "id",
    "table_id",
    "customer_count",
    "special_requests",
    "created_at",
    "status",
    "version",
    "updated_at",
    "closed_at",
    "payment_method",
    "tip_cents",
    "cancel_reason",
    "created_by_id",
    # What its check is priced with (`checks.check_of_rows`).
    "dining_option",
    "carried_check",
)
_ORDERS = table_of(Order).c
# Times and JSON as the driver gives them (`db.raw_column`): `raw_reads` can run these on
# PostgreSQL, and the presenters convert what they show.
_ORDER_ROW = select(*(raw_column(_ORDERS[name]) for name in ORDER_ROW_COLUMNS))
_STATUSES = frozenset(OrderStatus)


def newest_orders(
    columns: Sequence[Any], *, by_status: bool, by_table: bool, by_cursor: bool = False
) -> Select[Any]:
    """Orders with `columns`, newest first (the order of `list_orders`), filtered by the
    `status` and `table_id` parameters, and with `by_cursor` only those after the keyset
    (`before_at`, `before_id`): what pages are prebuilt from (REST's list here, the
    GraphQL plans' pages)."""
    statement = select(*columns)
    if by_status:
        statement = statement.where(_ORDERS.status == bindparam("status"))
    if by_table:
        statement = statement.where(_ORDERS.table_id == bindparam("table_id"))
    if by_cursor:
        statement = statement.where(_after_keyset(bindparam("before_at"), bindparam("before_id")))
    return statement.order_by(_ORDERS.created_at.desc(), _ORDERS.id.desc())


def first_page_filters(where: OrderFilter) -> dict[str, Any] | None:
    """The parameters of `where` for a `newest_orders` statement (status and table only),
    or None when its statement is built per request (times, a cursor, values to refuse:
    `order_filters` checks those)."""
    if where.created_from is not None or where.created_to is not None or where.before:
        return None
    if where.table_id is not None and not is_valid_id(where.table_id):
        return None
    if where.status is not None and where.status not in _STATUSES:
        return None
    parameters: dict[str, Any] = {}
    if where.status is not None:
        parameters["status"] = OrderStatus(where.status).value
    if where.table_id is not None:
        parameters["table_id"] = where.table_id
    return parameters


def keyset_page_filters(where: OrderFilter) -> dict[str, Any] | None:
    """`first_page_filters`, and a cursor's keyset (`before_at`, `before_id`) too."""
    parameters = first_page_filters(replace(where, before=None))
    if parameters is None or where.before is None:
        return parameters
    at, order_id = where.before
    if not is_valid_id(order_id):
        return None
    parameters.update(before_at=as_utc(at, "after"), before_id=order_id)
    return parameters


# Statements built once (no clause construction and cache-key walk per request): the
# list by its filters that REST sends (status, table), and one order by id.
_LIST_ORDER_ROWS = {
    (by_status, by_table): prebuilt(
        newest_orders(
            [raw_column(_ORDERS[name]) for name in ORDER_ROW_COLUMNS],
            by_status=by_status,
            by_table=by_table,
        )
        .offset(bindparam("offset"))
        .limit(bindparam("limit")),
        named=True,
    )
    for by_status in (False, True)
    for by_table in (False, True)
}
_GET_ORDER_ROW = prebuilt(_ORDER_ROW.where(_ORDERS.id == bindparam("order_id")), named=True)


async def list_order_rows(
    session: AsyncSession, *, actor: User | None, where: OrderFilter = ALL_ORDERS
) -> Sequence[Row[Any]]:
    """`list_orders` as plain rows of `ORDER_ROW_COLUMNS` (no ORM instances).

    Run as Core on the session's connection (same transaction): the ORM's execution
    layer has nothing to do for plain rows."""
    return await list_order_rows_on(await session.connection(), actor=actor, where=where)


async def list_order_rows_on(
    connection: RowReader, *, actor: User | None, where: OrderFilter = ALL_ORDERS
) -> Sequence[Any]:
    """`list_order_rows` on a connection: SQLAlchemy's, or straight psycopg (`raw_reads`)."""
    require_role(actor, ALL_STAFF)
    filters = first_page_filters(where) if _valid_page(where) else None
    if filters is not None:
        statement = _LIST_ORDER_ROWS["status" in filters, "table_id" in filters]
        parameters = {**filters, "limit": where.limit, "offset": where.offset}
        return (await connection.execute(statement, parameters)).all()
    # Anything else (time filters, a cursor, values to refuse) is built and checked here.
    query = _orders_query(where, [raw_column(_ORDERS[name]) for name in ORDER_ROW_COLUMNS])
    return (await connection.execute(query)).all()


async def get_order_row_on(connection: RowReader, *, actor: User | None, order_id: int) -> Any:
    """`get_order` as a plain row of `ORDER_ROW_COLUMNS`, read on a connection: SQLAlchemy's,
    or straight psycopg (`raw_reads`)."""
    require_role(actor, ALL_STAFF)
    row = None
    if is_valid_id(order_id):
        row = (await connection.execute(_GET_ORDER_ROW, {"order_id": order_id})).first()
    if row is None:
        raise OrderNotFound()
    return row


# The columns of a line the REST JSON shows, after the order id the rows are grouped by.
# The ids are one array parameter on PostgreSQL, whatever their number (one SQL text).
LINE_ROW_COLUMNS = (
    "name",
    "unit_price_cents",
    "category",
    "quantity",
    "modifiers",
    "menu_item_id",
    "seat_number",
    "id",
    "position",
    "note",
    "options",
    # What its part of the check is priced with (`checks.check_of_rows`).
    "tax_rates",
    "carried",
)
_LINES = table_of(OrderLine).c
# JSON columns come as their text (`db.raw_column`): most are "[]" (no modifiers, no
# options), and the tax rates are a key as they are (`checks.check_of_rows` decodes them
# only to price a check it has not priced before). Decoding every one was a fifth of a REST
# page of 50 orders.
_LINE_ROWS = prebuilt(
    select(_LINES.order_id, *(raw_column(_LINES[name]) for name in LINE_ROW_COLUMNS))
    .where(OneOf(_LINES.order_id, "order_ids"))
    .order_by(_LINES.order_id, _LINES.position, _LINES.id),
    named=True,
)


async def line_rows_for_orders(
    session: AsyncSession, order_ids: Sequence[int]
) -> dict[int, list[Any]]:
    """`lines_for_orders` as plain rows (the order id, then `LINE_ROW_COLUMNS`)."""
    return await line_rows_for_orders_on(await session.connection(), order_ids)


async def line_rows_for_orders_on(
    connection: RowReader, order_ids: Sequence[int]
) -> dict[int, list[Any]]:
    """`line_rows_for_orders` on a connection: SQLAlchemy's, or psycopg's (`raw_reads`)."""
    grouped: dict[int, list[Any]] = defaultdict(list)
    if not order_ids:
        return grouped
    result = await connection.execute(_LINE_ROWS, {"order_ids": list(order_ids)})
    for line in result.all():
        grouped[line[0]].append(line)
    return grouped


# --- locking reads --------------------------------------------------------------------------


async def lock_existing_order(session: AsyncSession, order_id: int) -> Order:
    """The order, locked (FOR UPDATE) and read fresh; OrderNotFound when there is none."""
    order = await lock_order(session, order_id)
    if order is None:
        raise OrderNotFound()
    return order


async def lock_order_for_change(session: AsyncSession, order_id: int, version: int | None) -> Order:
    """`lock_existing_order`, refused when `version` is stale or the order is no longer open."""
    order = await lock_existing_order(session, order_id)
    if version is not None and version != order.version:
        raise VersionConflict(order.version)
    if order.status != OrderStatus.OPEN:
        raise OrderNotOpen(order.status)
    return order
