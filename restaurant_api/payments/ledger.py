"""Payments against checks: record, void, read; the balance due; checks that close themselves.

Balance due = the check's total - the amounts of its captured payments (a payment's tip is on
top of its amount: it never creates or settles a balance). Every change locks the order row
first, so two terminals paying one check serialize and the second sees the new balance; a
payment that brings the balance to zero closes the check in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id, utcnow
from restaurant_api.errors import Conflict, InvalidInput
from restaurant_api.inputs import optional_text, price_cents
from restaurant_api.limits import MAX_PAYMENTS_PER_ORDER
from restaurant_api.orders import service as orders
from restaurant_api.payments.days import BusinessCalendar, ensure_day_open
from restaurant_api.payments.errors import (
    Overpayment,
    PaymentIdempotencyMismatch,
    PaymentNotCaptured,
)
from restaurant_api.payments.models import Payment, PaymentStatus, Tender
from restaurant_api.payments.tips import lock_payment
from restaurant_api.users.service import FLOOR_STAFF, User, require_role

# Far above any check: bounds what a client can send before any arithmetic.
MAX_PAYMENT_CENTS = 100_000_000_00
MAX_REFERENCE = 200
MAX_LABEL = 40
MAX_KEY = 255
MAX_REASON = 500

# The legacy close call's free-text method, read as a tender (lower-cased, trimmed).
_CARD_WORDS = frozenset(
    {"card", "credit", "debit", "credit card", "debit card", "visa", "mastercard", "master card",
     "amex", "american express", "discover", "maestro", "contactless", "chip", "nfc",
     "apple pay", "google pay", "eftpos"}
)  # fmt: skip
_GIFT_WORDS = frozenset({"gift card", "gift_card", "giftcard", "gift", "voucher"})


def tender_of_method(method: str) -> Tender:
    """The tender a payment-method text names: cash, card words, gift card; else other."""
    word = " ".join(method.lower().replace("-", " ").split())
    if word == "cash":
        return Tender.CASH
    if word in _CARD_WORDS:
        return Tender.CARD
    if word in _GIFT_WORDS or word.replace(" ", "_") in _GIFT_WORDS:
        return Tender.GIFT_CARD
    return Tender.OTHER


def balance_due(check_total_cents: int, payments: Iterable[Payment]) -> int:
    """The check's total less the amounts of its captured payments (tips do not count)."""
    return check_total_cents - sum(
        p.amount_cents for p in payments if p.status == PaymentStatus.CAPTURED
    )


def paid_total(payments: Iterable[Payment]) -> int:
    return sum(p.amount_cents for p in payments if p.status == PaymentStatus.CAPTURED)


def tip_total(payments: Iterable[Payment]) -> int:
    return sum(p.tip_cents for p in payments if p.status == PaymentStatus.CAPTURED)


async def payments_for_orders(
    session: AsyncSession, order_ids: Iterable[int]
) -> dict[int, list[Payment]]:
    """Every payment (voided too) of these orders, by order id, oldest first: one read."""
    wanted = sorted(set(order_ids))
    grouped: dict[int, list[Payment]] = defaultdict(list)
    if not wanted:
        return grouped
    rows = await session.exec(
        select(Payment).where(col(Payment.order_ref).in_(wanted)).order_by(col(Payment.id))
    )
    for payment in rows.all():
        grouped[payment.order_ref].append(payment)
    return grouped


async def payments_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Payment]:
    """Payments by id (absent ids are left out): one read."""
    wanted = sorted({i for i in ids if is_valid_id(i)})
    if not wanted:
        return {}
    rows = await session.exec(select(Payment).where(col(Payment.id).in_(wanted)))
    return {payment.id: payment for payment in rows.all()}


@dataclass(frozen=True, slots=True)
class PaymentDraft:
    """A payment as the client sent it, checked and in cents."""

    tender: Tender
    amount_cents: int
    tendered_cents: int
    tip_cents: int
    external_reference: str | None
    method_label: str | None

    def same_as(self, payment: Payment) -> bool:
        """Whether a retry with the payment's idempotency key sent the same body."""
        return (
            self.tender == payment.tender
            and self.amount_cents == payment.amount_cents
            and self.tendered_cents == payment.tendered_cents
            and self.tip_cents == payment.tip_cents
            and self.external_reference == payment.external_reference
            and self.method_label == payment.method_label
        )


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """A payment recorded (or found again by its idempotency key) and its check after it."""

    payment: Payment
    order: orders.Order
    check_total_cents: int
    balance_due_cents: int
    replayed: bool = False

    @property
    def change_cents(self) -> int:
        return self.payment.change_cents


def _cents(value: Decimal | int | str, field: str) -> int:
    cents = price_cents(value, field)
    if cents > MAX_PAYMENT_CENTS:
        raise InvalidInput(f"{field} is too large", field=field)
    return cents


def payment_draft(
    *,
    tender: Tender | str,
    amount: Decimal | int | str,
    tendered: Decimal | int | str | None = None,
    tip: Decimal | int | str | None = 0,
    external_reference: str | None = None,
    method_label: str | None = None,
) -> PaymentDraft:
    """Check a payment's input: amount > 0, tip >= 0, tendered >= amount and, for any tender
    but cash, tendered = amount (only cash gets change)."""
    try:
        kind = Tender(tender)
    except ValueError:
        raise InvalidInput(f"Unknown tender {str(tender)[:20]!r}", field="tender") from None
    amount_cents = _cents(amount, "amount")
    if amount_cents == 0:
        raise InvalidInput("amount must be more than zero", field="amount")
    tendered_cents = amount_cents if tendered is None else _cents(tendered, "tendered")
    if tendered_cents < amount_cents:
        raise InvalidInput("tendered must cover the amount", field="tendered")
    if kind != Tender.CASH and tendered_cents != amount_cents:
        raise InvalidInput(
            "Only cash may hand over more than the amount (the change)", field="tendered"
        )
    return PaymentDraft(
        tender=kind,
        amount_cents=amount_cents,
        tendered_cents=tendered_cents,
        tip_cents=0 if tip is None else _cents(tip, "tip"),
        external_reference=optional_text(external_reference, "external_reference", MAX_REFERENCE),
        method_label=optional_text(method_label, "method_label", MAX_LABEL),
    )


async def _payment_by_key(session: AsyncSession, order_id: int, key: str) -> Payment | None:
    rows = await session.exec(
        select(Payment).where(Payment.order_ref == order_id, Payment.idempotency_key == key)
    )
    return rows.first()


def _legacy_method(payments: Sequence[Payment]) -> str | None:
    """`Order.payment_method` for old clients: the tenders' labels, in the order taken."""
    labels: list[str] = []
    for payment in payments:
        label = payment.method_label or str(payment.tender)
        if payment.status == PaymentStatus.CAPTURED and label not in labels:
            labels.append(label)
    text = ", ".join(labels)
    return text[:MAX_LABEL] or None


async def _after_change(
    session: AsyncSession, order: orders.Order, payments: Sequence[Payment], total: int
) -> int:
    """Keep the order's legacy fields, close it when paid, publish; the balance after."""
    order.tip_cents = tip_total(payments)
    balance = balance_due(total, payments)
    if balance == 0 and any(p.status == PaymentStatus.CAPTURED for p in payments):
        order.payment_method = order.payment_method or _legacy_method(payments)
        await orders.settle_paid_order(session, order)
    else:
        order.updated_at = utcnow()
        orders.touch_and_publish_order(session, order)
        await session.flush()
    return balance


async def take_payment(
    session: AsyncSession,
    *,
    actor: User,
    calendar: BusinessCalendar,
    order: orders.Order,
    draft: PaymentDraft,
    idempotency_key: str | None,
    now: datetime,
) -> PaymentResult:
    """Record `draft` on `order`, which the caller has locked and found open."""
    day = calendar.today(now)
    await ensure_day_open(session, day)
    total = (await orders.price_order(session, order)).total_cents
    payments = (await payments_for_orders(session, [order.id]))[order.id]
    balance = balance_due(total, payments)
    if draft.amount_cents > balance:
        raise Overpayment(max(balance, 0))
    if len(payments) >= MAX_PAYMENTS_PER_ORDER:
        raise Conflict(f"A check takes at most {MAX_PAYMENTS_PER_ORDER} payments", field="order_id")
    payment = Payment(
        order_id=order.id,
        order_ref=order.id,
        tender=draft.tender,
        amount_cents=draft.amount_cents,
        tendered_cents=draft.tendered_cents,
        change_cents=draft.tendered_cents - draft.amount_cents,
        tip_cents=draft.tip_cents,
        external_reference=draft.external_reference,
        method_label=draft.method_label,
        idempotency_key=idempotency_key,
        status=PaymentStatus.CAPTURED,
        taken_by_id=actor.id,
        business_date=day,
        created_at=now,
    )
    session.add(payment)
    await session.flush()
    after = await _after_change(session, order, [*payments, payment], total)
    return PaymentResult(payment, order, total, after)


async def record_payment(
    session: AsyncSession,
    *,
    actor: User | None,
    calendar: BusinessCalendar,
    order_id: int,
    tender: Tender | str,
    amount: Decimal | int | str,
    tendered: Decimal | int | str | None = None,
    tip: Decimal | int | str | None = 0,
    external_reference: str | None = None,
    method_label: str | None = None,
    idempotency_key: str | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> PaymentResult:
    """Record a payment against an open check (an order or a split share), floor staff.

    A retry with the same idempotency key returns the first payment and records nothing
    (even once that payment has closed the check); the same key with another body is refused.
    """
    user = require_role(actor, FLOOR_STAFF)
    draft = payment_draft(
        tender=tender,
        amount=amount,
        tendered=tendered,
        tip=tip,
        external_reference=external_reference,
        method_label=method_label,
    )
    key = optional_text(idempotency_key, "idempotency_key", MAX_KEY)
    order = await orders.lock_existing_order(session, order_id)
    if key is not None and (earlier := await _payment_by_key(session, order.id, key)):
        if not draft.same_as(earlier):
            raise PaymentIdempotencyMismatch()
        return await _replay(session, order, earlier)
    if version is not None and version != order.version:
        raise orders.VersionConflict(order.version)
    if order.status != orders.OrderStatus.OPEN:
        raise orders.OrderNotOpen(order.status)
    return await take_payment(
        session,
        actor=user,
        calendar=calendar,
        order=order,
        draft=draft,
        idempotency_key=key,
        now=now or utcnow(),
    )


async def _replay(session: AsyncSession, order: orders.Order, payment: Payment) -> PaymentResult:
    total = (await orders.price_order(session, order)).total_cents
    payments = (await payments_for_orders(session, [order.id]))[order.id]
    return PaymentResult(payment, order, total, balance_due(total, payments), replayed=True)


async def void_payment(
    session: AsyncSession,
    *,
    actor: User | None,
    calendar: BusinessCalendar,
    payment_id: int,
    reason: str,
    now: datetime | None = None,
) -> PaymentResult:
    """Void a payment taken by mistake (floor staff, with a reason): only while its check
    is open and its business day (and today's) is open. It then counts for nothing."""
    user = require_role(actor, FLOOR_STAFF)
    cleaned = optional_text(reason, "reason", MAX_REASON)
    if cleaned is None:
        raise InvalidInput("A reason is required to void a payment", field="reason")
    # The order's lock first, then the payment read fresh: a concurrent void may have won.
    locked = await lock_payment(session, payment_id)
    order, payment = locked.order, locked.payment
    if order is None:
        raise orders.OrderNotFound()
    payments = (await payments_for_orders(session, [order.id]))[order.id]
    if order.status != orders.OrderStatus.OPEN:
        raise orders.OrderNotOpen(order.status)
    if payment.status != PaymentStatus.CAPTURED:
        raise PaymentNotCaptured(payment.status)
    moment = now or utcnow()
    await ensure_day_open(session, calendar.today(moment))
    await ensure_day_open(session, payment.business_date)
    payment.status = PaymentStatus.VOIDED
    payment.voided_at = moment
    payment.voided_by_id = user.id
    payment.void_reason = cleaned
    session.add(payment)
    await session.flush()
    total = (await orders.price_order(session, order)).total_cents
    after = await _after_change(session, order, payments, total)
    return PaymentResult(payment, order, total, after)


async def close_check(
    session: AsyncSession,
    *,
    actor: User | None,
    calendar: BusinessCalendar,
    order_id: int,
    payment_method: str,
    tip: Decimal | int | str | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> orders.Order:
    """The legacy close call: one payment of the whole balance with the given method (its
    tender read from the text, kept as the label) and tip, which closes the check."""
    user = require_role(actor, FLOOR_STAFF)
    method = optional_text(payment_method, "payment_method", MAX_LABEL)
    if method is None:
        raise InvalidInput("payment_method is required", field="payment_method")
    tip_cents = _cents(tip, "tip") if tip is not None else 0
    order = await orders.lock_order_for_change(session, order_id, version)
    total = (await orders.price_order(session, order)).total_cents
    balance = balance_due(total, (await payments_for_orders(session, [order.id]))[order.id])
    order.payment_method = method
    if balance <= 0:
        # Nothing left to pay (a free check, or paid before a line was removed): just close.
        order.tip_cents += tip_cents
        order.updated_at = utcnow()
        return await orders.settle_paid_order(session, order)
    draft = PaymentDraft(tender_of_method(method), balance, balance, tip_cents, None, method)
    result = await take_payment(
        session,
        actor=user,
        calendar=calendar,
        order=order,
        draft=draft,
        idempotency_key=None,
        now=now or utcnow(),
    )
    return result.order
