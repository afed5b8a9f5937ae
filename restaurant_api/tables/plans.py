"""Compiled-plan specs for tables and seats (see restaurant_api.api.plans)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, select

from restaurant_api.api.node import decode_id
from restaurant_api.api.plan_specs import (
    Abandon,
    Fetch,
    Leaf,
    ObjectSpec,
    RootField,
    StatementFetch,
    enum_names,
    global_id,
    optional,
    related,
    row_by_id,
    row_columns,
    table_layout,
    utc_time,
)
from restaurant_api.api.sql_json import Render
from restaurant_api.db import table_of
from restaurant_api.orders.models import Order
from restaurant_api.raw_reads import prebuilt
from restaurant_api.tables.graphql import TABLES_LISTED
from restaurant_api.tables.models import DiningTable, Seat, SeatStatus, TableStatus

TABLES = table_of(DiningTable)
SEATS = table_of(Seat)
ORDERS = table_of(Order)

SEAT = ObjectSpec(
    "Seat",
    table_layout(SEATS),
    {
        "id": Leaf(("id",), global_id("Seat")),
        "databaseId": Leaf(("id",)),
        "seatNumber": Leaf(("seat_number",)),
        "status": Leaf(("status",), enum_names(SeatStatus)),
        "customerName": Leaf(("customer_name",)),
    },
)


TABLE = ObjectSpec(
    "Table",
    table_layout(TABLES),
    {
        "id": Leaf(("id",), global_id("Table")),
        "databaseId": Leaf(("id",)),
        "tableNumber": Leaf(("table_number",)),
        "capacity": Leaf(("capacity",)),
        "status": Leaf(("status",), enum_names(TableStatus)),
        "version": Leaf(("version",)),
        "updatedAt": Leaf(("updated_at",), utc_time),
        "currentOrderId": Leaf(("current_order_id",), optional(global_id("Order"))),
        "mergedInto": Leaf(("merged_into",), optional(global_id("Table"))),
        "isOccupied": Leaf(("status",), Render.same(lambda status: status == TableStatus.OCCUPIED)),
        # As the seats_by_table loader: by seat number.
        "seats": related("Seat", "id", SEATS, "table_id", many=True, order_by=("seat_number",)),
        "currentOrder": related("Order", "current_order_id", ORDERS, "id", many=False),
    },
)


# As `service.list_tables`: by number, at most TABLES_LISTED.
_ALL_TABLES = prebuilt(
    select(*row_columns(TABLES)).order_by(TABLES.c.table_number).limit(TABLES_LISTED)
)
_TABLES_BY_STATUS = prebuilt(_ALL_TABLES.where(TABLES.c.status == bindparam("status")))
_TABLE = row_by_id(TABLES)


def _signed_in(context: Any) -> None:
    if getattr(context, "user", None) is None:
        raise Abandon  # IsAuthenticated answers with its error


def _tables(arguments: Mapping[str, Any], context: Any) -> Fetch:
    """As `Query.tables` and `service.list_tables`."""
    _signed_in(context)
    status = arguments.get("status")
    if status is None:
        return StatementFetch(_ALL_TABLES, {}, many=True)
    return StatementFetch(_TABLES_BY_STATUS, {"status": TableStatus(status).value}, many=True)


def _table(arguments: Mapping[str, Any], context: Any) -> Fetch:
    _signed_in(context)
    table_id = decode_id(arguments["id"], "Table", field="id")
    return StatementFetch(_TABLE, {"id": table_id}, many=False)


TYPES = [TABLE, SEAT]
ROOTS = {
    "tables": RootField("Table", many=True, prepare=_tables),
    "table": RootField("Table", many=False, prepare=_table),
}
