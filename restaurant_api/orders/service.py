"""The orders domain's public interface: its use cases, reads, inputs and errors.

Other domains and the adapters import from here; the modules behind it are the orders
domain's own:

- `drafts`: what clients send (new orders and lines, changes) and the input limits;
- `validation`: input checks, and drafts resolved into new lines priced from the menu;
- `reads`: orders and lines by id, lists and their filters (`OrderFilter`), plain rows
  for the REST reads, the locks changes start from (`lock_order_for_change`);
- `placing`: placing an order, idempotent retries;
- `quotes`: the check a draft would have, writing nothing;
- `taxes`, `checks`: the tax rates lines copy and the dining option; an order's check
  (`checks.price_order`, `checks.checks_for_orders`);
- `changes`: changing an open order (REST's whole item list, GraphQL's single lines);
- `closing`: settling an order its payments paid (`settle_paid_order`), cancelling and
  deleting an order;
- `errors`: the domain's errors;
- `rows`, `merging`, `splitting`: the orders' side of the floor's use cases (locking and
  reading the orders a table holds, merging their lines, splitting a bill);
- `events`: the change event subscribers of an order receive.

Totals are always derived from the lines (`pricing`); a client's total is only checked.
Every line is fired to the kitchen when it is created (`kitchen_service.fire_lines`), and
voided on its ticket when it is removed or changed.
"""

from __future__ import annotations

from restaurant_api.inputs import UNSET, Unset

# Business-day reports (payments.reports).
from restaurant_api.orders.audit import (
    AuditAction,
    audit_entries_for_orders,
    audit_trail,
)
from restaurant_api.orders.changes import change_order_lines, replace_order_items
from restaurant_api.orders.checks import (
    adjustment_rows_for_orders,
    adjustment_rows_for_orders_on,
    adjustments_for_orders,
    check_of,
    check_of_rows,
    checks_for_orders,
    price_order,
)
from restaurant_api.orders.closing import cancel_order, delete_order, settle_paid_order
from restaurant_api.orders.discounts import (
    DiscountDraft,
    DiscountNotFound,
    DiscountNotPending,
    apply_discount,
    approve_discount,
    comp_line,
    deny_discount,
    discounts_by_id,
    remove_discount,
    request_discount,
)
from restaurant_api.orders.drafts import (
    MAX_COURSE,
    MAX_CUSTOMERS,
    MAX_LINES,
    MAX_MODIFIERS,
    MAX_OPTIONS_PER_LINE,
    MAX_QUANTITY,
    MAX_SEAT,
    LineChange,
    LineDraft,
    OrderChanges,
    OrderDraft,
)
from restaurant_api.orders.errors import (
    IdempotencyInProgress,
    IdempotencyMismatch,
    OrderLineNotFound,
    OrderNotFound,
    OrderNotOpen,
    VersionConflict,
)
from restaurant_api.orders.events import order_changed
from restaurant_api.orders.merging import absorb_order, give_back_lines, merged_order_id
from restaurant_api.orders.models import (
    Order,
    OrderDiscount,
    OrderLine,
    OrderStatus,
)
from restaurant_api.orders.placing import place_order, place_order_with_lines
from restaurant_api.orders.pricing import line_total_cents, order_total_cents
from restaurant_api.orders.quotes import quote_order
from restaurant_api.orders.reads import (
    ALL_ORDERS,
    OrderFilter,
    as_utc,
    first_page_filters,
    get_order,
    get_order_row_on,
    keyset_page_filters,
    line_rows_for_orders,
    line_rows_for_orders_on,
    lines_for_orders,
    list_order_rows,
    list_order_rows_on,
    list_orders,
    lock_existing_order,
    lock_order_for_change,
    newest_orders,
    open_orders,
    order_filters,
    order_lines_by_id,
    order_total,
    orders_by_id,
)
from restaurant_api.orders.rows import (
    clear_line_origins,
    lock_open_order,
    lock_order,
    lock_orders,
    open_order_ids_on,
    order_lines,
    require_open,
    take_off_table,
    touch_and_publish_order,
)
from restaurant_api.orders.service_charges import (
    ServiceChargeDraft,
    ServiceChargeNotApplied,
    ServiceChargeNotFound,
    add_service_charge,
    remove_service_charge,
    service_charges_by_id,
    sync_automatic_charges,
)
from restaurant_api.orders.splitting import (
    InvalidSplit,
    SplitMode,
    SplitRequest,
    SplitShare,
    carried_parts,
    plan_split,
    preview_order_split,
    split_order,
)
from restaurant_api.pricing.service import Amounts, Check

__all__ = [
    "ALL_ORDERS",
    "MAX_COURSE",
    "MAX_CUSTOMERS",
    "MAX_LINES",
    "MAX_MODIFIERS",
    "MAX_OPTIONS_PER_LINE",
    "MAX_QUANTITY",
    "MAX_SEAT",
    "UNSET",
    "Amounts",
    "AuditAction",
    "Check",
    "DiscountDraft",
    "DiscountNotFound",
    "DiscountNotPending",
    "IdempotencyInProgress",
    "IdempotencyMismatch",
    "InvalidSplit",
    "LineChange",
    "LineDraft",
    "Order",
    "OrderChanges",
    "OrderDiscount",
    "OrderDraft",
    "OrderFilter",
    "OrderLine",
    "OrderLineNotFound",
    "OrderNotFound",
    "OrderNotOpen",
    "OrderStatus",
    "ServiceChargeDraft",
    "ServiceChargeNotApplied",
    "ServiceChargeNotFound",
    "SplitMode",
    "SplitRequest",
    "SplitShare",
    "Unset",
    "VersionConflict",
    "absorb_order",
    "add_service_charge",
    "adjustment_rows_for_orders",
    "adjustment_rows_for_orders_on",
    "adjustments_for_orders",
    "apply_discount",
    "approve_discount",
    "as_utc",
    "audit_entries_for_orders",
    "audit_trail",
    "cancel_order",
    "carried_parts",
    "change_order_lines",
    "check_of",
    "check_of_rows",
    "checks_for_orders",
    "clear_line_origins",
    "comp_line",
    "delete_order",
    "deny_discount",
    "discounts_by_id",
    "first_page_filters",
    "get_order",
    "get_order_row_on",
    "give_back_lines",
    "keyset_page_filters",
    "line_rows_for_orders",
    "line_rows_for_orders_on",
    "line_total_cents",
    "lines_for_orders",
    "list_order_rows",
    "list_order_rows_on",
    "list_orders",
    "lock_existing_order",
    "lock_open_order",
    "lock_order",
    "lock_order_for_change",
    "lock_orders",
    "merged_order_id",
    "newest_orders",
    "open_order_ids_on",
    "open_orders",
    "order_changed",
    "order_filters",
    "order_lines",
    "order_lines_by_id",
    "order_total",
    "order_total_cents",
    "orders_by_id",
    "place_order",
    "place_order_with_lines",
    "plan_split",
    "preview_order_split",
    "price_order",
    "quote_order",
    "remove_discount",
    "remove_service_charge",
    "replace_order_items",
    "request_discount",
    "require_open",
    "service_charges_by_id",
    "settle_paid_order",
    "split_order",
    "sync_automatic_charges",
    "take_off_table",
    "touch_and_publish_order",
]
