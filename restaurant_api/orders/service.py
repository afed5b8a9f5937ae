"""The orders domain's public interface: its use cases, reads, inputs and errors.

Other domains and the adapters import from here; the modules behind it are the orders
domain's own:

- `drafts`: what clients send (new orders and lines, changes) and the input limits;
- `validation`: input checks, and drafts resolved into new lines priced from the menu;
- `reads`: orders and lines by id, lists and their filters (`OrderFilter`), plain rows
  for the REST reads, the locks changes start from (`lock_order_for_change`);
- `placing`: placing an order, idempotent retries;
- `changes`: changing an open order (REST's whole item list, GraphQL's single lines);
- `closing`: closing (settling), cancelling and deleting an order;
- `errors`: the domain's errors.

Totals are always derived from the lines (`pricing`); a client's total is only checked.
Every line is fired to the kitchen when it is created (`kitchen_service.fire_lines`), and
voided on its ticket when it is removed or changed.
"""

from __future__ import annotations

from restaurant_api.orders.changes import change_order_lines, replace_order_items, update_order
from restaurant_api.orders.closing import cancel_order, close_order, delete_order
from restaurant_api.orders.drafts import (
    MAX_CUSTOMERS,
    MAX_LINES,
    MAX_MODIFIERS,
    MAX_QUANTITY,
    MAX_SEAT,
    UNSET,
    LineChange,
    LineDraft,
    OrderChanges,
    OrderDraft,
    Unset,
)
from restaurant_api.orders.errors import (
    IdempotencyInProgress,
    IdempotencyMismatch,
    OrderLineNotFound,
    OrderNotFound,
    OrderNotOpen,
    VersionConflict,
)
from restaurant_api.orders.placing import place_order, place_order_with_lines
from restaurant_api.orders.reads import (
    ALL_ORDERS,
    OrderFilter,
    as_utc,
    get_order,
    get_order_row,
    line_rows_for_orders,
    lines_for_orders,
    list_order_rows,
    list_orders,
    open_orders,
    order_filters,
    order_lines_by_id,
    order_total,
    orders_by_id,
)

__all__ = [
    "ALL_ORDERS",
    "MAX_CUSTOMERS",
    "MAX_LINES",
    "MAX_MODIFIERS",
    "MAX_QUANTITY",
    "MAX_SEAT",
    "UNSET",
    "IdempotencyInProgress",
    "IdempotencyMismatch",
    "LineChange",
    "LineDraft",
    "OrderChanges",
    "OrderDraft",
    "OrderFilter",
    "OrderLineNotFound",
    "OrderNotFound",
    "OrderNotOpen",
    "Unset",
    "VersionConflict",
    "as_utc",
    "cancel_order",
    "change_order_lines",
    "close_order",
    "delete_order",
    "get_order",
    "get_order_row",
    "line_rows_for_orders",
    "lines_for_orders",
    "list_order_rows",
    "list_orders",
    "open_orders",
    "order_filters",
    "order_lines_by_id",
    "order_total",
    "orders_by_id",
    "place_order",
    "place_order_with_lines",
    "replace_order_items",
    "update_order",
]
