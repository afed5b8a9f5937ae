"""What discounts and service charges share: their terms (a percentage or an amount), the
reasons they need, and the way a change to a check is made (lock, price before, change,
price after, audit, bump the version, publish).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import utcnow
from restaurant_api.errors import Conflict, InvalidInput
from restaurant_api.inputs import clean_text, price_cents, rate_ppm
from restaurant_api.limits import MAX_DISCOUNTS_PER_ORDER, MAX_SERVICE_CHARGES_PER_ORDER
from restaurant_api.orders.audit import AuditAction, record_audit
from restaurant_api.orders.checks import price_order
from restaurant_api.orders.events import order_changed
from restaurant_api.orders.models import Order, OrderDiscount, OrderServiceCharge
from restaurant_api.orders.paid import refuse_below_paid
from restaurant_api.pricing import service as pricing

MAX_REASON = 500
MAX_NAME = 60


def reason_text(reason: str | None, field: str = "reason") -> str:
    """A required reason: stripped, not empty, bounded."""
    return clean_text(reason or "", field, MAX_REASON)


@dataclass(frozen=True, slots=True)
class Terms:
    """What a discount or a charge takes or adds: a percentage or an amount."""

    name: str
    kind: str  # pricing.PERCENT or pricing.AMOUNT
    rate_ppm: int = 0
    amount_cents: int = 0


def open_terms(
    *,
    name: str | None,
    default_name: str,
    kind: str | None,
    rate: Decimal | str | None,
    amount: Decimal | str | None,
) -> Terms:
    """Terms typed in by hand: a `rate` (percent) or an `amount`, exactly one of them."""
    label = clean_text(name, "name", MAX_NAME) if name else default_name
    if (rate is None) == (amount is None):
        raise InvalidInput("Give either a rate or an amount", field="rate")
    if rate is not None:
        if kind not in (None, pricing.PERCENT):
            raise InvalidInput("A rate goes with the percent kind", field="kind")
        ppm = rate_ppm(rate)
        if ppm == 0:
            raise InvalidInput("rate must be more than 0", field="rate")
        return Terms(label, pricing.PERCENT, rate_ppm=ppm)
    if kind not in (None, pricing.AMOUNT):
        raise InvalidInput("An amount goes with the amount kind", field="kind")
    assert amount is not None
    cents = price_cents(amount, "amount")
    if cents == 0:
        raise InvalidInput("amount must be more than 0", field="amount")
    return Terms(label, pricing.AMOUNT, amount_cents=cents)


async def check_room_for(
    session: AsyncSession, model: type[OrderDiscount] | type[OrderServiceCharge], order: Order
) -> None:
    """Refuse one more discount or charge past the per-order cap (rows of any status)."""
    cap = MAX_DISCOUNTS_PER_ORDER if model is OrderDiscount else MAX_SERVICE_CHARGES_PER_ORDER
    count = (
        await session.exec(
            select(func.count()).select_from(model).where(col(model.order_id) == order.id)
        )
    ).one()
    if count >= cap:
        noun = "discounts" if model is OrderDiscount else "service charges"
        raise Conflict(f"An order has at most {cap} {noun}, whatever their status")


@dataclass(slots=True)
class CheckChange:
    """One change to an order's check under its lock: the total before, for the audit."""

    order: Order
    check: pricing.Check  # the check before the change

    @property
    def before_cents(self) -> int:
        return self.check.total_cents


async def begin_change(session: AsyncSession, order: Order) -> CheckChange:
    """Price the (locked) order before a change."""
    return CheckChange(order, await price_order(session, order))


async def finish_change(
    session: AsyncSession,
    change: CheckChange,
    action: AuditAction,
    *,
    actor_id: int | None,
    approver_id: int | None = None,
    reason: str | None = None,
    discount_id: int | None = None,
    service_charge_id: int | None = None,
    line_id: int | None = None,
) -> None:
    """Price after the change, audit it, bump the order's version and publish it."""
    await session.flush()
    after = await price_order(session, change.order)
    await refuse_below_paid(session, change.order, after.total_cents)
    record_audit(
        session,
        change.order.id,
        action,
        before_cents=change.before_cents,
        after_cents=after.total_cents,
        actor_id=actor_id,
        approver_id=approver_id,
        reason=reason,
        discount_id=discount_id,
        service_charge_id=service_charge_id,
        line_id=line_id,
    )
    change.order.version += 1
    change.order.updated_at = utcnow()
    session.add(change.order)
    await session.flush()
    order_changed(session, change.order)
