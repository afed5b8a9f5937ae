"""The floor plan: reading tables and seats, and managing tables (managers)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import MAX_ID, is_valid_id
from restaurant_api.errors import InvalidInput
from restaurant_api.orders import service as orders_service
from restaurant_api.tables.errors import (
    OccupiedSeatsRemoved,
    TableHostsMerge,
    TableInUse,
    TableMerged,
    TableNotFound,
    TableNumberTaken,
    TableOccupied,
)
from restaurant_api.tables.events import table_changed
from restaurant_api.tables.models import DiningTable, Seat, SeatStatus, TableStatus
from restaurant_api.tables.rows import (
    has_occupied_seat,
    hosted_table,
    lock_table,
    seats_of,
    touch_and_publish,
)
from restaurant_api.users.service import ALL_STAFF, MANAGERS, User, require_role

MIN_CAPACITY = 1
MAX_CAPACITY = 50


# --- reading --------------------------------------------------------------------------------


async def list_tables(
    session: AsyncSession,
    *,
    actor: User | None,
    status: TableStatus | None = None,
    limit: int | None = None,
) -> list[DiningTable]:
    """Every table by number (the first `limit`); `status` keeps only those with it."""
    require_role(actor, ALL_STAFF)
    query = select(DiningTable).order_by(col(DiningTable.table_number)).limit(limit)
    if status is not None:
        query = query.where(DiningTable.status == status)
    return list((await session.exec(query)).all())


async def all_tables(session: AsyncSession) -> list[DiningTable]:
    """Every table by number (the live floor plan; its subscription checked the caller)."""
    rows = await session.exec(select(DiningTable).order_by(col(DiningTable.table_number)))
    return list(rows.all())


async def available_tables(
    session: AsyncSession, *, actor: User | None, limit: int | None = None
) -> list[DiningTable]:
    """Tables that can be seated now: available and not merged into another table."""
    require_role(actor, ALL_STAFF)
    query = (
        select(DiningTable)
        .where(DiningTable.status == TableStatus.AVAILABLE, col(DiningTable.merged_into).is_(None))
        .order_by(col(DiningTable.table_number))
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def occupied_tables(
    session: AsyncSession, *, actor: User | None, limit: int | None = None
) -> list[DiningTable]:
    return await list_tables(session, actor=actor, status=TableStatus.OCCUPIED, limit=limit)


async def get_table(session: AsyncSession, *, actor: User | None, table_id: int) -> DiningTable:
    require_role(actor, ALL_STAFF)
    table = await session.get(DiningTable, table_id) if is_valid_id(table_id) else None
    if table is None:
        raise TableNotFound()
    return table


async def tables_by_id(session: AsyncSession, table_ids: Sequence[int]) -> dict[int, DiningTable]:
    """Tables by id in one query (loaders, live updates)."""
    if not table_ids:
        return {}
    rows = await session.exec(select(DiningTable).where(col(DiningTable.id).in_(table_ids)))
    return {table.id: table for table in rows.all()}


async def seats_by_id(session: AsyncSession, seat_ids: Sequence[int]) -> dict[int, Seat]:
    """Seats by id in one query (`node`)."""
    if not seat_ids:
        return {}
    rows = await session.exec(select(Seat).where(col(Seat.id).in_(seat_ids)))
    return {seat.id: seat for seat in rows.all()}


# --- managing tables (managers) ------------------------------------------------------------


def _check_capacity(capacity: int) -> None:
    if not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        raise InvalidInput(
            f"Capacity must be between {MIN_CAPACITY} and {MAX_CAPACITY}", field="capacity"
        )


def _check_table_number(table_number: int) -> None:
    if not is_valid_id(table_number):
        raise InvalidInput(f"Table number must be between 1 and {MAX_ID}", field="table_number")


async def _number_taken(
    session: AsyncSession, table_number: int, *, other_than: int | None
) -> bool:
    query = select(DiningTable.id).where(DiningTable.table_number == table_number)
    if other_than is not None:
        query = query.where(DiningTable.id != other_than)
    return (await session.exec(query)).first() is not None


async def _flush_unique_number(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent create or renumber won the unique index
        raise TableNumberTaken() from exc


async def create_table(
    session: AsyncSession, *, actor: User | None, table_number: int, capacity: int
) -> DiningTable:
    """A new available table with `capacity` seats numbered from 1."""
    require_role(actor, MANAGERS)
    _check_table_number(table_number)
    _check_capacity(capacity)
    if await _number_taken(session, table_number, other_than=None):
        raise TableNumberTaken()
    table = DiningTable(table_number=table_number, capacity=capacity)
    session.add(table)
    await _flush_unique_number(session)
    session.add_all(
        Seat(table_id=table.id, seat_number=number) for number in range(1, capacity + 1)
    )
    await session.flush()
    table_changed(session, table)
    return table


async def _in_use(session: AsyncSession, table: DiningTable) -> bool:
    return (
        table.current_order_id is not None
        or await has_occupied_seat(session, table.id)
        or bool(await orders_service.open_order_ids_on(session, table.id))
    )


async def _resize(session: AsyncSession, table: DiningTable, capacity: int) -> None:
    seats = await seats_of(session, table.id)
    if capacity < len(seats):
        removed = seats[capacity:]
        occupied = [s.seat_number for s in removed if s.status == SeatStatus.OCCUPIED]
        if occupied:
            raise OccupiedSeatsRemoved(occupied)
        for seat in removed:
            await session.delete(seat)
    else:
        last = seats[-1].seat_number if seats else 0
        session.add_all(
            Seat(table_id=table.id, seat_number=last + offset)
            for offset in range(1, capacity - len(seats) + 1)
        )
    table.capacity = capacity


async def update_table(
    session: AsyncSession,
    *,
    actor: User | None,
    table_id: int,
    table_number: int | None = None,
    capacity: int | None = None,
    status: TableStatus | None = None,
) -> DiningTable:
    """Renumber, resize (adding or removing seats) or set the status of a table.

    Removing an occupied seat is a 409. A table in use keeps its status: occupancy follows
    its orders and seats (release it first). Merged tables keep capacity and status until
    they are unmerged.
    """
    require_role(actor, MANAGERS)
    if table_number is not None:
        _check_table_number(table_number)
    if capacity is not None:
        _check_capacity(capacity)
    table = await lock_table(session, table_id)
    changes_layout = capacity is not None and capacity != table.capacity
    changes_layout = changes_layout or (status is not None and status != table.status)
    if changes_layout:
        if table.merged_into is not None:
            raise TableMerged(table.merged_into)
        if await hosted_table(session, table.id) is not None:
            raise TableHostsMerge()
    if table_number is not None and table_number != table.table_number:
        if await _number_taken(session, table_number, other_than=table.id):
            raise TableNumberTaken()
        table.table_number = table_number
    if capacity is not None and capacity != table.capacity:
        await _resize(session, table, capacity)
    if status is not None and status != table.status:
        if status != TableStatus.OCCUPIED and await _in_use(session, table):
            raise TableOccupied()
        table.status = status
    touch_and_publish(session, table)
    await _flush_unique_number(session)
    return table


async def delete_table(session: AsyncSession, *, actor: User | None, table_id: int) -> None:
    """Delete a table that is not in use (its seats go with it)."""
    require_role(actor, MANAGERS)
    table = await lock_table(session, table_id)
    if table.status == TableStatus.OCCUPIED or await _in_use(session, table):
        raise TableInUse()
    if await hosted_table(session, table.id) is not None:
        raise TableHostsMerge()
    await session.delete(table)
    await session.flush()
    table_changed(session, table_id)
