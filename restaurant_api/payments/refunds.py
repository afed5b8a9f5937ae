"""Refunds: money given back on a closed check's payment (managers and admins).

A refund reopens nothing and changes no balance: the check stays closed and paid, and the
refund is counted on the business date it happens (not the payment's, which may be closed
already). A check that is still open has its mistaken payment voided instead. At most the
payment's amount and tip, less what was refunded before, can go back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id, utcnow
from restaurant_api.errors import Conflict, ErrorCode, InvalidInput
from restaurant_api.inputs import clean_text, optional_text, price_cents
from restaurant_api.orders import service as orders_service
from restaurant_api.payments.days import BusinessCalendar, ensure_day_open
from restaurant_api.payments.models import Payment, PaymentStatus, Refund
from restaurant_api.payments.tips import PaymentNotFound, lock_payment
from restaurant_api.users.service import FLOOR_STAFF, MANAGERS, User, require_role

# Partial refunds of one payment (an item at a time); far more means a client loops.
MAX_REFUNDS_PER_PAYMENT = 20
MAX_REASON = 500
MAX_KEY = 255


class RefundNotAllowed(Conflict):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="payment_id")


class RefundTooLarge(InvalidInput):
    def __init__(self, refundable_cents: int) -> None:
        self.refundable_cents = refundable_cents
        super().__init__(
            "The refund is more than what is left to refund on this payment "
            f"({refundable_cents} cents: its amount and tip, less earlier refunds)",
            field="amount",
        )


class RefundKeyMismatch(InvalidInput):
    code = ErrorCode.IDEMPOTENCY_MISMATCH

    def __init__(self) -> None:
        super().__init__(
            "Idempotency key was already used with a different refund", field="idempotency_key"
        )


@dataclass(frozen=True, slots=True)
class RefundResult:
    """The refund (the first one on a retry with the same key), and what is left to
    refund on its payment."""

    refund: Refund
    payment: Payment
    refundable_cents: int
    replayed: bool = False


def refundable_cents(payment: Payment, refunded_cents: int) -> int:
    """What can still go back: the payment's amount and tip, less earlier refunds."""
    return max(0, payment.amount_cents + payment.tip_cents - refunded_cents)


async def refund_payment(
    session: AsyncSession,
    *,
    actor: User | None,
    calendar: BusinessCalendar,
    payment_id: int,
    amount: Decimal | int | str,
    reason: str,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> RefundResult:
    """Give back all or part of a closed check's payment, recorded on today's business date."""
    user = require_role(actor, MANAGERS)
    amount_cents = price_cents(amount, "amount")
    if amount_cents == 0:
        raise InvalidInput("amount must be more than 0", field="amount")
    cleaned = clean_text(reason, "reason", MAX_REASON)
    key = optional_text(idempotency_key, "idempotency_key", MAX_KEY)
    moment = now or utcnow()
    # The order's lock serializes refunds of its payments (and retries of one key).
    locked = await lock_payment(session, payment_id)
    payment = locked.payment
    if key is not None:
        earlier = await _refund_with_key(session, key)
        if earlier is not None:
            return await _replay(session, earlier, payment, amount_cents, cleaned)
    _check_refundable(payment, locked.order)
    day = calendar.today(moment)
    await ensure_day_open(session, day)
    refunded, count = await _refunds_so_far(session, payment.id)
    if count >= MAX_REFUNDS_PER_PAYMENT:
        raise RefundNotAllowed(f"A payment can be refunded at most {MAX_REFUNDS_PER_PAYMENT} times")
    left = refundable_cents(payment, refunded)
    if amount_cents > left:
        raise RefundTooLarge(left)
    refund = Refund(
        payment_id=payment.id,
        amount_cents=amount_cents,
        reason=cleaned,
        refunded_by_id=user.id,
        idempotency_key=key,
        business_date=day,
        created_at=moment,
    )
    session.add(refund)
    try:
        await session.flush()
    except IntegrityError:
        # The same key, at the same moment, on another payment's refund.
        raise RefundKeyMismatch() from None
    if locked.order is not None:
        # Subscribers and caches of the check hear of it (its refunds changed).
        orders_service.touch_and_publish_order(session, locked.order)
        await session.flush()
    return RefundResult(refund, payment, left - amount_cents)


def _check_refundable(payment: Payment, order: orders_service.Order | None) -> None:
    if payment.status != PaymentStatus.CAPTURED:
        raise RefundNotAllowed("A voided payment cannot be refunded")
    if order is not None and order.status == orders_service.OrderStatus.OPEN:
        raise RefundNotAllowed("The check is still open: void the payment instead of refunding it")


async def _refunds_so_far(session: AsyncSession, payment_id: int) -> tuple[int, int]:
    query = select(func.coalesce(func.sum(Refund.amount_cents), 0), func.count()).where(
        Refund.payment_id == payment_id
    )
    total, count = (await session.exec(query)).one()
    return int(total), int(count)


async def _refund_with_key(session: AsyncSession, key: str) -> Refund | None:
    query = select(Refund).where(Refund.idempotency_key == key)
    return (await session.exec(query)).first()


async def _replay(
    session: AsyncSession, earlier: Refund, payment: Payment, amount_cents: int, reason: str
) -> RefundResult:
    """A retry of a refund already recorded: the first refund, nothing recorded twice."""
    if (earlier.payment_id, earlier.amount_cents, earlier.reason) != (
        payment.id,
        amount_cents,
        reason,
    ):
        raise RefundKeyMismatch()
    refunded, _ = await _refunds_so_far(session, payment.id)
    return RefundResult(earlier, payment, refundable_cents(payment, refunded), replayed=True)


async def refunds_of(session: AsyncSession, *, actor: User | None, payment_id: int) -> list[Refund]:
    """A payment's refunds, oldest first (floor staff may read them)."""
    require_role(actor, FLOOR_STAFF)
    if not is_valid_id(payment_id) or await session.get(Payment, payment_id) is None:
        raise PaymentNotFound()
    query = (
        select(Refund)
        .where(Refund.payment_id == payment_id)
        .order_by(col(Refund.id))
        .limit(MAX_REFUNDS_PER_PAYMENT)
    )
    return list((await session.exec(query)).all())
