"""Table and seat rows: locks, fresh reads and recording a change, shared by the tables
domain's use cases."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import bump_version, is_valid_id
from restaurant_api.orders import service as orders_service
from restaurant_api.tables.errors import TableNotFound
from restaurant_api.tables.events import table_changed
from restaurant_api.tables.models import DiningTable, Seat, SeatStatus, TableStatus


async def lock_table(session: AsyncSession, table_id: int) -> DiningTable:
    """The table row, locked for this transaction (FOR UPDATE on PostgreSQL; SQLite
    transactions that write already hold the database's write lock)."""
    if not is_valid_id(table_id):
        raise TableNotFound()
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


async def peek_table(session: AsyncSession, table_id: int) -> DiningTable | None:
    """An unlocked, fresh read: used to learn which orders to lock before the table."""
    if not is_valid_id(table_id):
        return None
    query = select(DiningTable).where(DiningTable.id == table_id)
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def seats_by_table(session: AsyncSession, table_ids: Sequence[int]) -> dict[int, list[Seat]]:
    """Seats of several tables in one query (REST presenters), by seat number."""
    grouped: dict[int, list[Seat]] = defaultdict(list)
    if not table_ids:
        return grouped
    result = await session.exec(
        select(Seat)
        .where(col(Seat.table_id).in_(list(table_ids)))
        .order_by(col(Seat.table_id), col(Seat.seat_number))
        .execution_options(populate_existing=True)
    )
    for seat in result.all():
        grouped[seat.table_id].append(seat)
    return grouped


async def seats_of(session: AsyncSession, table_id: int) -> list[Seat]:
    return (await seats_by_table(session, [table_id]))[table_id]


async def set_all_seats(session: AsyncSession, table_id: int, status: SeatStatus) -> None:
    values: dict[str, object] = {"status": status}
    if status == SeatStatus.AVAILABLE:
        values["customer_name"] = None
    await session.exec(update(Seat).where(col(Seat.table_id) == table_id).values(**values))


def touch_and_publish(session: AsyncSession, table: DiningTable) -> None:
    """Record a change to a table; live screens hear of it once the transaction commits."""
    bump_version(table)
    table_changed(session, table)
    session.add(table)


async def has_occupied_seat(session: AsyncSession, table_id: int) -> bool:
    result = await session.exec(
        select(func.count())
        .select_from(Seat)
        .where(Seat.table_id == table_id, Seat.status == SeatStatus.OCCUPIED)
    )
    return bool(result.one())


async def hosted_table(session: AsyncSession, host_id: int) -> DiningTable | None:
    """The table merged into `host_id`, if any (a table hosts at most one merge)."""
    result = await session.exec(
        select(DiningTable)
        .where(DiningTable.merged_into == host_id)
        .execution_options(populate_existing=True)
    )
    return result.first()


async def settle_status(session: AsyncSession, table: DiningTable) -> None:
    """An occupied table with no guest seated and no open order becomes available."""
    if table.status != TableStatus.OCCUPIED or table.merged_into is not None:
        return
    if table.current_order_id is not None:
        return
    if await has_occupied_seat(session, table.id):
        return
    if await orders_service.open_order_ids_on(session, table.id):
        return
    table.status = TableStatus.AVAILABLE
