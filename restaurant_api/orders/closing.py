"""The end of an order: settled (closed by its payments: `payments.ledger`), cancelled, or
deleted."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import utcnow
from restaurant_api.errors import InvalidInput
from restaurant_api.inputs import optional_text
from restaurant_api.kitchen import service as kitchen_service
from restaurant_api.orders.errors import OrderNotOpen
from restaurant_api.orders.events import order_changed
from restaurant_api.orders.models import Order, OrderStatus
from restaurant_api.orders.paid import refuse_if_paid
from restaurant_api.orders.reads import lock_existing_order, lock_order_for_change
from restaurant_api.tables import service as tables_service
from restaurant_api.users.service import MANAGERS, User, require_role


async def settle_paid_order(session: AsyncSession, order: Order) -> Order:
    """Close an order its payments have settled and free its table (the caller, the
    payments ledger, holds the order's lock and has recorded the payments)."""
    if order.status != OrderStatus.OPEN:
        raise OrderNotOpen(order.status)
    order.status = OrderStatus.CLOSED
    return await _finish(session, order)


async def cancel_order(
    session: AsyncSession,
    *,
    actor: User | None,
    order_id: int,
    reason: str,
    version: int | None = None,
) -> Order:
    """Cancel an open order (managers and admins): its tickets' lines are voided."""
    require_role(actor, MANAGERS)
    cleaned = optional_text(reason, "reason", 500)
    if cleaned is None:
        raise InvalidInput("A reason is required to cancel an order", field="reason")
    order = await lock_order_for_change(session, order_id, version)
    await refuse_if_paid(session, [order.id], "cancelling")
    order.status = OrderStatus.CANCELLED
    order.cancel_reason = cleaned
    await kitchen_service.void_order(
        session,
        order_id=order.id,
        reason=f"Order cancelled: {cleaned}",
    )
    return await _finish(session, order)


async def _finish(session: AsyncSession, order: Order) -> Order:
    now = utcnow()
    order.closed_at = now
    order.updated_at = now
    order.version += 1
    session.add(order)
    await session.flush()
    await tables_service.release_table_of_order(session, order=order)
    order_changed(session, order)
    return order


async def delete_order(session: AsyncSession, *, actor: User | None, order_id: int) -> Order:
    """Delete an order (managers and admins): frees its table; lines, tickets go with it."""
    require_role(actor, MANAGERS)
    order = await lock_existing_order(session, order_id)
    await tables_service.release_table_of_order(session, order=order)
    # Its tickets are deleted with it: kitchen screens must drop them.
    tickets = await kitchen_service.tickets_for_orders(session, [order_id])
    for ticket in tickets.get(order_id, []):
        kitchen_service.ticket_changed(session, ticket)
    await session.delete(order)
    await session.flush()
    order_changed(session, order)
    return order
