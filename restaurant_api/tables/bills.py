"""Splitting a table's bill: the table's side. The orders domain plans the shares and
creates the split orders (`plan_split`, `split_order`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.orders import service as orders_service
from restaurant_api.tables.errors import NoOrderToSplit, TableChanged, TableNotFound
from restaurant_api.tables.models import DiningTable
from restaurant_api.tables.rows import lock_table, peek_table, touch_and_publish
from restaurant_api.users.service import FLOOR_STAFF, User, require_role

if TYPE_CHECKING:
    from restaurant_api.orders.service import Order, SplitRequest, SplitShare


async def _table_order(session: AsyncSession, table_id: int) -> tuple[DiningTable, Order]:
    """Lock the order a table holds, then the table (orders before tables)."""
    peeked = await peek_table(session, table_id)
    if peeked is None:
        raise TableNotFound()
    if peeked.current_order_id is None:
        raise NoOrderToSplit()
    order = await orders_service.lock_order(session, peeked.current_order_id)
    table = await lock_table(session, table_id)
    if table.current_order_id is None:
        raise NoOrderToSplit()
    if order is None or table.current_order_id != order.id:
        raise TableChanged()
    orders_service.require_open(order)
    return table, order


async def preview_split(
    session: AsyncSession, *, actor: User | None, table_id: int, request: SplitRequest
) -> tuple[Order, list[SplitShare]]:
    """The shares a split would produce, changing nothing."""
    require_role(actor, FLOOR_STAFF)
    table = await peek_table(session, table_id)
    if table is None:
        raise TableNotFound()
    preview = None
    if table.current_order_id:
        preview = await orders_service.preview_order_split(
            session, order_id=table.current_order_id, request=request
        )
    if preview is None:
        raise NoOrderToSplit()
    return preview


async def split_bill(
    session: AsyncSession, *, actor: User | None, table_id: int, request: SplitRequest
) -> list[Order]:
    """Split the table's order into new open orders, one per share, on the same table.

    Their totals add up exactly to the original's; the original is closed as `split` and
    keeps its lines as the record. Nothing is fired to the kitchen: its tickets stay with
    the original order's lines.
    """
    user = require_role(actor, FLOOR_STAFF)
    table, original = await _table_order(session, table_id)
    lines = await orders_service.order_lines(session, original.id)
    if not lines:
        raise NoOrderToSplit()
    split_orders = await orders_service.split_order(
        session,
        order=original,
        lines=lines,
        request=request,
        table_id=table.id,
        created_by_id=user.id,
    )
    # The split orders share the table; it is freed when the last of them closes.
    table.current_order_id = None
    touch_and_publish(session, table)
    await session.flush()
    return split_orders
