"""X and Z reports: the figures of a business date, from its checks and its ledger rows.

Rules:
- A check belongs to the business date it was closed in (a split share is a check; the
  order it was split off is not); a check cancelled that date counts as a void.
- Sales by item and category are gross (unit price x quantity, options included; a split
  share's carried line counts its part of the share's subtotal; an even share's subtotal
  is spread over the split check's lines in proportion to their totals, and their
  quantities count with share 1); discounts and comps,
  service charges and taxes (per rate) are separate blocks, each from the checks' pricing
  (`orders.service.check_of`), so the blocks add up to the checks' totals.
- Voids: lines voided on the day's checks (from the audit trail: who, why, how much the
  check lost) and the checks cancelled that date (their check when cancelled).
- Tenders, tips per staff member: the captured payments recorded in that business date
  (voided payments count for nothing); refunds: those recorded in that business date.
- Covers: the guests of the day's checks; average check: total / checks, half-up.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import utcnow
from restaurant_api.money import allocate, split_evenly
from restaurant_api.orders import service as orders_service
from restaurant_api.payments.days import BusinessCalendar
from restaurant_api.payments.models import Payment, PaymentStatus, Refund
from restaurant_api.payments.report_model import (
    CategorySales,
    ChargeSales,
    DayReport,
    DiscountEntry,
    ItemSales,
    RefundEntry,
    StaffTips,
    TaxSales,
    TenderTotal,
    VoidEntry,
)
from restaurant_api.pricing import service as pricing
from restaurant_api.users import service as users_service

CARRIED = "Carried from split checks"

Order = orders_service.Order
OrderLine = orders_service.OrderLine
OrderStatus = orders_service.OrderStatus

# The one line of an even share of a split check (`orders.splitting`): "Share 2 of 3".
EVEN_SHARE = re.compile(r"Share (\d+) of (\d+)")
EVEN_SHARE_CATEGORY = "Split"


def even_share_number(order: Order, lines: Sequence[OrderLine]) -> tuple[int, int] | None:
    """(share, ways) when the order is an even share of a split check."""
    if order.split_from_id is None or len(lines) != 1:
        return None
    line = lines[0]
    match = EVEN_SHARE.fullmatch(line.name)
    if not line.carried or line.category != EVEN_SHARE_CATEGORY or match is None:
        return None
    share, ways = int(match.group(1)), int(match.group(2))
    return (share, ways) if 1 <= share <= ways else None


def _spread(cents: int, share: tuple[int, int], lines: Sequence[OrderLine]) -> list[int]:
    """An even share's part of each line of the check split (its subtotal `cents`): the
    lines' grosses allocated over the shares by cumulative largest remainder, so each
    line's parts over all the shares add up to its gross, each share's to its subtotal."""
    weights = [line.unit_price_cents * line.quantity for line in lines]
    if not any(weights):
        weights = [line.quantity for line in lines]
    number, ways = share
    evenly = split_evenly(sum(weights), ways)
    if evenly[number - 1] != cents:  # the lines changed since: in proportion only
        return allocate(cents, weights)
    before = sum(evenly[: number - 1])
    upto = allocate(before + cents, weights)
    below = allocate(before, weights) if before else [0] * len(weights)
    return [after - earlier for after, earlier in zip(upto, below, strict=True)]


async def orders_of_day(
    session: AsyncSession, calendar: BusinessCalendar, day: date, status: str
) -> list[Order]:
    """The orders that ended (closed or cancelled) in this business date, by id."""
    start, end = calendar.bounds(day)
    rows = await session.exec(
        select(Order)
        .where(
            col(Order.status) == status,
            col(Order.closed_at) >= start,
            col(Order.closed_at) < end,
        )
        .order_by(col(Order.id))
    )
    return list(rows.all())


async def open_checks_of_day(
    session: AsyncSession, calendar: BusinessCalendar, day: date
) -> list[int]:
    """The ids of the orders placed in this business date that are still open."""
    start, end = calendar.bounds(day)
    rows = await session.exec(
        select(Order.id)
        .where(
            col(Order.status) == OrderStatus.OPEN,
            col(Order.created_at) >= start,
            col(Order.created_at) < end,
        )
        .order_by(col(Order.id))
    )
    return list(rows.all())


class _Sales:
    """The check side of a report, accumulated check by check."""

    def __init__(self) -> None:
        self.amounts = pricing.Amounts()
        self.total_cents = 0
        self.items: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        self.discounts: list[DiscountEntry] = []
        self.carried_discount_cents = 0
        self.charges: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def add(
        self,
        order: Order,
        lines: Sequence[OrderLine],
        discounts: dict[int, orders_service.OrderDiscount],
        check: pricing.Check,
        split_lines: Sequence[OrderLine] = (),
    ) -> None:
        """Add a check; `split_lines`: for an even share, the lines of the check split."""
        self.amounts = self.amounts + check.amounts
        self.total_cents += check.total_cents
        share = even_share_number(order, lines)
        if share is not None and split_lines:
            spread = _spread(check.subtotal_cents, share, split_lines)
            for line, cents in zip(split_lines, spread, strict=True):
                totals = self.items[(line.name, line.category)]
                totals[0] += line.quantity if share[0] == 1 else 0
                totals[1] += cents
        else:
            self._add_lines(order, lines, check)
        self._add_adjustments(order, discounts, check)

    def _add_lines(self, order: Order, lines: Sequence[OrderLine], check: pricing.Check) -> None:
        gross = {line.key: line.gross_cents for line in check.lines}
        parts = orders_service.carried_parts(order, lines)
        for line, part in zip(lines, parts, strict=True):
            cents = part.subtotal_cents if part is not None else gross.get(line.id, 0)
            totals = self.items[(line.name, line.category)]
            totals[0] += line.quantity
            totals[1] += cents

    def _add_adjustments(
        self,
        order: Order,
        discounts: dict[int, orders_service.OrderDiscount],
        check: pricing.Check,
    ) -> None:
        for applied in check.discounts:
            row = discounts.get(applied.key)
            self.discounts.append(
                DiscountEntry(
                    order_id=order.id,
                    name=applied.name,
                    is_comp=applied.is_comp,
                    amount_cents=applied.amount_cents,
                    reason=row.reason if row else None,
                    requested_by_id=row.requested_by_id if row else None,
                    approved_by_id=row.approved_by_id if row else None,
                )
            )
        self.carried_discount_cents += check.discount_cents - sum(
            applied.amount_cents for applied in check.discounts
        )
        for charge in check.service_charges:
            self.charges[charge.name][0] += 1
            self.charges[charge.name][1] += charge.amount_cents
        carried_charges = check.service_charge_cents - sum(
            charge.amount_cents for charge in check.service_charges
        )
        if carried_charges:
            self.charges[CARRIED][1] += carried_charges

    def item_rows(self) -> tuple[ItemSales, ...]:
        return tuple(
            ItemSales(name, category, quantity, cents)
            for (name, category), (quantity, cents) in sorted(self.items.items())
        )

    def category_rows(self) -> tuple[CategorySales, ...]:
        by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for (_, category), (quantity, cents) in self.items.items():
            by_category[category][0] += quantity
            by_category[category][1] += cents
        return tuple(
            CategorySales(category, quantity, cents)
            for category, (quantity, cents) in sorted(by_category.items())
        )

    def discount_rows(self) -> tuple[DiscountEntry, ...]:
        carried = (
            [DiscountEntry(None, CARRIED, False, self.carried_discount_cents, None, None, None)]
            if self.carried_discount_cents
            else []
        )
        return (*self.discounts, *carried)

    def charge_rows(self) -> tuple[ChargeSales, ...]:
        return tuple(
            ChargeSales(name, count, cents) for name, (count, cents) in sorted(self.charges.items())
        )

    def tax_rows(self) -> tuple[TaxSales, ...]:
        return tuple(
            TaxSales(tax.key.name, tax.key.rate_ppm, tax.key.inclusive, tax.amount_cents)
            for tax in self.amounts.taxes
        )


async def _checks(
    session: AsyncSession, orders: Sequence[Order]
) -> tuple[
    dict[int, list[orders_service.OrderLine]],
    dict[int, list[orders_service.OrderDiscount]],
    dict[int, pricing.Check],
]:
    ids = [order.id for order in orders]
    lines = await orders_service.lines_for_orders(session, ids)
    discounts, charges = await orders_service.adjustments_for_orders(session, ids)
    checks = {
        order.id: orders_service.check_of(
            order, lines.get(order.id, []), discounts[order.id], charges[order.id]
        )
        for order in orders
    }
    return lines, discounts, checks


async def _voids(
    session: AsyncSession,
    closed: Sequence[Order],
    cancelled: Sequence[Order],
    checks: dict[int, pricing.Check],
) -> tuple[VoidEntry, ...]:
    entries = await orders_service.audit_entries_for_orders(
        session, [order.id for order in closed], orders_service.AuditAction.LINE_VOIDED
    )
    lines = tuple(
        VoidEntry(
            order_id=entry.order_id,
            kind="line",
            amount_cents=entry.total_before_cents - entry.total_after_cents,
            reason=entry.reason,
            by_id=entry.actor_id,
        )
        for entry in entries
    )
    checks_cancelled = tuple(
        VoidEntry(
            order_id=order.id,
            kind="check",
            amount_cents=checks[order.id].total_cents,
            reason=order.cancel_reason,
            by_id=None,
        )
        for order in cancelled
    )
    return (*lines, *checks_cancelled)


async def _ledger(
    session: AsyncSession, day: date
) -> tuple[tuple[TenderTotal, ...], tuple[StaffTips, ...], tuple[RefundEntry, ...]]:
    payments = (
        await session.exec(
            select(Payment)
            .where(
                col(Payment.business_date) == day,
                col(Payment.status) == PaymentStatus.CAPTURED,
            )
            .order_by(col(Payment.id))
        )
    ).all()
    by_tender: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    by_staff: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for payment in payments:
        totals = by_tender[str(payment.tender)]
        for index, cents in enumerate(
            (1, payment.amount_cents, payment.tip_cents, payment.tendered_cents)
        ):
            totals[index] += cents
        totals[4] += payment.change_cents
        by_staff[payment.taken_by_id][0] += 1
        by_staff[payment.taken_by_id][1] += payment.tip_cents
    users = await users_service.users_by_id(
        session, [staff for staff in by_staff if staff is not None]
    )
    refunds = (
        await session.exec(
            select(Refund, Payment)
            .join(Payment, col(Payment.id) == col(Refund.payment_id))
            .where(col(Refund.business_date) == day)
            .order_by(col(Refund.id))
        )
    ).all()
    return (
        tuple(TenderTotal(tender, *totals) for tender, totals in sorted(by_tender.items())),
        tuple(
            StaffTips(
                staff,
                users[staff].name if staff in users else None,
                count,
                cents,
            )
            for staff, (count, cents) in sorted(by_staff.items(), key=lambda kv: kv[0] or 0)
        ),
        tuple(
            RefundEntry(
                refund_id=refund.id,
                payment_id=payment.id,
                order_id=payment.order_ref,
                tender=str(payment.tender),
                amount_cents=refund.amount_cents,
                reason=refund.reason,
                by_id=refund.refunded_by_id,
            )
            for refund, payment in refunds
        ),
    )


async def day_report(
    session: AsyncSession,
    day: date,
    *,
    calendar: BusinessCalendar,
    closed: bool = False,
    now: datetime | None = None,
) -> DayReport:
    """The report of a business date as the database holds it now (reads only)."""
    closed_orders = await orders_of_day(session, calendar, day, OrderStatus.CLOSED)
    cancelled = await orders_of_day(session, calendar, day, OrderStatus.CANCELLED)
    lines, discounts, checks = await _checks(session, [*closed_orders, *cancelled])
    split = {
        order.split_from_id
        for order in closed_orders
        if even_share_number(order, lines.get(order.id, [])) is not None
    }
    split_lines = await orders_service.lines_for_orders(
        session, sorted(order_id for order_id in split if order_id is not None)
    )
    sales = _Sales()
    for order in closed_orders:
        by_id = {discount.id: discount for discount in discounts[order.id]}
        own = lines.get(order.id, [])
        original = split_lines.get(order.split_from_id, []) if order.split_from_id else []
        sales.add(order, own, by_id, checks[order.id], original)
    tenders, tips, refunds = await _ledger(session, day)
    amounts = sales.amounts
    return DayReport(
        business_date=day,
        closed=closed,
        generated_at=now or utcnow(),
        checks=len(closed_orders),
        covers=sum(order.customer_count for order in closed_orders),
        gross_sales_cents=amounts.subtotal_cents,
        discount_cents=amounts.discount_cents,
        service_charge_cents=amounts.service_charge_cents,
        tax_cents=amounts.tax_cents,
        inclusive_tax_cents=amounts.inclusive_tax_cents,
        total_cents=sales.total_cents,
        paid_cents=sum(tender.amount_cents for tender in tenders),
        tip_cents=sum(tender.tip_cents for tender in tenders),
        refund_cents=sum(refund.amount_cents for refund in refunds),
        items=sales.item_rows(),
        categories=sales.category_rows(),
        discounts=sales.discount_rows(),
        voids=await _voids(session, closed_orders, cancelled, checks),
        service_charges=sales.charge_rows(),
        taxes=sales.tax_rows(),
        tenders=tenders,
        tips=tips,
        refunds=refunds,
        open_checks=() if closed else tuple(await open_checks_of_day(session, calendar, day)),
    )
