"""Tips: a card tip adjusted after the payment was taken, and the tips of a day per staff
member.

A card tip is often known only later (the guest writes it on the slip after the card was
authorized), so it can change until the payment's business day closes; every change is
kept as a `TipAdjustment`. Cash and other tenders hand their tip over at once: fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id, utcnow
from restaurant_api.errors import Conflict, InvalidInput
from restaurant_api.inputs import price_cents
from restaurant_api.orders import service as orders_service
from restaurant_api.payments.days import BusinessCalendar, ensure_day_open
from restaurant_api.payments.errors import PaymentNotFound
from restaurant_api.payments.models import (
    Payment,
    PaymentStatus,
    Refund,
    Tender,
    TipAdjustment,
)
from restaurant_api.users import service as users_service
from restaurant_api.users.service import FLOOR_STAFF, MANAGERS, User, require_role

# A slip is corrected once or twice; beyond this a terminal is looping.
MAX_TIP_ADJUSTMENTS = 20
# Staff lines of one day's tip report (a restaurant has far fewer people on a shift).
MAX_STAFF_LINES = 200


class TipNotAdjustable(Conflict):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="payment_id")


@dataclass(frozen=True, slots=True)
class TipAdjusted:
    """A payment after its tip changed; `adjustment` is None when the tip was already so."""

    payment: Payment
    adjustment: TipAdjustment | None


@dataclass(frozen=True, slots=True)
class StaffTips:
    """One staff member's tips of a business date (captured payments they took)."""

    staff_id: int | None  # None: payments whose taker's account was deleted
    staff_name: str | None
    tip_cents: int
    payment_count: int
    amount_cents: int


@dataclass(frozen=True, slots=True)
class LockedPayment:
    """A payment read fresh under its check's lock; `order` is None once it was deleted."""

    payment: Payment
    order: orders_service.Order | None


async def lock_payment(session: AsyncSession, payment_id: int) -> LockedPayment:
    """The payment, its order row locked first (every change of a check's ledger takes the
    order's lock, so two terminals serialize), then the payment itself, read fresh."""
    if not is_valid_id(payment_id):
        raise PaymentNotFound()
    order_ref = (
        await session.exec(select(Payment.order_ref).where(Payment.id == payment_id))
    ).first()
    if order_ref is None:
        raise PaymentNotFound()
    order = await orders_service.lock_order(session, order_ref)
    query = select(Payment).where(Payment.id == payment_id).with_for_update()
    payment = (await session.exec(query.execution_options(populate_existing=True))).first()
    if payment is None:
        raise PaymentNotFound()
    # A deleted order's id may be reused by a new order (SQLite): only its own order counts.
    if order is not None and payment.order_id != order.id:
        order = None
    return LockedPayment(payment, order)


async def adjust_tip(
    session: AsyncSession,
    *,
    actor: User | None,
    calendar: BusinessCalendar,
    payment_id: int,
    tip: Decimal | int | str,
    now: datetime | None = None,
) -> TipAdjusted:
    """Change a captured card payment's tip until its business day closes (floor staff)."""
    user = require_role(actor, FLOOR_STAFF)
    tip_cents = price_cents(tip, "tip")
    moment = now or utcnow()
    locked = await lock_payment(session, payment_id)
    payment = locked.payment
    if payment.tender != Tender.CARD:
        raise TipNotAdjustable("Only a card payment's tip can be adjusted")
    if payment.status != PaymentStatus.CAPTURED:
        raise TipNotAdjustable("A voided payment's tip cannot be adjusted")
    await ensure_day_open(session, payment.business_date)
    await ensure_day_open(session, calendar.today(moment))
    if tip_cents == payment.tip_cents:
        return TipAdjusted(payment, None)
    refunded = await _refunded_cents(session, payment.id)
    if payment.amount_cents + tip_cents < refunded:
        raise InvalidInput(
            "The tip cannot go below what was already refunded on this payment "
            f"({refunded} cents, more than its amount)",
            field="tip",
        )
    if await _adjustment_count(session, payment.id) >= MAX_TIP_ADJUSTMENTS:
        raise TipNotAdjustable(
            f"A payment's tip can be adjusted at most {MAX_TIP_ADJUSTMENTS} times"
        )
    adjustment = TipAdjustment(
        payment_id=payment.id,
        tip_before_cents=payment.tip_cents,
        tip_after_cents=tip_cents,
        adjusted_by_id=user.id,
        created_at=moment,
    )
    payment.tip_cents = tip_cents
    session.add_all([payment, adjustment])
    await session.flush()
    await _sync_legacy_tip(session, payment, locked.order)
    return TipAdjusted(payment, adjustment)


async def _refunded_cents(session: AsyncSession, payment_id: int) -> int:
    query = select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
        Refund.payment_id == payment_id
    )
    return int((await session.exec(query)).one())


async def _adjustment_count(session: AsyncSession, payment_id: int) -> int:
    query = select(func.count()).where(TipAdjustment.payment_id == payment_id)
    return int((await session.exec(query)).one())


async def _sync_legacy_tip(
    session: AsyncSession, payment: Payment, order: orders_service.Order | None
) -> None:
    """The order's old `tip` (REST `tip`, GraphQL `tip`) is the tips of its captured
    payments, as adjusted; then the check's subscribers hear of the change."""
    if order is None:
        return
    query = select(func.coalesce(func.sum(Payment.tip_cents), 0)).where(
        Payment.order_id == order.id, Payment.status == PaymentStatus.CAPTURED
    )
    order.tip_cents = int((await session.exec(query)).one())
    orders_service.touch_and_publish_order(session, order)
    await session.flush()


async def tip_adjustments_of(
    session: AsyncSession, *, actor: User | None, payment_id: int
) -> list[TipAdjustment]:
    """A payment's tip adjustments, oldest first (floor staff)."""
    require_role(actor, FLOOR_STAFF)
    if not is_valid_id(payment_id) or await session.get(Payment, payment_id) is None:
        raise PaymentNotFound()
    query = (
        select(TipAdjustment)
        .where(TipAdjustment.payment_id == payment_id)
        .order_by(col(TipAdjustment.id))
        .limit(MAX_TIP_ADJUSTMENTS)
    )
    return list((await session.exec(query)).all())


async def tips_by_staff(session: AsyncSession, *, actor: User | None, day: date) -> list[StaffTips]:
    """Tips (as adjusted) of the captured payments of a business date, per staff member who
    took them, by name. Managers and admins see everyone; a server sees their own line."""
    user = require_role(actor, FLOOR_STAFF)
    query = (
        select(
            Payment.taken_by_id,
            func.coalesce(func.sum(Payment.tip_cents), 0),
            func.count(),
            func.coalesce(func.sum(Payment.amount_cents), 0),
        )
        .where(Payment.business_date == day, Payment.status == PaymentStatus.CAPTURED)
        .group_by(col(Payment.taken_by_id))
        .limit(MAX_STAFF_LINES)
    )
    if user.role not in MANAGERS:
        query = query.where(Payment.taken_by_id == user.id)
    rows = list((await session.exec(query)).all())
    ids = [row[0] for row in rows if row[0] is not None]
    staff = await users_service.users_by_id(session, ids) if ids else {}
    lines = [
        StaffTips(
            staff_id=staff_id,
            staff_name=staff[staff_id].name if staff_id in staff else None,
            tip_cents=int(tips),
            payment_count=int(count),
            amount_cents=int(amount),
        )
        for staff_id, tips, count, amount in rows
    ]
    return sorted(lines, key=lambda line: ((line.staff_name or "").casefold(), line.staff_id or 0))
