"""Table and seat use cases. Occupancy follows the orders placed on a table."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import utcnow
from restaurant_api.errors import Conflict, DomainError, ErrorCode, NotFound
from restaurant_api.orders.models import Order
from restaurant_api.tables.models import DiningTable, Seat, SeatStatus, TableStatus


class TableNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Table not found")


class TableOccupied(Conflict):
    code = ErrorCode.TABLE_OCCUPIED
    http_status = 400

    def __init__(self) -> None:
        super().__init__("Table is already occupied")


class TableMerged(Conflict):
    code = ErrorCode.TABLE_MERGED

    def __init__(self, merged_into: int) -> None:
        super().__init__(f"Table is merged into table {merged_into}")


async def lock_table(session: AsyncSession, table_id: int) -> DiningTable:
    """The table row, locked for this transaction (FOR UPDATE on PostgreSQL; SQLite
    transactions that write already hold the database's write lock)."""
    result = await session.exec(
        select(DiningTable)
        .where(DiningTable.id == table_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    table = result.first()
    if table is None:
        raise TableNotFound()
    return table


async def _set_all_seats(session: AsyncSession, table_id: int, status: SeatStatus) -> None:
    values: dict[str, object] = {"status": status}
    if status is SeatStatus.AVAILABLE:
        values["customer_name"] = None
    await session.exec(update(Seat).where(col(Seat.table_id) == table_id).values(**values))


def _touch(table: DiningTable) -> None:
    table.version += 1
    table.updated_at = utcnow()


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
    _touch(table)
    session.add(table)
    order.table_id = table.id
    session.add(order)
    await _set_all_seats(session, table.id, SeatStatus.OCCUPIED)  # type: ignore[arg-type]
    await session.flush()
    return table


async def free_table(session: AsyncSession, table: DiningTable) -> DiningTable:
    """Make a locked table available: no order, every seat available and unnamed."""
    table.status = TableStatus.AVAILABLE
    table.current_order_id = None
    _touch(table)
    session.add(table)
    await _set_all_seats(session, table.id, SeatStatus.AVAILABLE)  # type: ignore[arg-type]
    await session.flush()
    return table


async def release_table_of_order(session: AsyncSession, *, order: Order) -> DiningTable | None:
    """When an order closes, is cancelled or deleted, free the table it holds (if any)."""
    if order.table_id is None:
        return None
    return await _release_if_held(session, table_id=order.table_id, order_id=order.id)  # type: ignore[arg-type]


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
        await _release_if_held(session, table_id=old_table_id, order_id=order.id)  # type: ignore[arg-type]
    if table_id is None:
        order.table_id = None
        session.add(order)
        await session.flush()
    return new_table


__all__ = [
    "DomainError",
    "TableMerged",
    "TableNotFound",
    "TableOccupied",
    "free_table",
    "lock_table",
    "move_order_to_table",
    "occupy_table_for_order",
    "release_table_of_order",
]
