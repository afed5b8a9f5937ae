"""The REST shape of an order, shared by the orders, tables and kitchen REST adapters.

Neutral ground: tables' bill split answers with orders, and one domain's adapter must not
import another's, so both present orders from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.api.rest import MoneyNumber
from restaurant_api.money import format_rate, from_cents
from restaurant_api.orders import service as orders_service
from restaurant_api.orders.service import Order, OrderLine, OrderStatus


class LineItemPublic(BaseModel):
    """The contract's item fields, shared by an order's lines and a kitchen ticket's."""

    name: str
    price: MoneyNumber
    category: str
    quantity: int
    modifiers: list[str]
    menu_item_id: int | None
    seat_number: int | None


class SelectedOptionPublic(BaseModel):
    """A modifier option chosen on a line, as copied at order time."""

    id: int
    group: str
    name: str
    kitchen_name: str
    price_delta: MoneyNumber

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SelectedOptionPublic:
        return cls(
            id=data["option_id"],
            group=data["group"],
            name=data["name"],
            kitchen_name=data["kitchen_name"],
            price_delta=from_cents(data["price_delta_cents"]),
        )


class OrderItemPublic(LineItemPublic):
    """One line of an order, as the documented clients read it."""

    # Beyond the contract:
    id: int
    position: int
    note: str | None
    line_total: MoneyNumber
    # The modifier options chosen; `price` (the unit price) includes their deltas.
    options: list[SelectedOptionPublic]

    @classmethod
    def from_model(cls, line: OrderLine) -> OrderItemPublic:
        return cls(
            name=line.name,
            price=from_cents(line.unit_price_cents),
            category=line.category,
            quantity=line.quantity,
            modifiers=list(line.modifiers),
            menu_item_id=line.menu_item_id,
            seat_number=line.seat_number,
            id=line.id,
            position=line.position,
            note=line.note,
            line_total=from_cents(orders_service.line_total_cents(line)),
            options=[SelectedOptionPublic.from_json(option) for option in line.options or ()],
        )


class CheckTaxPublic(BaseModel):
    """The tax of one rate on an order's check."""

    name: str
    rate: str  # exact percentage, e.g. "8.875"
    inclusive: bool  # already inside the prices (not added to grand_total again)
    amount: MoneyNumber


# The fields of each check seen lately, by identity: `orders.checks` hands out one Check
# object per distinct priced check, so a page of unchanged orders renders each check once.
# The Check is kept with its fields: its id cannot be reused while it is remembered.
_FIELDS_OF_CHECK: dict[int, tuple[Any, dict[str, Any]]] = {}


def check_fields(check: orders_service.Check | orders_service.Amounts) -> dict[str, Any]:
    """The check's additive fields of an order's JSON, in OrderPublic's key order (also
    every column of a split share: `tables.rest.SplitAmountsPublic`). Callers copy them
    into their own dict (`**check_fields(...)`) and never change them."""
    known = _FIELDS_OF_CHECK.get(id(check))
    if known is not None and known[0] is check:
        return known[1]
    fields = {
        "subtotal": check.subtotal_cents / 100,
        "discount_total": check.discount_cents / 100,
        "service_charge_total": check.service_charge_cents / 100,
        "tax": check.tax_cents / 100,
        "inclusive_tax": check.inclusive_tax_cents / 100,
        "grand_total": check.total_cents / 100,
        "taxes": [
            {
                "name": tax.key.name,
                "rate": format_rate(tax.key.rate_ppm),
                "inclusive": tax.key.inclusive,
                "amount": tax.amount_cents / 100,
            }
            for tax in check.taxes
        ],
    }
    if len(_FIELDS_OF_CHECK) >= 4096:
        _FIELDS_OF_CHECK.clear()
    _FIELDS_OF_CHECK[id(check)] = (check, fields)
    return fields


class OrderPublic(BaseModel):
    """The contract's Order object (plus a few extra fields)."""

    id: int
    order: list[OrderItemPublic]
    total: MoneyNumber
    table_id: int | None
    customer_count: int
    special_requests: str | None
    timestamp: datetime
    status: OrderStatus
    version: int
    # Beyond the contract:
    updated_at: datetime
    closed_at: datetime | None
    payment_method: str | None
    tip: MoneyNumber
    cancel_reason: str | None
    created_by_id: int | None
    # The check (added by issue 13; `total` keeps meaning the sum of the lines = subtotal).
    dining_option: str
    subtotal: MoneyNumber
    discount_total: MoneyNumber
    service_charge_total: MoneyNumber
    tax: MoneyNumber  # exclusive taxes, added on top
    inclusive_tax: MoneyNumber  # inside the prices, shown for the record
    grand_total: MoneyNumber  # subtotal - discount_total + service_charge_total + tax
    taxes: list[CheckTaxPublic]

    @classmethod
    def from_model(
        cls, order: Order, lines: Sequence[OrderLine], check: orders_service.Check | None = None
    ) -> OrderPublic:
        """`check`: the order's check; None prices the lines alone (no adjustments)."""
        if check is None:
            check = orders_service.check_of(order, lines, [], [])
        return cls(
            id=order.id,
            order=[OrderItemPublic.from_model(line) for line in lines],
            total=from_cents(orders_service.order_total_cents(lines)),
            table_id=order.table_id,
            customer_count=order.customer_count,
            special_requests=order.special_requests,
            timestamp=order.created_at,
            status=order.status,
            version=order.version,
            updated_at=order.updated_at,
            closed_at=order.closed_at,
            payment_method=order.payment_method,
            tip=from_cents(order.tip_cents),
            cancel_reason=order.cancel_reason,
            created_by_id=order.created_by_id,
            dining_option=order.dining_option,
            **check_fields(check),
        )


async def present_orders(session: AsyncSession, orders: Sequence[Order]) -> list[OrderPublic]:
    """Orders as clients see them; the lines of all of them come in one query."""
    ids = [o.id for o in orders]
    lines = await orders_service.lines_for_orders(session, ids)
    discounts, charges = await orders_service.adjustments_for_orders(session, ids)
    return [
        OrderPublic.from_model(
            order,
            lines.get(order.id, []),
            orders_service.check_of(
                order, lines.get(order.id, []), discounts[order.id], charges[order.id]
            ),
        )
        for order in orders
    ]


async def present_order(session: AsyncSession, order: Order) -> OrderPublic:
    return (await present_orders(session, [order]))[0]
