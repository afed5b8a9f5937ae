"""Compiled-plan specs for kitchen tickets (see restaurant_api.api.plans)."""

from __future__ import annotations

from datetime import datetime

from restaurant_api.api.plan_specs import (
    Leaf,
    ObjectSpec,
    enum_names,
    global_id,
    is_set,
    json_list_text,
    optional,
    related,
    table_layout,
    utc_time,
)
from restaurant_api.db import stored_utc, table_of, utcnow
from restaurant_api.kitchen.lateness import WORKING_STATUSES
from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine, TicketStatus
from restaurant_api.orders.models import Order

TICKETS = table_of(KitchenTicket)
TICKET_LINES = table_of(KitchenTicketLine)
ORDERS = table_of(Order)
_optional_time = optional(utc_time)


def _is_late(
    late_at: datetime | None,
    due: datetime | None,
    status: str,
    dismissed_at: datetime | None,
    ready_at: datetime | None,
) -> bool:
    # As KitchenTicket.isLate (kitchen.lateness.is_late), from the row's values.
    if late_at is not None:
        return True
    if due is None:
        return False
    if status in WORKING:
        return dismissed_at is None and stored_utc(due) <= utcnow()
    return ready_at is not None and stored_utc(ready_at) > stored_utc(due)


WORKING = frozenset(status.value for status in WORKING_STATUSES)

TICKET_LINE = ObjectSpec(
    "TicketLine",
    table_layout(TICKET_LINES),
    {
        "id": Leaf(("id",), global_id("TicketLine")),
        "databaseId": Leaf(("id",)),
        "name": Leaf(("name",)),
        "quantity": Leaf(("quantity",)),
        "modifiers": Leaf(("modifiers",), json_list_text),
        "options": Leaf(("options",), json_list_text),
        "seatNumber": Leaf(("seat_number",)),
        "note": Leaf(("note",)),
        "voidedAt": Leaf(("voided_at",), _optional_time),
        "voidReason": Leaf(("void_reason",)),
        "prepMinutes": Leaf(("prep_minutes",)),
        "readyAt": Leaf(("ready_at",), _optional_time),
        "orderLineId": Leaf(("order_line_id",), optional(global_id("OrderLine"))),
        "isVoid": Leaf(("voided_at",), is_set),
    },
)

KITCHEN_TICKET = ObjectSpec(
    "KitchenTicket",
    table_layout(TICKETS),
    {
        "id": Leaf(("id",), global_id("KitchenTicket")),
        "databaseId": Leaf(("id",)),
        "station": Leaf(("station",)),
        "status": Leaf(("status",), enum_names(TicketStatus)),
        "fireNumber": Leaf(("fire_number",)),
        "dismissedAt": Leaf(("dismissed_at",), _optional_time),
        "course": Leaf(("course",)),
        "firedAt": Leaf(("fired_at",), _optional_time),
        "dueAt": Leaf(("due_at",), _optional_time),
        "lateAt": Leaf(("late_at",), _optional_time),
        "readyAt": Leaf(("ready_at",), _optional_time),
        "servedAt": Leaf(("served_at",), _optional_time),
        "pickupReadyAt": Leaf(("pickup_ready_at",), _optional_time),
        "createdAt": Leaf(("created_at",), utc_time),
        "updatedAt": Leaf(("updated_at",), utc_time),
        "orderId": Leaf(("order_id",), global_id("Order")),
        "isDismissed": Leaf(("dismissed_at",), is_set),
        "isLate": Leaf(("late_at", "due_at", "status", "dismissed_at", "ready_at"), _is_late),
        # As the lines_by_ticket loader: by id, voided lines included.
        "lines": related(
            "TicketLine", "id", TICKET_LINES, "ticket_id", many=True, order_by=("id",)
        ),
        "order": related("Order", "order_id", ORDERS, "id", many=False),
    },
)

TYPES = [KITCHEN_TICKET, TICKET_LINE]
