"""Merging and unmerging tables, the orders' side: one order absorbs the other table's
lines, and gives them back while it is open. The kitchen is never told: its tickets keep
the lines they carry, so nothing is fired again.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import utcnow
from restaurant_api.orders.models import Order, OrderDiscount, OrderServiceCharge, OrderStatus
from restaurant_api.orders.paid import refuse_if_paid
from restaurant_api.orders.rows import clear_line_origins, order_lines, touch_and_publish_order
from restaurant_api.orders.service_charges import sync_automatic_charges
from restaurant_api.orders.splitting import carried_parts, carry

# A merged order is cancelled with this reason; unmerge finds and reopens it by it.
MERGED_REASON = "Merged into order {order_id}"


async def absorb_order(
    session: AsyncSession,
    *,
    host_order: Order | None,
    guest_order: Order,
    host_table_id: int,
    guest_table_id: int,
    seat_offset: int,
) -> Order:
    """The guest table's order joins the host table's; returns the order the host holds.

    Its lines move after the host order's (remembering the guest table, their seats shifted
    by `seat_offset`), the customer counts add up and the guest order is cancelled as
    merged. Without a host order, the guest order itself moves to the host table. Both
    orders must be locked.
    """
    target = host_order or guest_order
    if host_order is not None:
        await refuse_if_paid(session, [guest_order.id], "merging")
    if host_order is not None and guest_order.carried_check is not None:
        # The guest's carried lines bring their part of its split share with them.
        moving = await order_lines(session, guest_order.id)
        staying = await order_lines(session, host_order.id)
        carry(
            host_order,
            [
                *zip(staying, carried_parts(host_order, staying), strict=True),
                *zip(moving, carried_parts(guest_order, moving), strict=True),
            ],
        )
    await _move_lines(
        session,
        source=guest_order,
        target=target,
        origin_table_id=guest_table_id,
        seat_offset=seat_offset,
    )
    if host_order is not None:
        await _move_adjustments(session, guest_order.id, host_order.id)
        host_order.customer_count += guest_order.customer_count
        await sync_automatic_charges(session, host_order, None)
        guest_order.status = OrderStatus.CANCELLED
        guest_order.cancel_reason = MERGED_REASON.format(order_id=host_order.id)
        guest_order.closed_at = utcnow()
    else:
        guest_order.table_id = host_table_id
    for order in {id(o): o for o in (host_order, guest_order) if o is not None}.values():
        touch_and_publish_order(session, order)
    return target


async def _move_adjustments(
    session: AsyncSession, source_id: int, target_id: int, line_ids: Collection[int] | None = None
) -> None:
    """Discounts follow what moves: with `line_ids`, the discounts of those lines; without,
    every discount and hand-added service charge of the source (a merged check keeps them;
    automatic charges are decided again for the new party by `sync_automatic_charges`)."""
    discounts = update(OrderDiscount).where(col(OrderDiscount.order_id) == source_id)
    if line_ids is not None:
        discounts = discounts.where(col(OrderDiscount.line_id).in_(sorted(line_ids)))
    await session.exec(discounts.values(order_id=target_id))
    if line_ids is None:
        await session.exec(
            update(OrderServiceCharge)
            .where(
                col(OrderServiceCharge.order_id) == source_id,
                col(OrderServiceCharge.automatic).is_(False),
            )
            .values(order_id=target_id)
        )


async def _move_lines(
    session: AsyncSession, *, source: Order, target: Order, origin_table_id: int, seat_offset: int
) -> None:
    next_position = 0
    if target.id != source.id:
        # Origins left over from an earlier merge mean nothing at this one.
        await clear_line_origins(session, target.id)
        existing = await order_lines(session, target.id)
        next_position = max((line.position for line in existing), default=-1) + 1
    for position, line in enumerate(await order_lines(session, source.id), start=next_position):
        line.order_id = target.id
        line.position = position
        line.origin_table_id = origin_table_id
        if line.seat_number is not None:
            line.seat_number += seat_offset
        session.add(line)


async def merged_order_id(
    session: AsyncSession, *, guest_table_id: int, host_order_id: int | None
) -> int | None:
    """The order a merge cancelled into `host_order_id` from the guest table, if any."""
    if host_order_id is None:
        return None
    result = await session.exec(
        select(Order.id)
        .where(
            Order.table_id == guest_table_id,
            Order.status == OrderStatus.CANCELLED,
            Order.cancel_reason == MERGED_REASON.format(order_id=host_order_id),
        )
        .order_by(col(Order.id).desc())
    )
    return result.first()


async def give_back_lines(
    session: AsyncSession,
    *,
    host_order: Order,
    merged_order: Order | None,
    guest_table_id: int,
    seat_offset: int,
    created_by_id: int | None,
) -> Order | None:
    """Unmerge, the orders' side: the lines that came from the guest table leave the host
    order while it is open; returns the order that now holds them, or None.

    They go back onto the merged order, reopened; when every line came from the guest table
    and no merged order is left, the host order itself moves back there (the caller sees it
    returned); otherwise onto a new order at the guest table. Both orders must be locked.
    """
    if host_order.status != OrderStatus.OPEN:
        return None
    lines = await order_lines(session, host_order.id)
    returning = [line for line in lines if line.origin_table_id == guest_table_id]
    if not returning:
        return None
    staying = [line for line in lines if line.origin_table_id != guest_table_id]
    if not staying and merged_order is None:
        # The order came from the guest table alone: it goes back there whole.
        target = host_order
        target.table_id = guest_table_id
    elif merged_order is not None:
        target = merged_order
        target.status = OrderStatus.OPEN
        target.cancel_reason = None
        target.closed_at = None
        host_order.customer_count = max(1, host_order.customer_count - target.customer_count)
    else:
        target = Order(table_id=guest_table_id, created_by_id=created_by_id)
        session.add(target)
        await session.flush()
    if host_order.carried_check is not None and target is not host_order:
        # Carried lines take their part of the host's carried check back with them.
        parts = dict(zip(map(id, lines), carried_parts(host_order, lines), strict=True))
        carry(target, [(line, parts[id(line)]) for line in returning])
        carry(host_order, [(line, parts[id(line)]) for line in staying])
    for position, line in enumerate(staying):
        line.position = position
        session.add(line)
    for position, line in enumerate(returning):
        line.order_id = target.id
        line.position = position
        line.origin_table_id = None
        if line.seat_number is not None:
            line.seat_number -= seat_offset
        session.add(line)
    if target is not host_order:
        await _move_adjustments(session, host_order.id, target.id, {line.id for line in returning})
        for order in (host_order, target):
            await sync_automatic_charges(session, order, created_by_id)
    for order in {id(o): o for o in (host_order, target)}.values():
        touch_and_publish_order(session, order)
    return target
