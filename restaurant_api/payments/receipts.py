"""Receipts: an itemized receipt of a check (or of a split share) as data.

Every amount comes from the check (`orders.service.price_order`) and the ledger, never
recomputed here: subtotal - line discounts - check discounts + service charges + taxes
added on top = total; inclusive taxes are shown "incl." and not added again. Payments are
the captured ones (a voided payment counts for nothing); balance due = total - their
amounts, tips on top. A check closed before the ledger existed shows the method and tip
its close call kept on the order as its one payment of the whole balance (what that call
records now); nothing is due on a cancelled or split check (its shares carry it).
`receipt_text.render_text` lays the receipt out for a printer.

A split share's receipt is its own order's: its carried lines, and its part of the
original check's discounts and service charges as one line each (their parts were fixed
at the split: `Order.carried_check`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import utcnow
from restaurant_api.orders import service as orders_service
from restaurant_api.payments.days import BusinessCalendar
from restaurant_api.payments.models import Payment, PaymentStatus
from restaurant_api.pricing import service as pricing
from restaurant_api.tables import service as tables_service
from restaurant_api.users import service as users_service
from restaurant_api.users.service import FLOOR_STAFF, User, require_role


@dataclass(frozen=True, slots=True)
class ReceiptOption:
    """A modifier option chosen on a line: its name and what it adds to the unit price
    (the kitchen name is for the kitchen, not for the guest)."""

    group: str
    name: str
    price_delta_cents: int


@dataclass(frozen=True, slots=True)
class ReceiptDiscount:
    """A discount or comp as it applies on the check (after its cap)."""

    name: str
    is_comp: bool
    amount_cents: int


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    name: str
    quantity: int
    unit_price_cents: int  # options included
    gross_cents: int  # unit price x quantity
    options: tuple[ReceiptOption, ...]
    modifiers: tuple[str, ...]
    seat_number: int | None
    # Discounts and comps on this line (check discounts are the receipt's).
    discounts: tuple[ReceiptDiscount, ...]


@dataclass(frozen=True, slots=True)
class ReceiptCharge:
    name: str
    amount_cents: int


@dataclass(frozen=True, slots=True)
class ReceiptTax:
    name: str
    rate_ppm: int
    inclusive: bool  # inside the prices: shown "incl.", not added to the total
    amount_cents: int


@dataclass(frozen=True, slots=True)
class ReceiptPayment:
    tender: str  # payments.models.Tender
    label: str  # what the guest reads: the method label ("Visa") or the tender
    amount_cents: int  # applied to the balance
    tendered_cents: int
    change_cents: int
    tip_cents: int
    external_reference: str | None
    taken_at: datetime  # in the restaurant's time zone


@dataclass(frozen=True, slots=True)
class Receipt:
    order_id: int
    status: str  # the order's: open, closed, ...
    restaurant_name: str | None
    table_number: int | None
    server_name: str | None
    customer_count: int
    timezone: str
    opened_at: datetime  # times in the restaurant's time zone
    closed_at: datetime | None
    printed_at: datetime
    # A split share: the check it was split off.
    split_from_id: int | None
    lines: tuple[ReceiptLine, ...]
    check_discounts: tuple[ReceiptDiscount, ...]
    service_charges: tuple[ReceiptCharge, ...]
    subtotal_cents: int
    discount_cents: int  # every discount and comp, line and check
    service_charge_cents: int
    taxes: tuple[ReceiptTax, ...]
    tax_cents: int  # exclusive taxes, added
    inclusive_tax_cents: int
    total_cents: int
    payments: tuple[ReceiptPayment, ...]
    paid_cents: int
    tip_cents: int
    change_cents: int
    balance_due_cents: int
    currency: str = "USD"


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


def _line_of(line: Any, discounts: Sequence[pricing.AppliedDiscount]) -> ReceiptLine:
    return ReceiptLine(
        name=line.name,
        quantity=line.quantity,
        unit_price_cents=line.unit_price_cents,
        gross_cents=line.unit_price_cents * line.quantity,
        options=tuple(
            ReceiptOption(
                group=str(option["group"]),
                name=str(option["name"]),
                price_delta_cents=int(option["price_delta_cents"]),
            )
            for option in line.options
        ),
        modifiers=tuple(str(modifier) for modifier in line.modifiers),
        seat_number=line.seat_number,
        discounts=tuple(
            ReceiptDiscount(d.name, d.is_comp, d.amount_cents)
            for d in discounts
            if d.line_key == line.id
        ),
    )


def _adjustments(
    check: pricing.Check, split_from_id: int | None
) -> tuple[tuple[ReceiptDiscount, ...], tuple[ReceiptCharge, ...]]:
    """The check discounts and service charges, with a share's carried part of each kind."""
    discounts = [
        ReceiptDiscount(d.name, d.is_comp, d.amount_cents)
        for d in check.discounts
        if d.line_key is None
    ]
    charges = [ReceiptCharge(c.name, c.amount_cents) for c in check.service_charges]
    carried = check.carried
    if carried is not None:
        origin = f"share of check #{split_from_id}" if split_from_id else "share"
        if carried.discount_cents:
            share = ReceiptDiscount(origin.capitalize(), False, carried.discount_cents)
            discounts.insert(0, share)
        if carried.service_charge_cents:
            charge = ReceiptCharge(f"Service charges, {origin}", carried.service_charge_cents)
            charges.insert(0, charge)
    return tuple(discounts), tuple(charges)


def _payment_of(payment: Payment, zone: ZoneInfo) -> ReceiptPayment:
    return ReceiptPayment(
        tender=str(payment.tender),
        label=payment.method_label or str(payment.tender).replace("_", " ").capitalize(),
        amount_cents=payment.amount_cents,
        tendered_cents=payment.tendered_cents,
        change_cents=payment.change_cents,
        tip_cents=payment.tip_cents,
        external_reference=payment.external_reference,
        taken_at=_local(payment.created_at, zone),
    )


def _legacy_payment(
    order: orders_service.Order, total_cents: int, zone: ZoneInfo
) -> ReceiptPayment:
    """A check closed before the ledger: the method and tip its close call kept on the
    order, as the one payment of its whole balance that the close call records now."""
    return ReceiptPayment(
        tender="other",
        label=order.payment_method or "Other",
        amount_cents=total_cents,
        tendered_cents=total_cents,
        change_cents=0,
        tip_cents=order.tip_cents,
        external_reference=None,
        taken_at=_local(order.closed_at or order.updated_at, zone),
    )


def _settled(
    order: orders_service.Order, total_cents: int, payments: Sequence[Payment], zone: ZoneInfo
) -> tuple[tuple[ReceiptPayment, ...], int]:
    """The receipt's payments and balance due. Nothing is due on a cancelled check, nor on
    a split one (its shares carry its balance)."""
    listed = tuple(_payment_of(payment, zone) for payment in payments)
    status = orders_service.OrderStatus(order.status)
    if not listed and status == orders_service.OrderStatus.CLOSED and order.payment_method:
        listed = (_legacy_payment(order, total_cents, zone),)
    if status in (orders_service.OrderStatus.CANCELLED, orders_service.OrderStatus.SPLIT):
        return listed, 0
    return listed, total_cents - sum(payment.amount_cents for payment in listed)


async def captured_payments(session: AsyncSession, order_id: int) -> list[Payment]:
    """The captured payments of a check, oldest first (voided ones count for nothing)."""
    rows = await session.exec(
        select(Payment)
        .where(Payment.order_ref == order_id, Payment.status == PaymentStatus.CAPTURED)
        .order_by(col(Payment.created_at), col(Payment.id))
    )
    return list(rows.all())


async def _names(
    session: AsyncSession, order: orders_service.Order
) -> tuple[int | None, str | None]:
    table_number = None
    if order.table_id is not None:
        tables = await tables_service.tables_by_id(session, [order.table_id])
        table = tables.get(order.table_id)
        table_number = None if table is None else table.table_number
    server_name = None
    if order.created_by_id is not None:
        users = await users_service.users_by_id(session, [order.created_by_id])
        user = users.get(order.created_by_id)
        server_name = None if user is None else user.name
    return table_number, server_name


async def receipt_for_order(
    session: AsyncSession,
    *,
    actor: User | None,
    order_id: int,
    calendar: BusinessCalendar | None = None,
    restaurant_name: str | None = None,
    currency: str = "USD",
    now: datetime | None = None,
) -> Receipt:
    """The receipt of a check or split share as it stands (floor staff may read it).

    `calendar` gives the restaurant's time zone (adapters build it from the settings);
    `now` is the printing time (tests pass a clock)."""
    require_role(actor, FLOOR_STAFF)
    order = await orders_service.get_order(session, actor=actor, order_id=order_id)
    zone = ZoneInfo((calendar or BusinessCalendar()).timezone)
    lines = await orders_service.order_lines(session, order.id)
    discounts, charges = await orders_service.adjustments_for_orders(session, [order.id])
    check = orders_service.check_of(order, lines, discounts[order.id], charges[order.id])
    payments = await captured_payments(session, order.id)
    table_number, server_name = await _names(session, order)
    check_discounts, service_charges = _adjustments(check, order.split_from_id)
    listed, balance_due = _settled(order, check.total_cents, payments, zone)
    return Receipt(
        order_id=order.id,
        status=str(order.status),
        restaurant_name=(restaurant_name or "").strip() or None,
        table_number=table_number,
        server_name=server_name,
        customer_count=order.customer_count,
        timezone=zone.key,
        opened_at=_local(order.created_at, zone),
        closed_at=None if order.closed_at is None else _local(order.closed_at, zone),
        printed_at=_local(now or utcnow(), zone),
        split_from_id=order.split_from_id,
        lines=tuple(_line_of(line, check.discounts) for line in lines),
        check_discounts=check_discounts,
        service_charges=service_charges,
        subtotal_cents=check.subtotal_cents,
        discount_cents=check.discount_cents,
        service_charge_cents=check.service_charge_cents,
        taxes=tuple(
            ReceiptTax(tax.key.name, tax.key.rate_ppm, tax.key.inclusive, tax.amount_cents)
            for tax in check.taxes
        ),
        tax_cents=check.tax_cents,
        inclusive_tax_cents=check.inclusive_tax_cents,
        total_cents=check.total_cents,
        payments=listed,
        paid_cents=sum(payment.amount_cents for payment in listed),
        tip_cents=sum(payment.tip_cents for payment in listed),
        change_cents=sum(payment.change_cents for payment in listed),
        balance_due_cents=balance_due,
        currency=currency,
    )
