"""Occupancy: which order holds a table. These are the functions the orders domain calls
when an order is placed, moved, closed, cancelled or deleted; the order passed in is locked
by the caller. Seating records the table on the order (`order.table_id`): that link is the
occupancy itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.orders import service as orders_service
from restaurant_api.tables.errors import TableMerged, TableNotFound, TableOccupied
from restaurant_api.tables.models import DiningTable, SeatStatus, TableStatus
from restaurant_api.tables.rows import lock_table, set_all_seats, touch_and_publish

if TYPE_CHECKING:
    from restaurant_api.orders.service import Order


async def occupy_table_for_order(
    session: AsyncSession, *, table_id: int, order: Order
) -> DiningTable:
    """Seat `order` at the table: the table becomes occupied by it, every seat occupied.

    Raises TableNotFound (404), TableOccupied (400) when another order holds the table,
    TableMerged (409) when the table is merged into another one.
    """
    table = await lock_table(session, table_id)
    if table.merged_into is not None:
        raise TableMerged(table.merged_into)
    if table.current_order_id is not None and table.current_order_id != order.id:
        raise TableOccupied()
    table.status = TableStatus.OCCUPIED
    table.current_order_id = order.id
    touch_and_publish(session, table)
    order.table_id = table.id
    session.add(order)
    await set_all_seats(session, table.id, SeatStatus.OCCUPIED)
    await session.flush()
    return table


async def free_table(session: AsyncSession, table: DiningTable) -> DiningTable:
    """Make a locked table available: no order, every seat available and unnamed.

    A table merged into another stays merged (and unavailable) until it is unmerged.
    """
    if table.merged_into is None:
        table.status = TableStatus.AVAILABLE
    table.current_order_id = None
    touch_and_publish(session, table)
    await set_all_seats(session, table.id, SeatStatus.AVAILABLE)
    await session.flush()
    return table


async def release_table_of_order(session: AsyncSession, *, order: Order) -> DiningTable | None:
    """When an order closes, is cancelled or deleted, free the table it holds (if any).

    The orders split off a bill share their table without holding it: the table is freed
    when the last of them closes.
    """
    if order.table_id is None:
        return None
    if order.split_from_id is not None:
        return await _release_after_last_split(session, order=order)
    return await _release_if_held(session, table_id=order.table_id, order_id=order.id)


async def _release_after_last_split(session: AsyncSession, *, order: Order) -> DiningTable | None:
    try:
        table = await lock_table(session, order.table_id)  # type: ignore[arg-type]
    except TableNotFound:
        return None
    if table.current_order_id == order.id:
        return await free_table(session, table)
    if table.current_order_id is not None or table.status != TableStatus.OCCUPIED:
        return None
    open_ids = await orders_service.open_order_ids_on(session, table.id)
    if any(i != order.id for i in open_ids):
        return None
    return await free_table(session, table)


async def _release_if_held(
    session: AsyncSession, *, table_id: int, order_id: int
) -> DiningTable | None:
    try:
        table = await lock_table(session, table_id)
    except TableNotFound:
        return None
    if table.current_order_id != order_id:
        return None
    return await free_table(session, table)


async def move_order_to_table(
    session: AsyncSession, *, order: Order, table_id: int | None
) -> DiningTable | None:
    """Move an open order to another table (or off any table), freeing the old one."""
    if order.table_id == table_id:
        return None
    old_table_id = order.table_id
    # Lock both tables in id order, so two opposite moves cannot deadlock.
    for locked_id in sorted(i for i in (old_table_id, table_id) if i is not None):
        if locked_id == table_id:
            await lock_table(session, locked_id)  # a missing target is a 404
        else:
            await session.exec(
                select(DiningTable.id).where(DiningTable.id == locked_id).with_for_update()
            )
    new_table = None
    if table_id is not None:
        new_table = await occupy_table_for_order(session, table_id=table_id, order=order)
    if old_table_id is not None:
        await _release_if_held(session, table_id=old_table_id, order_id=order.id)
        await orders_service.clear_line_origins(session, order.id)
    if table_id is None:
        order.table_id = None
        session.add(order)
        await session.flush()
    return new_table
