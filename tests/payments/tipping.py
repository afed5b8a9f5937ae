"""Ledger rows for the tips and refunds tests, written directly with the models so these
tests do not depend on how payments are recorded (the ledger's own tests cover that)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import col, select

from restaurant_api.db import Database, utcnow
from restaurant_api.orders.models import Order, OrderStatus
from restaurant_api.payments.days import BusinessCalendar
from restaurant_api.payments.models import (
    BusinessDay,
    BusinessDayStatus,
    Payment,
    PaymentStatus,
    Refund,
    Tender,
    TipAdjustment,
)
from tests.factories import Item

# The test settings' calendar (RESTAURANT_TIMEZONE=UTC, BUSINESS_DAY_CUTOFF_HOUR=4).
CALENDAR = BusinessCalendar()

ADJUST = """
mutation($id: ID!, $tip: Decimal!) {
  adjustTip(paymentId: $id, tip: $tip) {
    __typename
    ... on AdjustTipPayload {
      paymentId orderId tip { amount cents }
      tipAdjustment { id paymentId tipBefore { amount } tipAfter { amount } adjustedById }
    }
    ... on ValidationError { code message field }
    ... on Error { code message }
  }
}"""

REFUND = """
mutation($input: RefundPaymentInput!) {
  refundPayment(input: $input) {
    __typename
    ... on RefundPaymentPayload {
      replayed refundable { amount }
      refund { id databaseId paymentId amount { amount } reason refundedById businessDate }
    }
    ... on ValidationError { code message field }
    ... on Error { code message }
  }
}"""


def today() -> date:
    return CALENDAR.today()


async def paid_order(
    add_order: Any, db: Database, *, close: bool = True, price_cents: int = 2000
) -> Order:
    """An order of one line; closed (as a settled check is) unless `close` is False."""
    order = await add_order([Item("Steak", price_cents)])
    if close:
        await set_status(db, order.id, OrderStatus.CLOSED)
    return order


async def set_status(db: Database, order_id: int, status: OrderStatus) -> None:
    async with db.session() as session:
        order = await session.get(Order, order_id)
        assert order is not None
        order.status = status
        order.closed_at = utcnow() if status != OrderStatus.OPEN else None
        session.add(order)


async def add_payment(
    db: Database,
    order_id: int,
    *,
    amount_cents: int = 2000,
    tip_cents: int = 0,
    tender: Tender = Tender.CARD,
    taken_by_id: int | None = None,
    business_date: date | None = None,
    status: PaymentStatus = PaymentStatus.CAPTURED,
) -> Payment:
    async with db.session() as session:
        payment = Payment(
            order_id=order_id,
            order_ref=order_id,
            tender=tender,
            amount_cents=amount_cents,
            tendered_cents=amount_cents,
            change_cents=0,
            tip_cents=tip_cents,
            status=status,
            taken_by_id=taken_by_id,
            business_date=business_date or today(),
        )
        session.add(payment)
        await session.flush()
    return payment


async def close_day(db: Database, day: date) -> None:
    async with db.session() as session:
        session.add(
            BusinessDay(business_date=day, status=BusinessDayStatus.CLOSED, closed_at=utcnow())
        )


async def payment_row(db: Database, payment_id: int) -> Payment:
    async with db.session() as session:
        payment = await session.get(Payment, payment_id)
        assert payment is not None
        return payment


async def order_row(db: Database, order_id: int) -> Order:
    async with db.session() as session:
        order = await session.get(Order, order_id)
        assert order is not None
        return order


async def refunds_of(db: Database, payment_id: int) -> list[Refund]:
    async with db.session() as session:
        rows = await session.exec(
            select(Refund).where(Refund.payment_id == payment_id).order_by(col(Refund.id))
        )
        return list(rows.all())


async def adjustments_of(db: Database, payment_id: int) -> list[TipAdjustment]:
    async with db.session() as session:
        rows = await session.exec(
            select(TipAdjustment)
            .where(TipAdjustment.payment_id == payment_id)
            .order_by(col(TipAdjustment.id))
        )
        return list(rows.all())


def at(moment: str) -> datetime:
    """An aware instant from ISO text with an offset."""
    value = datetime.fromisoformat(moment)
    assert value.tzinfo is not None
    return value
