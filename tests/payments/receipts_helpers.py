"""A check with every part a receipt shows, made from rows (payments inserted directly
until the ledger's `record_payment` is merged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from restaurant_api.db import Database
from restaurant_api.orders.models import (
    AdjustmentStatus,
    Order,
    OrderDiscount,
    OrderLine,
    OrderServiceCharge,
    OrderStatus,
)
from restaurant_api.payments.models import Payment, PaymentStatus, Tender

SALES_TAX = {"id": None, "name": "Sales tax", "rate_ppm": 88_750, "inclusive": False}
VAT = {"id": None, "name": "VAT", "rate_ppm": 200_000, "inclusive": True}
OPENED = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
CLOSED = datetime(2026, 11, 27, 0, 45, tzinfo=UTC)


def option(name: str, delta_cents: int, group: str = "Extras") -> dict[str, Any]:
    return {
        "option_id": 1,
        "group": group,
        "name": name,
        "kitchen_name": name.upper() + " KITCHEN",
        "price_delta_cents": delta_cents,
    }


@dataclass
class FullCheck:
    order_id: int
    table_number: int


async def add_payment(
    db: Database,
    order_id: int,
    *,
    tender: Tender,
    amount: int,
    tendered: int | None = None,
    tip: int = 0,
    label: str | None = None,
    status: PaymentStatus = PaymentStatus.CAPTURED,
    taken_by_id: int | None = None,
    created_at: datetime = CLOSED,
) -> Payment:
    async with db.session() as session:
        handed = amount if tendered is None else tendered
        payment = Payment(
            order_id=order_id,
            order_ref=order_id,
            tender=tender,
            amount_cents=amount,
            tendered_cents=handed,
            change_cents=handed - amount,
            tip_cents=tip,
            method_label=label,
            status=status,
            taken_by_id=taken_by_id,
            business_date=date(2026, 11, 26),
            created_at=created_at,
        )
        session.add(payment)
        await session.flush()
        return payment


async def add_full_check(
    db: Database, add_table: Any, server_id: int, *, status: OrderStatus = OrderStatus.CLOSED
) -> FullCheck:
    """Burger x2 with two options (28.00, 10% off), wine with inclusive VAT (9.00), fries
    comped (4.50), 2.00 off the check, 10% service: total 37.53 (see the test)."""
    table = await add_table(12)
    async with db.session() as session:
        order = Order(
            table_id=table.id,
            customer_count=2,
            created_by_id=server_id,
            status=status,
            created_at=OPENED,
            closed_at=CLOSED if status == OrderStatus.CLOSED else None,
        )
        session.add(order)
        await session.flush()
        burger = OrderLine(
            order_id=order.id,
            position=0,
            name="Burger",
            category="Mains",
            unit_price_cents=1400,
            quantity=2,
            options=[option("Cheddar", 100, "Cheese"), option("Bacon", 50)],
            modifiers=["no onions"],
            tax_rates=[SALES_TAX],
        )
        wine = OrderLine(
            order_id=order.id,
            position=1,
            name="Wine",
            category="Drinks",
            unit_price_cents=900,
            tax_rates=[VAT],
        )
        fries = OrderLine(
            order_id=order.id,
            position=2,
            name="Fries",
            category="Sides",
            unit_price_cents=450,
            tax_rates=[SALES_TAX],
        )
        session.add_all([burger, wine, fries])
        await session.flush()
        applied = AdjustmentStatus.APPLIED
        session.add_all(
            [
                OrderDiscount(
                    order_id=order.id,
                    line_id=burger.id,
                    name="Happy hour",
                    kind="percent",
                    rate_ppm=100_000,
                    reason="5-7pm",
                    status=applied,
                ),
                OrderDiscount(
                    order_id=order.id,
                    line_id=fries.id,
                    name="Cold fries",
                    kind="percent",
                    rate_ppm=1_000_000,
                    is_comp=True,
                    reason="cold",
                    status=applied,
                ),
                OrderDiscount(
                    order_id=order.id,
                    name="Loyalty",
                    kind="amount",
                    amount_cents=200,
                    reason="card",
                    status=applied,
                ),
                OrderDiscount(  # denied: not on the receipt
                    order_id=order.id,
                    name="Denied",
                    kind="amount",
                    amount_cents=500,
                    reason="no",
                    status=AdjustmentStatus.DENIED,
                ),
                OrderServiceCharge(
                    order_id=order.id,
                    name="Service",
                    kind="percent",
                    rate_ppm=100_000,
                    status=applied,
                ),
            ]
        )
        await session.flush()
        return FullCheck(order.id, table.table_number)
