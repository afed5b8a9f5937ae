"""The audit trail of a check: every discount, comp, void and service-charge change, who
made it, who approved it, why, and the check's total before and after.

Entries are append-only; the totals come from the one pricing function (`checks`), so an
entry explains exactly how much a change moved the check.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id
from restaurant_api.orders.checks import adjustments_for_orders, check_of
from restaurant_api.orders.errors import OrderNotFound
from restaurant_api.orders.models import Order, OrderAuditEntry, OrderLine
from restaurant_api.users.service import MANAGERS, User, require_role


class AuditAction(StrEnum):
    DISCOUNT_REQUESTED = "discount_requested"
    DISCOUNT_APPLIED = "discount_applied"
    DISCOUNT_APPROVED = "discount_approved"
    DISCOUNT_DENIED = "discount_denied"
    DISCOUNT_REMOVED = "discount_removed"
    COMP_APPLIED = "comp_applied"
    LINE_VOIDED = "line_voided"
    SERVICE_CHARGE_ADDED = "service_charge_added"
    SERVICE_CHARGE_REMOVED = "service_charge_removed"


def record_audit(
    session: AsyncSession,
    order_id: int,
    action: AuditAction,
    *,
    before_cents: int,
    after_cents: int,
    actor_id: int | None,
    approver_id: int | None = None,
    reason: str | None = None,
    discount_id: int | None = None,
    service_charge_id: int | None = None,
    line_id: int | None = None,
) -> OrderAuditEntry:
    """Append one entry (flushed with the change it records)."""
    entry = OrderAuditEntry(
        order_id=order_id,
        action=action.value,
        discount_id=discount_id,
        service_charge_id=service_charge_id,
        line_id=line_id,
        actor_id=actor_id,
        approver_id=approver_id,
        reason=reason,
        total_before_cents=before_cents,
        total_after_cents=after_cents,
    )
    session.add(entry)
    return entry


async def audit_trail(
    session: AsyncSession,
    *,
    actor: User | None,
    order_id: int,
    limit: int,
    after_id: int | None = None,
) -> list[OrderAuditEntry]:
    """An order's entries, oldest first, from after `after_id` (managers and admins only)."""
    require_role(actor, MANAGERS)
    if not is_valid_id(order_id) or await session.get(Order, order_id) is None:
        raise OrderNotFound()
    query = select(OrderAuditEntry).where(OrderAuditEntry.order_id == order_id)
    if after_id is not None:
        query = query.where(col(OrderAuditEntry.id) > after_id)
    rows = await session.exec(query.order_by(col(OrderAuditEntry.id)).limit(limit))
    return list(rows.all())


def lines_as_they_are(lines: Sequence[OrderLine]) -> list[OrderLine]:
    """Detached copies of lines, to price the check as it was once a change edits them."""
    return [OrderLine(**line.model_dump()) for line in lines]


async def audit_voids(
    session: AsyncSession,
    order: Order,
    lines_before: Sequence[OrderLine],
    removed: Sequence[OrderLine],
    *,
    actor_id: int | None,
    reason: str | None,
) -> None:
    """A `line_voided` entry per line removed from an open order, each with the check's
    total before and after that line went (before the lines are deleted: one read)."""
    if not removed:
        return
    discounts, charges = await adjustments_for_orders(session, [order.id])
    lines = list(lines_before)
    before = check_of(order, lines, discounts[order.id], charges[order.id])
    for line in removed:
        lines = [kept for kept in lines if kept.id != line.id]
        after = check_of(order, lines, discounts[order.id], charges[order.id])
        # The line is deleted with this change (its id would be set null): name it instead.
        what = f"{line.quantity} x {line.name}"
        record_audit(
            session,
            order.id,
            AuditAction.LINE_VOIDED,
            before_cents=before.total_cents,
            after_cents=after.total_cents,
            actor_id=actor_id,
            reason=(f"{what}: {reason}" if reason else what)[:500],
        )
        before = after


async def audit_entries_for_orders(
    session: AsyncSession, order_ids: Sequence[int], action: AuditAction
) -> list[OrderAuditEntry]:
    """The entries of one action on these orders, oldest first (one read; for reports)."""
    if not order_ids:
        return []
    rows = await session.exec(
        select(OrderAuditEntry)
        .where(
            col(OrderAuditEntry.order_id).in_(sorted(set(order_ids))),
            col(OrderAuditEntry.action) == action.value,
        )
        .order_by(col(OrderAuditEntry.id))
    )
    return list(rows.all())
