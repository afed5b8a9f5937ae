"""Order rows for the floor's use cases: locking orders, reading their lines, recording a
change. The tables domain calls these (through `orders.service`) instead of touching order
rows itself; it locks orders before tables, each kind in ascending id order.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import bump_version, is_valid_id
from restaurant_api.orders.errors import OrderNotFound, OrderNotOpen
from restaurant_api.orders.events import order_changed
from restaurant_api.orders.models import Order, OrderLine, OrderStatus


async def lock_order(session: AsyncSession, order_id: int) -> Order | None:
    """The order row, locked for this transaction and read fresh; None when there is none."""
    if not is_valid_id(order_id):
        return None
    query = select(Order).where(Order.id == order_id).with_for_update()
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def lock_orders(session: AsyncSession, order_ids: Iterable[int | None]) -> dict[int, Order]:
    """The orders among `order_ids` that exist, locked one by one in ascending id order."""
    locked: dict[int, Order] = {}
    for order_id in sorted({i for i in order_ids if i is not None}):
        order = await lock_order(session, order_id)
        if order is not None:
            locked[order_id] = order
    return locked


def require_open(order: Order) -> None:
    """OrderNotOpen with the floor's message (no status) unless the order is open."""
    if order.status != OrderStatus.OPEN:
        raise OrderNotOpen()


async def lock_open_order(session: AsyncSession, order_id: int) -> Order:
    """The open order a table is about to seat, locked: OrderNotFound or OrderNotOpen."""
    order = await lock_order(session, order_id)
    if order is None:
        raise OrderNotFound()
    require_open(order)
    return order


async def order_lines(session: AsyncSession, order_id: int) -> list[OrderLine]:
    """An order's lines in position order, read fresh (a merge or split rewrites them)."""
    result = await session.exec(
        select(OrderLine)
        .where(OrderLine.order_id == order_id)
        .order_by(col(OrderLine.position), col(OrderLine.id))
        .execution_options(populate_existing=True)
    )
    return list(result.all())


async def open_order_ids_on(session: AsyncSession, table_id: int) -> list[int]:
    """Ids of the open orders standing on a table (split orders share their table)."""
    result = await session.exec(
        select(Order.id).where(Order.table_id == table_id, Order.status == OrderStatus.OPEN)
    )
    return [order_id for order_id in result.all() if order_id is not None]


def touch_and_publish_order(session: AsyncSession, order: Order) -> None:
    """Record a change to an order; live screens hear of it once the transaction commits."""
    bump_version(order)
    order_changed(session, order)
    session.add(order)


async def clear_line_origins(session: AsyncSession, order_id: int) -> None:
    """Lines remember the table they came from only while their order sits at a merge."""
    await session.exec(
        update(OrderLine).where(col(OrderLine.order_id) == order_id).values(origin_table_id=None)
    )


def take_off_table(session: AsyncSession, orders: Iterable[Order], table_id: int) -> None:
    """The open orders among `orders` that stand on `table_id` stand on no table any more
    (the table is being released; the orders stay open)."""
    for order in orders:
        if order.table_id == table_id and order.status == OrderStatus.OPEN:
            order.table_id = None
            touch_and_publish_order(session, order)
