"""Seating (floor staff): orders at tables, guests on seats, and releasing a table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id
from restaurant_api.errors import InvalidInput
from restaurant_api.orders import service as orders_service
from restaurant_api.tables.errors import (
    SeatNotFound,
    SeatTaken,
    TableChanged,
    TableMerged,
    TableNotFound,
)
from restaurant_api.tables.models import DiningTable, Seat, SeatStatus, TableStatus
from restaurant_api.tables.occupancy import free_table, move_order_to_table, occupy_table_for_order
from restaurant_api.tables.rows import lock_table, peek_table, settle_status, touch_and_publish
from restaurant_api.users.service import FLOOR_STAFF, User, require_role

if TYPE_CHECKING:
    from restaurant_api.orders.service import Order

MAX_CUSTOMER_NAME = 100


# --- tables and orders ----------------------------------------------------------------------


async def assign_table(
    session: AsyncSession, *, actor: User | None, table_id: int, order_id: int
) -> DiningTable:
    """Seat an open order at a table (moving it from its old table, if any).

    The table becomes occupied by the order with every seat occupied. 404 for a missing
    table or order, 400 "Table is already occupied" when another order holds it.
    """
    _order, table = await _seat_order(session, actor=actor, table_id=table_id, order_id=order_id)
    return table


async def transfer_order(
    session: AsyncSession, *, actor: User | None, order_id: int, table_id: int
) -> tuple[Order, DiningTable]:
    """Move an open order to another table: the old table is freed, the new one occupied."""
    return await _seat_order(session, actor=actor, table_id=table_id, order_id=order_id)


async def _seat_order(
    session: AsyncSession, *, actor: User | None, table_id: int, order_id: int
) -> tuple[Order, DiningTable]:
    require_role(actor, FLOOR_STAFF)
    if await peek_table(session, table_id) is None:
        raise TableNotFound()
    order = await orders_service.lock_open_order(session, order_id)
    if order.table_id == table_id:
        table = await lock_table(session, table_id)
        if table.current_order_id == order.id:
            return order, table
        return order, await occupy_table_for_order(session, table_id=table_id, order=order)
    moved_to = await move_order_to_table(session, order=order, table_id=table_id)
    assert moved_to is not None  # moving onto a table returns it
    orders_service.touch_and_publish_order(session, order)
    await session.flush()
    return order, moved_to


async def release_table(session: AsyncSession, *, actor: User | None, table_id: int) -> DiningTable:
    """Free a table: available, no order, every seat available and unnamed.

    An open order on it stays open but no longer stands on this table.
    """
    require_role(actor, FLOOR_STAFF)
    peeked = await peek_table(session, table_id)
    if peeked is None:
        raise TableNotFound()
    order_ids = set(await orders_service.open_order_ids_on(session, table_id))
    if peeked.current_order_id is not None:
        order_ids.add(peeked.current_order_id)
    orders = await orders_service.lock_orders(session, order_ids)
    table = await lock_table(session, table_id)
    if table.merged_into is not None:
        raise TableMerged(table.merged_into)
    if table.current_order_id is not None and table.current_order_id not in orders:
        raise TableChanged()
    orders_service.take_off_table(session, orders.values(), table_id=table.id)
    return await free_table(session, table)


# --- seats ----------------------------------------------------------------------------------


def _clean_customer_name(name: str | None) -> str | None:
    if name is None:
        return None
    cleaned = " ".join(name.split())
    # PostgreSQL text cannot hold NUL; no control character belongs in a name anyway.
    if any(ord(char) < 32 or ord(char) == 127 for char in cleaned):
        raise InvalidInput(
            "Customer name must not contain control characters", field="customer_name"
        )
    if len(cleaned) > MAX_CUSTOMER_NAME:
        raise InvalidInput(
            f"Customer name must be at most {MAX_CUSTOMER_NAME} characters",
            field="customer_name",
        )
    return cleaned or None


async def _seat_of(session: AsyncSession, table: DiningTable, seat_number: int) -> Seat:
    if not is_valid_id(seat_number):
        raise SeatNotFound()
    result = await session.exec(
        select(Seat)
        .where(Seat.table_id == table.id, Seat.seat_number == seat_number)
        .execution_options(populate_existing=True)
    )
    seat = result.first()
    if seat is None:
        raise SeatNotFound()
    return seat


async def assign_seat(
    session: AsyncSession,
    *,
    actor: User | None,
    table_id: int,
    seat_number: int,
    customer_name: str | None = None,
) -> DiningTable:
    """Seat a guest: the seat becomes occupied (with the name, if given), and so does the
    table. An occupied seat is a 409 SEAT_TAKEN: the table lock makes the check exact."""
    require_role(actor, FLOOR_STAFF)
    name = _clean_customer_name(customer_name)
    table = await lock_table(session, table_id)
    if table.merged_into is not None:
        raise TableMerged(table.merged_into)
    seat = await _seat_of(session, table, seat_number)
    if seat.status == SeatStatus.OCCUPIED:
        raise SeatTaken(seat_number)
    seat.status = SeatStatus.OCCUPIED
    seat.customer_name = name
    session.add(seat)
    table.status = TableStatus.OCCUPIED
    touch_and_publish(session, table)
    await session.flush()
    return table


async def release_seat(
    session: AsyncSession, *, actor: User | None, table_id: int, seat_number: int
) -> DiningTable:
    """Free a seat (a free seat stays free). When no guest is seated and no order is open
    at the table any more, the table becomes available."""
    require_role(actor, FLOOR_STAFF)
    table = await lock_table(session, table_id)
    if table.merged_into is not None:
        raise TableMerged(table.merged_into)
    seat = await _seat_of(session, table, seat_number)
    seat.status = SeatStatus.AVAILABLE
    seat.customer_name = None
    session.add(seat)
    await session.flush()
    await settle_status(session, table)
    touch_and_publish(session, table)
    await session.flush()
    return table
