"""Building business days for the report tests: checks with lines, discounts, service
charges, and ledger rows inserted directly (the ledger's use cases are another package)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from restaurant_api.db import Database
from restaurant_api.orders.models import (
    AdjustmentStatus,
    Order,
    OrderAuditEntry,
    OrderDiscount,
    OrderLine,
    OrderServiceCharge,
    OrderStatus,
)
from restaurant_api.payments.days import BusinessCalendar
from restaurant_api.payments.models import Payment, PaymentStatus, Refund, Tender
from restaurant_api.pricing.service import TaxSnapshot

CAL = BusinessCalendar("America/New_York", 4)
SALES = TaxSnapshot(1, "Sales tax", 88_750)
ALCOHOL = TaxSnapshot(2, "Alcohol", 100_000)
VAT = TaxSnapshot(3, "VAT", 200_000, inclusive=True)


def at(day: date, hours: float) -> datetime:
    """`hours` after the business date's cut-off (so 0 <= hours < 24 stays in the day)."""
    start, _ = CAL.bounds(day)
    return start + timedelta(hours=hours)


@dataclass(frozen=True)
class L:
    name: str
    cents: int
    quantity: int = 1
    category: str = "Mains"
    rates: tuple[TaxSnapshot, ...] = ()


@dataclass(frozen=True)
class D:
    """A discount: percent (ppm) or amount (cents), on line `line` or the check."""

    kind: str
    value: int
    line: int | None = None
    comp: bool = False
    reason: str = "regular"


@dataclass(frozen=True)
class C:
    """A service charge."""

    name: str
    kind: str
    value: int
    taxable: bool = False


@dataclass
class CheckSpec:
    lines: list[L]
    discounts: list[D] = field(default_factory=list)
    charges: list[C] = field(default_factory=list)
    customers: int = 2
    placed: datetime | None = None
    closed: datetime | None = None
    status: OrderStatus = OrderStatus.CLOSED
    cancel_reason: str | None = None
    voids: list[tuple[int, str]] = field(default_factory=list)  # (cents lost, reason)


async def add_check(db: Database, spec: CheckSpec, *, actor_id: int | None = None) -> Order:
    async with db.session() as session:
        order = Order(
            customer_count=spec.customers,
            status=spec.status,
            cancel_reason=spec.cancel_reason,
            closed_at=spec.closed,
        )
        if spec.placed is not None:
            order.created_at = spec.placed
        session.add(order)
        await session.flush()
        rows = [
            OrderLine(
                order_id=order.id,
                position=position,
                name=line.name,
                category=line.category,
                unit_price_cents=line.cents,
                quantity=line.quantity,
                tax_rates=[rate.to_json() for rate in line.rates],
            )
            for position, line in enumerate(spec.lines)
        ]
        session.add_all(rows)
        await session.flush()
        for discount in spec.discounts:
            session.add(
                OrderDiscount(
                    order_id=order.id,
                    line_id=None if discount.line is None else rows[discount.line].id,
                    name="Comp" if discount.comp else f"Discount {discount.kind}",
                    kind=discount.kind,
                    rate_ppm=discount.value if discount.kind == "percent" else 0,
                    amount_cents=discount.value if discount.kind == "amount" else 0,
                    is_comp=discount.comp,
                    reason=discount.reason,
                    status=AdjustmentStatus.APPLIED,
                    requested_by_id=actor_id,
                    approved_by_id=actor_id,
                )
            )
        for charge in spec.charges:
            session.add(
                OrderServiceCharge(
                    order_id=order.id,
                    name=charge.name,
                    kind=charge.kind,
                    rate_ppm=charge.value if charge.kind == "percent" else 0,
                    amount_cents=charge.value if charge.kind == "amount" else 0,
                    taxable=charge.taxable,
                    tax_rates=[SALES.to_json()] if charge.taxable else [],
                    status=AdjustmentStatus.APPLIED,
                )
            )
        for cents, reason in spec.voids:
            session.add(
                OrderAuditEntry(
                    order_id=order.id,
                    action="line_voided",
                    actor_id=actor_id,
                    reason=reason,
                    total_before_cents=10_000 + cents,
                    total_after_cents=10_000,
                )
            )
    return order


async def add_payment(
    db: Database,
    order_id: int,
    *,
    day: date,
    amount: int,
    tender: Tender = Tender.CARD,
    tip: int = 0,
    tendered: int | None = None,
    taken_by: int | None = None,
    status: PaymentStatus = PaymentStatus.CAPTURED,
) -> Payment:
    given = amount if tendered is None else tendered
    async with db.session() as session:
        payment = Payment(
            order_id=order_id,
            order_ref=order_id,
            tender=tender,
            amount_cents=amount,
            tendered_cents=given,
            change_cents=given - amount,
            tip_cents=tip,
            status=status,
            taken_by_id=taken_by,
            business_date=day,
        )
        session.add(payment)
    return payment


async def add_refund(
    db: Database,
    payment_id: int,
    amount: int,
    *,
    day: date,
    reason: str = "wrong dish",
    by: int | None = None,
) -> Refund:
    async with db.session() as session:
        refund = Refund(
            payment_id=payment_id,
            amount_cents=amount,
            reason=reason,
            refunded_by_id=by,
            business_date=day,
        )
        session.add(refund)
    return refund
