"""Merging tables and undoing it: seats and capacity here, the orders' lines in the orders
domain (`absorb_order`, `give_back_lines`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api import limits
from restaurant_api.errors import InvalidInput
from restaurant_api.orders import service as orders_service
from restaurant_api.tables.errors import (
    MergeWithItself,
    TableChanged,
    TableHostsMerge,
    TableMerged,
    TableNotFound,
    TableNotMerged,
    TablesNotFound,
)
from restaurant_api.tables.floor import MIN_CAPACITY
from restaurant_api.tables.models import DiningTable, Seat, SeatStatus, TableStatus
from restaurant_api.tables.rows import (
    hosted_table,
    lock_table,
    peek_table,
    seats_of,
    settle_status,
    touch_and_publish,
)
from restaurant_api.users.service import FLOOR_STAFF, User, require_role

if TYPE_CHECKING:
    from restaurant_api.orders.service import Order


@dataclass(frozen=True, slots=True)
class MergeResult:
    table: DiningTable
    merged_table: DiningTable
    order: Order | None


@dataclass(frozen=True, slots=True)
class UnmergeResult:
    table: DiningTable
    restored_table: DiningTable
    restored_order: Order | None


async def merge_tables(
    session: AsyncSession, *, actor: User | None, table_id: int, other_table_id: int
) -> MergeResult:
    """Merge `other_table_id` into `table_id`.

    The first table's capacity becomes the sum; the second's seats move to it, numbered
    after the first's (their home is remembered for unmerge). If both tables have an open
    order, the second order's lines move onto the first order (remembering their table)
    and the second order is cancelled as merged; its kitchen tickets are left untouched,
    so nothing is fired again. A table takes part in one merge at a time.
    """
    require_role(actor, FLOOR_STAFF)
    if table_id == other_table_id:
        if await peek_table(session, table_id) is None:
            raise TablesNotFound()
        raise MergeWithItself()
    first, second = await peek_table(session, table_id), await peek_table(session, other_table_id)
    if first is None or second is None:
        raise TablesNotFound()
    expected = (first.current_order_id, second.current_order_id)
    orders = await orders_service.lock_orders(session, expected)
    locked = {i: await lock_table(session, i) for i in sorted((table_id, other_table_id))}
    host, guest = locked[table_id], locked[other_table_id]
    for table in (host, guest):
        if table.merged_into is not None:
            raise TableMerged(table.merged_into)
        if await hosted_table(session, table.id) is not None:
            raise TableHostsMerge()
    if (host.current_order_id, guest.current_order_id) != expected:
        raise TableChanged()

    host_seats = await seats_of(session, host.id)
    offset = host_seats[-1].seat_number if host_seats else 0
    guest_seats = await seats_of(session, guest.id)
    if guest_seats and offset + guest_seats[-1].seat_number > limits.MAX_SEAT:
        raise InvalidInput(f"A merged table has at most {limits.MAX_SEAT} seats")
    await session.exec(
        update(Seat)
        .where(col(Seat.table_id) == guest.id)
        .values(
            table_id=host.id,
            home_table_id=guest.id,
            home_seat_number=Seat.seat_number,
            seat_number=Seat.seat_number + offset,
        )
    )
    host.capacity += guest.capacity

    host_order = orders.get(host.current_order_id) if host.current_order_id else None
    guest_order = orders.get(guest.current_order_id) if guest.current_order_id else None
    order = host_order
    if guest_order is not None:
        order = await orders_service.absorb_order(
            session,
            host_order=host_order,
            guest_order=guest_order,
            host_table_id=host.id,
            guest_table_id=guest.id,
            seat_offset=offset,
        )
        host.current_order_id = order.id
    if host.current_order_id is not None or any(
        seat.status == SeatStatus.OCCUPIED for seat in [*host_seats, *guest_seats]
    ):
        host.status = TableStatus.OCCUPIED
    guest.merged_into = host.id
    guest.status = TableStatus.OCCUPIED
    guest.current_order_id = None
    for table in (host, guest):
        touch_and_publish(session, table)
    await session.flush()
    return MergeResult(table=host, merged_table=guest, order=order)


async def unmerge_table(
    session: AsyncSession, *, actor: User | None, table_id: int
) -> UnmergeResult:
    """Undo a merge; `table_id` may name either table of the pair.

    The second table gets back its seats (numbers, guests) and capacity. While the merged
    order is still open, the lines that came from the second table go back to it, onto
    the second table's order reopened (or onto a new order if that one is gone).
    """
    require_role(actor, FLOOR_STAFF)
    peeked = await peek_table(session, table_id)
    if peeked is None:
        raise TableNotFound()
    guest_peek: DiningTable | None = peeked
    if peeked.merged_into is None:
        guest_peek = await hosted_table(session, table_id)
    if guest_peek is None or guest_peek.merged_into is None:
        raise TableNotMerged()
    host_id, guest_id = guest_peek.merged_into, guest_peek.id
    host_peek = await peek_table(session, host_id)
    host_order_id = host_peek.current_order_id if host_peek else None
    merged_order_id = await orders_service.merged_order_id(
        session,
        guest_table_id=guest_id,
        host_order_id=host_order_id,
    )
    orders = await orders_service.lock_orders(session, (host_order_id, merged_order_id))
    locked = {i: await lock_table(session, i) for i in sorted((host_id, guest_id))}
    host, guest = locked[host_id], locked[guest_id]
    if guest.merged_into != host.id:
        raise TableNotMerged()
    if host.current_order_id != host_order_id:
        raise TableChanged()

    offset = await _give_back_seats(session, host=host, guest=guest)
    restored_order = None
    host_order = orders.get(host_order_id) if host_order_id else None
    if host_order is not None:
        restored_order = await orders_service.give_back_lines(
            session,
            host_order=host_order,
            merged_order=orders.get(merged_order_id) if merged_order_id else None,
            guest_table_id=guest.id,
            seat_offset=offset,
            created_by_id=actor.id if actor else None,
        )
    if restored_order is not None:
        if restored_order is host_order:  # it came from the second table alone
            host.current_order_id = None
        guest.current_order_id = restored_order.id
    # Occupied for now; settled to available below when nobody sits there.
    guest.status = TableStatus.OCCUPIED
    await session.flush()
    for table in (host, guest):
        await settle_status(session, table)
        touch_and_publish(session, table)
    await session.flush()
    return UnmergeResult(table=host, restored_table=guest, restored_order=restored_order)


async def _give_back_seats(session: AsyncSession, *, host: DiningTable, guest: DiningTable) -> int:
    """The second table's seats and capacity go home; returns the offset the merge added to
    their numbers (and to its lines' seat numbers)."""
    moved_seats = [s for s in await seats_of(session, host.id) if s.home_table_id == guest.id]
    offset = next(
        (s.seat_number - s.home_seat_number for s in moved_seats if s.home_seat_number), 0
    )
    await session.exec(
        update(Seat)
        .where(col(Seat.table_id) == host.id, col(Seat.home_table_id) == guest.id)
        .values(
            table_id=guest.id,
            seat_number=Seat.home_seat_number,
            home_table_id=None,
            home_seat_number=None,
        )
    )
    host.capacity = max(MIN_CAPACITY, host.capacity - guest.capacity)
    guest.merged_into = None
    guest.current_order_id = None
    return offset
