"""Compiled-plan specs for orders, their lines and the orders connection.

See restaurant_api.api.plans: the same fields and formats as `orders.graphql`, read as rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import BigInteger, bindparam, cast, func, select

from restaurant_api.api import sql_json
from restaurant_api.api.node import decode_id, decode_optional_id
from restaurant_api.api.pagination import decode_time_id_cursor, encode_cursor
from restaurant_api.api.plan_specs import (
    Abandon,
    Fetch,
    Inline,
    Leaf,
    ObjectSpec,
    PageFetch,
    RootField,
    StatementFetch,
    connection,
    enum_names,
    global_id,
    json_list_text,
    money,
    optional,
    related,
    row_by_id,
    row_columns,
    table_layout,
    utc_time,
)
from restaurant_api.db import json_list, stored_utc, table_of
from restaurant_api.kitchen.plans import TICKETS
from restaurant_api.menu.plans import MENU_ITEMS
from restaurant_api.orders.graphql import ORDERS_PAGE
from restaurant_api.orders.models import Order, OrderLine, OrderStatus
from restaurant_api.orders.service import (
    OrderFilter,
    keyset_page_filters,
    newest_orders,
    order_filters,
)
from restaurant_api.pricing.models import DiningOption
from restaurant_api.raw_reads import prebuilt
from restaurant_api.tables.plans import TABLES

ORDERS = table_of(Order)
LINES = table_of(OrderLine)
ORDER_LAYOUT = table_layout(ORDERS)


# As the lines_by_order loader: by position. `total` shares its query (and sums it).
_LINES = related(
    "OrderLine", "id", LINES, "order_id", many=True, order_by=("order_id", "position", "id")
)
_PRICE, _QUANTITY = (
    table_layout(LINES).index("unit_price_cents"),
    table_layout(LINES).index("quantity"),
)


def _total(lines: list[Any]) -> tuple[int]:
    # As `order_total_cents`.
    return (sum(line[_PRICE] * line[_QUANTITY] for line in lines),)


def _total_sql(lines: Any) -> tuple[Any]:
    """`_total` in SQL, over one order's lines (a subquery of `_LINES.rows`)."""
    products = func.sum(lines.c.unit_price_cents * lines.c.quantity)
    return (select(cast(func.coalesce(products, 0), BigInteger)).scalar_subquery(),)


SELECTED_OPTION = ObjectSpec(
    "SelectedOption",
    ("option_id", "group", "name", "kitchen_name", "price_delta_cents"),
    {
        "optionId": Leaf(("option_id",), global_id("ModifierOption")),
        "group": Leaf(("group",)),
        "name": Leaf(("name",)),
        "kitchenName": Leaf(("kitchen_name",)),
        "priceDelta": money("price_delta_cents"),
    },
)


def _selected_options(options: str | None) -> list[list[Any]]:
    # As OrderLineType.options: the line's copied JSON, one row per option.
    return [
        [o["option_id"], o["group"], o["name"], o["kitchen_name"], o["price_delta_cents"]]
        for o in (json_list(options) if options is not None else ())
    ]


ORDER_LINE = ObjectSpec(
    "OrderLine",
    table_layout(LINES),
    {
        "id": Leaf(("id",), global_id("OrderLine")),
        "databaseId": Leaf(("id",)),
        "position": Leaf(("position",)),
        "name": Leaf(("name",)),
        "category": Leaf(("category",)),
        "quantity": Leaf(("quantity",)),
        "modifiers": Leaf(("modifiers",), json_list_text),
        "seatNumber": Leaf(("seat_number",)),
        "course": Leaf(("course",)),
        "note": Leaf(("note",)),
        "menuItemId": Leaf(("menu_item_id",), optional(global_id("MenuItem"))),
        "orderId": Leaf(("order_id",), global_id("Order")),
        "unitPrice": money("unit_price_cents"),
        "lineTotal": Inline(
            "Money", ("unit_price_cents", "quantity"), lambda cents, quantity: (cents * quantity,)
        ),
        "menuItem": related("MenuItem", "menu_item_id", MENU_ITEMS, "id", many=False),
        "options": Inline("SelectedOption", ("options",), _selected_options, many=True),
    },
)

ORDER = ObjectSpec(
    "Order",
    ORDER_LAYOUT,
    {
        "id": Leaf(("id",), global_id("Order")),
        "databaseId": Leaf(("id",)),
        "status": Leaf(("status",), enum_names(OrderStatus)),
        "customerCount": Leaf(("customer_count",)),
        "specialRequests": Leaf(("special_requests",)),
        "version": Leaf(("version",)),
        "paymentMethod": Leaf(("payment_method",)),
        "cancelReason": Leaf(("cancel_reason",)),
        "createdAt": Leaf(("created_at",), utc_time),
        "updatedAt": Leaf(("updated_at",), utc_time),
        "closedAt": Leaf(("closed_at",), optional(utc_time)),
        "tableId": Leaf(("table_id",), optional(global_id("Table"))),
        "createdById": Leaf(("created_by_id",), optional(global_id("User"))),
        "tip": money("tip_cents"),
        "diningOption": Leaf(("dining_option",), enum_names(DiningOption)),
        # `check` is not ported: a document selecting it runs on the executor.
        "total": replace(
            _LINES, type_name="Money", many=False, reduce=_total, sql_reduce=_total_sql
        ),
        "lines": _LINES,
        "table": related("Table", "table_id", TABLES, "id", many=False),
        "tickets": related("KitchenTicket", "id", TICKETS, "order_id", many=True, order_by=("id",)),
    },
)


def _cursor(created_at: Any, order_id: int) -> str:
    return encode_cursor(stored_utc(created_at).isoformat(), order_id)


def _cursor_sql(created_at: Any, order_id: Any) -> Any:
    return sql_json.cursor(sql_json.iso_utc(created_at), order_id)


ORDER_CONNECTION, ORDER_EDGE = connection(
    "Order", ORDER_LAYOUT, ("created_at", "id"), sql_json.Render(_cursor, _cursor_sql)
)


def _signed_in(context: Any) -> None:
    if getattr(context, "user", None) is None:
        raise Abandon  # IsAuthenticated answers with its error


# Pages by status, table and cursor, built once (every screen reads these); a page between
# dates is built per request from `order_filters`.
_PAGES = {
    (status, table, cursor): prebuilt(
        newest_orders(
            row_columns(ORDERS), by_status=status, by_table=table, by_cursor=cursor
        ).limit(bindparam("limit"))
    )
    for status in (False, True)
    for table in (False, True)
    for cursor in (False, True)
}
_ORDER = row_by_id(ORDERS)


def _orders(arguments: Mapping[str, Any], context: Any) -> Fetch:
    """As `Query.orders` and `service.list_orders`: same checks, filters and order."""
    _signed_in(context)
    first = ORDERS_PAGE.size(arguments["first"])
    after = arguments.get("after")
    where = OrderFilter(
        status=arguments.get("status"),
        table_id=decode_optional_id(arguments.get("tableId"), "Table", field="tableId"),
        created_from=arguments.get("createdFrom"),
        created_to=arguments.get("createdTo"),
        before=decode_time_id_cursor(after) if after else None,
        limit=first + 1,
    )
    clauses = order_filters(where)  # checks every filter, whichever statement runs
    parameters: dict[str, Any] = {"limit": where.limit}
    filters = keyset_page_filters(where)
    if filters is not None:
        statement = _PAGES["status" in filters, "table_id" in filters, "before_id" in filters]
        parameters.update(filters)
    else:
        statement = (
            select(*row_columns(ORDERS))
            .where(*clauses)
            .order_by(ORDERS.c.created_at.desc(), ORDERS.c.id.desc())
            .limit(bindparam("limit"))
        )
    return PageFetch(statement, parameters, has_previous=after is not None)


def _order(arguments: Mapping[str, Any], context: Any) -> Fetch:
    _signed_in(context)
    order_id = decode_id(arguments["id"], "Order", field="id")
    return StatementFetch(_ORDER, {"id": order_id}, many=False)


TYPES = [ORDER, ORDER_LINE, SELECTED_OPTION, ORDER_CONNECTION, ORDER_EDGE]
ROOTS = {
    "orders": RootField("OrderConnection", many=False, prepare=_orders),
    "order": RootField("Order", many=False, prepare=_order),
}
