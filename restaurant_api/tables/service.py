"""Table and seat use cases. Occupancy follows the orders placed on a table.

Locking: a use case that locks several rows takes order rows first, then table rows, each
kind in ascending id order (the orders domain locks an order before its table too), so two
use cases never wait on each other in a cycle. Seats are guarded by their table's row lock.
On SQLite every writing transaction holds the database's write lock from its first
statement (BEGIN IMMEDIATE), so the same code is serialized there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api import limits
from restaurant_api.db import MAX_ID, is_valid_id, utcnow
from restaurant_api.errors import Conflict, DomainError, ErrorCode, InvalidInput, NotFound
from restaurant_api.money import split_evenly
from restaurant_api.orders import service as orders_service
from restaurant_api.orders.models import Order, OrderLine, OrderStatus
from restaurant_api.orders.pricing import line_total_cents
from restaurant_api.tables.events import table_changed
from restaurant_api.tables.models import DiningTable, Seat, SeatStatus, TableStatus
from restaurant_api.users.service import ALL_STAFF, FLOOR_STAFF, MANAGERS, User, require_role

MIN_CAPACITY = 1
MAX_CAPACITY = 50
MAX_SPLIT_WAYS = 100
MAX_CUSTOMER_NAME = 100
# A merged order is cancelled with this reason; unmerge finds and reopens it by it.
MERGED_REASON = "Merged into order {order_id}"


# --- errors ------------------------------------------------------------------------------


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


class TableHostsMerge(Conflict):
    code = ErrorCode.TABLE_MERGED

    def __init__(self) -> None:
        super().__init__("Table has another table merged into it; unmerge it first")


class TableNotMerged(Conflict):
    code = ErrorCode.CONFLICT

    def __init__(self) -> None:
        super().__init__("Table is not merged")


class TablesNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("One or both tables not found")


class MergeWithItself(DomainError):
    code = ErrorCode.VALIDATION_ERROR
    http_status = 400

    def __init__(self) -> None:
        super().__init__("Cannot merge a table with itself")


class TableNumberTaken(Conflict):
    code = ErrorCode.DUPLICATE
    http_status = 400

    def __init__(self) -> None:
        super().__init__("Table number already exists", field="table_number")


class TableInUse(Conflict):
    code = ErrorCode.TABLE_OCCUPIED
    http_status = 400

    def __init__(self) -> None:
        super().__init__("Cannot delete an occupied table")


class OccupiedSeatsRemoved(Conflict):
    code = ErrorCode.SEAT_OCCUPIED

    def __init__(self, seat_numbers: Sequence[int]) -> None:
        listed = ", ".join(str(number) for number in seat_numbers)
        super().__init__(f"Cannot remove occupied seats: {listed}", field="capacity")


class SeatNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Seat not found")


class SeatTaken(Conflict):
    code = ErrorCode.SEAT_TAKEN

    def __init__(self, seat_number: int) -> None:
        super().__init__(f"Seat {seat_number} is already occupied")


class OrderNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Order not found")


class OrderNotOpen(Conflict):
    code = ErrorCode.ORDER_CLOSED

    def __init__(self) -> None:
        super().__init__("Order is not open")


class NoOrderToSplit(DomainError):
    code = ErrorCode.VALIDATION_ERROR
    http_status = 400

    def __init__(self) -> None:
        super().__init__("Table has no order to split")


class InvalidSplit(InvalidInput):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="split")


class TableChanged(Conflict):
    """Another request changed the table between our look and our lock: try again."""

    code = ErrorCode.VERSION_CONFLICT

    def __init__(self) -> None:
        super().__init__("The table changed meanwhile; try again")


# --- locking and small helpers -------------------------------------------------------------


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


async def _lock_order(session: AsyncSession, order_id: int) -> Order | None:
    if not is_valid_id(order_id):
        return None
    result = await session.exec(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.first()


async def _peek_table(session: AsyncSession, table_id: int) -> DiningTable | None:
    """An unlocked, fresh read: used to learn which orders to lock before the table."""
    if not is_valid_id(table_id):
        return None
    result = await session.exec(
        select(DiningTable)
        .where(DiningTable.id == table_id)
        .execution_options(populate_existing=True)
    )
    return result.first()


async def _lock_orders(session: AsyncSession, order_ids: Iterable[int | None]) -> dict[int, Order]:
    locked: dict[int, Order] = {}
    for order_id in sorted({i for i in order_ids if i is not None}):
        order = await _lock_order(session, order_id)
        if order is not None:
            locked[order_id] = order
    return locked


async def _seats(session: AsyncSession, table_id: int) -> list[Seat]:
    return (await seats_by_table(session, [table_id]))[table_id]


async def _lines(session: AsyncSession, order_id: int) -> list[OrderLine]:
    result = await session.exec(
        select(OrderLine)
        .where(OrderLine.order_id == order_id)
        .order_by(col(OrderLine.position), col(OrderLine.id))
        .execution_options(populate_existing=True)
    )
    return list(result.all())


async def _set_all_seats(session: AsyncSession, table_id: int, status: SeatStatus) -> None:
    values: dict[str, object] = {"status": status}
    if status == SeatStatus.AVAILABLE:
        values["customer_name"] = None
    await session.exec(update(Seat).where(col(Seat.table_id) == table_id).values(**values))


def _touch(session: AsyncSession, entity: DiningTable | Order) -> None:
    """Record a change: bump the version and tell live screens once the change commits."""
    entity.version += 1
    entity.updated_at = utcnow()
    if isinstance(entity, DiningTable):
        table_changed(session, entity)
    else:
        orders_service.order_changed(session, entity)


async def _open_orders_on(session: AsyncSession, table_id: int) -> list[int]:
    """Ids of the open orders standing on a table (split orders share their table)."""
    result = await session.exec(
        select(Order.id).where(Order.table_id == table_id, Order.status == OrderStatus.OPEN)
    )
    return [order_id for order_id in result.all() if order_id is not None]


async def _has_occupied_seat(session: AsyncSession, table_id: int) -> bool:
    result = await session.exec(
        select(func.count())
        .select_from(Seat)
        .where(Seat.table_id == table_id, Seat.status == SeatStatus.OCCUPIED)
    )
    return bool(result.one())


async def _hosted_table(session: AsyncSession, host_id: int) -> DiningTable | None:
    """The table merged into `host_id`, if any (a table hosts at most one merge)."""
    result = await session.exec(
        select(DiningTable)
        .where(DiningTable.merged_into == host_id)
        .execution_options(populate_existing=True)
    )
    return result.first()


async def _settle_status(session: AsyncSession, table: DiningTable) -> None:
    """An occupied table with no guest seated and no open order becomes available."""
    if table.status != TableStatus.OCCUPIED or table.merged_into is not None:
        return
    if table.current_order_id is not None:
        return
    if await _has_occupied_seat(session, table.id) or await _open_orders_on(session, table.id):  # type: ignore[arg-type]
        return
    table.status = TableStatus.AVAILABLE


# --- occupancy primitives (also used by the orders domain) ---------------------------------


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
    _touch(session, table)
    session.add(table)
    order.table_id = table.id
    session.add(order)
    await _set_all_seats(session, table.id, SeatStatus.OCCUPIED)  # type: ignore[arg-type]
    await session.flush()
    return table


async def free_table(session: AsyncSession, table: DiningTable) -> DiningTable:
    """Make a locked table available: no order, every seat available and unnamed.

    A table merged into another stays merged (and unavailable) until it is unmerged.
    """
    if table.merged_into is None:
        table.status = TableStatus.AVAILABLE
    table.current_order_id = None
    _touch(session, table)
    session.add(table)
    await _set_all_seats(session, table.id, SeatStatus.AVAILABLE)  # type: ignore[arg-type]
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
    return await _release_if_held(session, table_id=order.table_id, order_id=order.id)  # type: ignore[arg-type]


async def _release_after_last_split(session: AsyncSession, *, order: Order) -> DiningTable | None:
    try:
        table = await lock_table(session, order.table_id)  # type: ignore[arg-type]
    except TableNotFound:
        return None
    if table.current_order_id == order.id:
        return await free_table(session, table)
    if table.current_order_id is not None or table.status != TableStatus.OCCUPIED:
        return None
    others = [i for i in await _open_orders_on(session, table.id) if i != order.id]  # type: ignore[arg-type]
    if others:
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
        await _release_if_held(session, table_id=old_table_id, order_id=order.id)  # type: ignore[arg-type]
        # Lines remember the table they came from only while their order sits at a merge.
        await session.exec(
            update(OrderLine)
            .where(col(OrderLine.order_id) == order.id)
            .values(origin_table_id=None)
        )
    if table_id is None:
        order.table_id = None
        session.add(order)
        await session.flush()
    return new_table


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
    return {table.id: table for table in rows.all()}  # type: ignore[misc]


async def seats_by_id(session: AsyncSession, seat_ids: Sequence[int]) -> dict[int, Seat]:
    """Seats by id in one query (`node`)."""
    if not seat_ids:
        return {}
    rows = await session.exec(select(Seat).where(col(Seat.id).in_(seat_ids)))
    return {seat.id: seat for seat in rows.all()}  # type: ignore[misc]


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
        Seat(table_id=table.id, seat_number=number)  # type: ignore[arg-type]
        for number in range(1, capacity + 1)
    )
    await session.flush()
    table_changed(session, table)
    return table


async def _in_use(session: AsyncSession, table: DiningTable) -> bool:
    return (
        table.current_order_id is not None
        or await _has_occupied_seat(session, table.id)  # type: ignore[arg-type]
        or bool(await _open_orders_on(session, table.id))  # type: ignore[arg-type]
    )


async def _resize(session: AsyncSession, table: DiningTable, capacity: int) -> None:
    seats = await _seats(session, table.id)  # type: ignore[arg-type]
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
            Seat(table_id=table.id, seat_number=last + offset)  # type: ignore[arg-type]
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
        if await _hosted_table(session, table.id) is not None:  # type: ignore[arg-type]
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
    _touch(session, table)
    session.add(table)
    await _flush_unique_number(session)
    return table


async def delete_table(session: AsyncSession, *, actor: User | None, table_id: int) -> None:
    """Delete a table that is not in use (its seats go with it)."""
    require_role(actor, MANAGERS)
    table = await lock_table(session, table_id)
    if table.status == TableStatus.OCCUPIED or await _in_use(session, table):
        raise TableInUse()
    if await _hosted_table(session, table.id) is not None:  # type: ignore[arg-type]
        raise TableHostsMerge()
    await session.delete(table)
    await session.flush()
    table_changed(session, table_id)


# --- tables and orders ----------------------------------------------------------------------


async def _open_order_for_update(session: AsyncSession, order_id: int) -> Order:
    order = await _lock_order(session, order_id)
    if order is None:
        raise OrderNotFound()
    if order.status != OrderStatus.OPEN:
        raise OrderNotOpen()
    return order


async def assign_table(
    session: AsyncSession, *, actor: User | None, table_id: int, order_id: int
) -> DiningTable:
    """Seat an open order at a table (moving it from its old table, if any).

    The table becomes occupied by the order with every seat occupied. 404 for a missing
    table or order, 400 "Table is already occupied" when another order holds it.
    """
    require_role(actor, FLOOR_STAFF)
    if await _peek_table(session, table_id) is None:
        raise TableNotFound()
    order = await _open_order_for_update(session, order_id)
    if order.table_id == table_id:
        table = await lock_table(session, table_id)
        if table.current_order_id == order.id:
            return table
        return await occupy_table_for_order(session, table_id=table_id, order=order)
    table = await move_order_to_table(session, order=order, table_id=table_id)
    assert table is not None  # moving onto a table returns it
    _touch(session, order)
    session.add(order)
    await session.flush()
    return table


async def transfer_order(
    session: AsyncSession, *, actor: User | None, order_id: int, table_id: int
) -> tuple[Order, DiningTable]:
    """Move an open order to another table: the old table is freed, the new one occupied."""
    table = await assign_table(session, actor=actor, table_id=table_id, order_id=order_id)
    order = await session.get(Order, order_id)
    assert order is not None  # locked by assign_table
    return order, table


async def release_table(session: AsyncSession, *, actor: User | None, table_id: int) -> DiningTable:
    """Free a table: available, no order, every seat available and unnamed.

    An open order on it stays open but no longer stands on this table.
    """
    require_role(actor, FLOOR_STAFF)
    peeked = await _peek_table(session, table_id)
    if peeked is None:
        raise TableNotFound()
    order_ids = set(await _open_orders_on(session, table_id))
    if peeked.current_order_id is not None:
        order_ids.add(peeked.current_order_id)
    orders = await _lock_orders(session, order_ids)
    table = await lock_table(session, table_id)
    if table.merged_into is not None:
        raise TableMerged(table.merged_into)
    if table.current_order_id is not None and table.current_order_id not in orders:
        raise TableChanged()
    for order in orders.values():
        if order.table_id == table.id and order.status == OrderStatus.OPEN:
            order.table_id = None
            _touch(session, order)
            session.add(order)
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
    _touch(session, table)
    session.add(table)
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
    await _settle_status(session, table)
    _touch(session, table)
    session.add(table)
    await session.flush()
    return table


# --- merge and unmerge ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MergeResult:
    table: DiningTable
    merged_table: DiningTable
    order: Order | None


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
        if await _peek_table(session, table_id) is None:
            raise TablesNotFound()
        raise MergeWithItself()
    first, second = await _peek_table(session, table_id), await _peek_table(session, other_table_id)
    if first is None or second is None:
        raise TablesNotFound()
    expected = (first.current_order_id, second.current_order_id)
    orders = await _lock_orders(session, expected)
    locked = {i: await lock_table(session, i) for i in sorted((table_id, other_table_id))}
    host, guest = locked[table_id], locked[other_table_id]
    for table in (host, guest):
        if table.merged_into is not None:
            raise TableMerged(table.merged_into)
        if await _hosted_table(session, table.id) is not None:  # type: ignore[arg-type]
            raise TableHostsMerge()
    if (host.current_order_id, guest.current_order_id) != expected:
        raise TableChanged()

    host_seats = await _seats(session, host.id)  # type: ignore[arg-type]
    offset = host_seats[-1].seat_number if host_seats else 0
    guest_seats = await _seats(session, guest.id)  # type: ignore[arg-type]
    if guest_seats and offset + guest_seats[-1].seat_number > limits.MAX_SEAT:
        raise InvalidInput(f"A merged table has at most {limits.MAX_SEAT} seats")
    await session.exec(
        update(Seat)
        .where(col(Seat.table_id) == guest.id)
        .values(
            table_id=host.id,
            home_table_id=guest.id,
            home_seat_number=Seat.seat_number,  # type: ignore[arg-type]
            seat_number=Seat.seat_number + offset,  # type: ignore[operator]
        )
    )
    host.capacity += guest.capacity

    host_order = orders.get(host.current_order_id) if host.current_order_id else None
    guest_order = orders.get(guest.current_order_id) if guest.current_order_id else None
    if guest_order is not None:
        target = host_order or guest_order
        await _move_lines_to_host(
            session, source=guest_order, target=target, origin=guest, seat_offset=offset
        )
        if host_order is not None:
            host_order.customer_count += guest_order.customer_count
            guest_order.status = OrderStatus.CANCELLED
            guest_order.cancel_reason = MERGED_REASON.format(order_id=host_order.id)
            guest_order.closed_at = utcnow()
        else:
            guest_order.table_id = host.id
            host.current_order_id = guest_order.id
        for order in {id(o): o for o in (host_order, guest_order) if o is not None}.values():
            _touch(session, order)
            session.add(order)
    if host.current_order_id is not None or any(
        seat.status == SeatStatus.OCCUPIED for seat in [*host_seats, *guest_seats]
    ):
        host.status = TableStatus.OCCUPIED
    guest.merged_into = host.id
    guest.status = TableStatus.OCCUPIED
    guest.current_order_id = None
    for table in (host, guest):
        _touch(session, table)
        session.add(table)
    await session.flush()
    return MergeResult(table=host, merged_table=guest, order=host_order or guest_order)


async def _move_lines_to_host(
    session: AsyncSession,
    *,
    source: Order,
    target: Order,
    origin: DiningTable,
    seat_offset: int,
) -> None:
    if target.id != source.id:
        # Origins left over from an earlier merge mean nothing at this one.
        await session.exec(
            update(OrderLine)
            .where(col(OrderLine.order_id) == target.id)
            .values(origin_table_id=None)
        )
    next_position = 0
    if target.id != source.id:
        existing = await _lines(session, target.id)  # type: ignore[arg-type]
        next_position = max((line.position for line in existing), default=-1) + 1
    for position, line in enumerate(await _lines(session, source.id), start=next_position):  # type: ignore[arg-type]
        line.order_id = target.id  # type: ignore[assignment]
        line.position = position
        line.origin_table_id = origin.id
        if line.seat_number is not None:
            line.seat_number += seat_offset
        session.add(line)


@dataclass(frozen=True, slots=True)
class UnmergeResult:
    table: DiningTable
    restored_table: DiningTable
    restored_order: Order | None


async def unmerge_table(
    session: AsyncSession, *, actor: User | None, table_id: int
) -> UnmergeResult:
    """Undo a merge; `table_id` may name either table of the pair.

    The second table gets back its seats (numbers, guests) and capacity. While the merged
    order is still open, the lines that came from the second table go back to it, onto
    the second table's order reopened (or onto a new order if that one is gone).
    """
    require_role(actor, FLOOR_STAFF)
    peeked = await _peek_table(session, table_id)
    if peeked is None:
        raise TableNotFound()
    guest_peek = peeked
    if peeked.merged_into is None:
        guest_peek = await _hosted_table(session, table_id)
    if guest_peek is None or guest_peek.merged_into is None:
        raise TableNotMerged()
    host_id, guest_id = guest_peek.merged_into, guest_peek.id
    host_peek = await _peek_table(session, host_id)
    host_order_id = host_peek.current_order_id if host_peek else None
    merged_order_id = await _merged_order_of(session, guest_id, host_order_id)
    orders = await _lock_orders(session, (host_order_id, merged_order_id))
    locked = {i: await lock_table(session, i) for i in sorted((host_id, guest_id))}  # type: ignore[arg-type]
    host, guest = locked[host_id], locked[guest_id]  # type: ignore[index]
    if guest.merged_into != host.id:
        raise TableNotMerged()
    if host.current_order_id != host_order_id:
        raise TableChanged()

    moved_seats = [s for s in await _seats(session, host.id) if s.home_table_id == guest.id]  # type: ignore[arg-type]
    # Merge shifted the second table's seat numbers (and its lines') by one offset.
    offset = next(
        (s.seat_number - s.home_seat_number for s in moved_seats if s.home_seat_number), 0
    )
    await session.exec(
        update(Seat)
        .where(col(Seat.table_id) == host.id, col(Seat.home_table_id) == guest.id)
        .values(
            table_id=guest.id,
            seat_number=Seat.home_seat_number,  # type: ignore[arg-type]
            home_table_id=None,
            home_seat_number=None,
        )
    )
    host.capacity = max(MIN_CAPACITY, host.capacity - guest.capacity)
    guest.merged_into = None
    guest.current_order_id = None

    restored_order = None
    host_order = orders.get(host_order_id) if host_order_id else None
    if host_order is not None and host_order.status == OrderStatus.OPEN:
        restored_order = await _restore_lines(
            session,
            host=host,
            guest=guest,
            host_order=host_order,
            merged_order=orders.get(merged_order_id) if merged_order_id else None,
            seat_offset=offset,
            actor=actor,
        )
    if restored_order is not None:
        guest.current_order_id = restored_order.id
    # Occupied for now; settled to available below when nobody sits there.
    guest.status = TableStatus.OCCUPIED
    await session.flush()
    for table in (host, guest):
        await _settle_status(session, table)
        _touch(session, table)
        session.add(table)
    await session.flush()
    return UnmergeResult(table=host, restored_table=guest, restored_order=restored_order)


async def _merged_order_of(
    session: AsyncSession, guest_id: int, host_order_id: int | None
) -> int | None:
    if host_order_id is None:
        return None
    result = await session.exec(
        select(Order.id)
        .where(
            Order.table_id == guest_id,
            Order.status == OrderStatus.CANCELLED,
            Order.cancel_reason == MERGED_REASON.format(order_id=host_order_id),
        )
        .order_by(col(Order.id).desc())
    )
    return result.first()


async def _restore_lines(
    session: AsyncSession,
    *,
    host: DiningTable,
    guest: DiningTable,
    host_order: Order,
    merged_order: Order | None,
    seat_offset: int,
    actor: User | None,
) -> Order | None:
    lines = await _lines(session, host_order.id)  # type: ignore[arg-type]
    returning = [line for line in lines if line.origin_table_id == guest.id]
    if not returning:
        return None
    staying = [line for line in lines if line.origin_table_id != guest.id]
    if not staying and merged_order is None:
        # The order came from the second table alone: it goes back there whole.
        target = host_order
        host.current_order_id = None
        target.table_id = guest.id
    elif merged_order is not None:
        target = merged_order
        target.status = OrderStatus.OPEN
        target.cancel_reason = None
        target.closed_at = None
        host_order.customer_count = max(1, host_order.customer_count - target.customer_count)
    else:
        target = Order(table_id=guest.id, created_by_id=actor.id if actor else None)
        session.add(target)
        await session.flush()
    for position, line in enumerate(staying):
        line.position = position
        session.add(line)
    for position, line in enumerate(returning):
        line.order_id = target.id  # type: ignore[assignment]
        line.position = position
        line.origin_table_id = None
        if line.seat_number is not None:
            line.seat_number -= seat_offset
        session.add(line)
    for order in {id(o): o for o in (host_order, target)}.values():
        _touch(session, order)
        session.add(order)
    return target


# --- splitting the bill ---------------------------------------------------------------------


class SplitMode(StrEnum):
    ITEMS = "items"
    SEATS = "seats"
    EVEN = "even"


@dataclass(frozen=True, slots=True)
class SplitRequest:
    """How to split: ITEMS with `groups` of line indexes; SEATS by the lines' seat numbers,
    or with `groups` of line indexes for the seats in `seat_numbers`; EVEN in `ways`."""

    mode: SplitMode
    groups: tuple[tuple[int, ...], ...] = ()
    seat_numbers: tuple[int, ...] = ()
    ways: int | None = None


@dataclass(frozen=True, slots=True)
class SplitShare:
    """One part of a split bill: its lines (indexes into the order) and its exact total.
    An even share covers no particular line, only an amount."""

    label: str
    line_indexes: tuple[int, ...]
    total_cents: int
    seat_number: int | None = None


def _check_groups(groups: Sequence[Sequence[int]], line_count: int) -> None:
    if not groups:
        raise InvalidSplit("A split needs at least one part")
    seen: set[int] = set()
    for group in groups:
        if not group:
            raise InvalidSplit("Every split needs at least one item")
        for index in group:
            if not 0 <= index < line_count:
                raise InvalidSplit(f"Item index {index} is out of range (0-{line_count - 1})")
            if index in seen:
                raise InvalidSplit(f"Item index {index} is in more than one split")
            seen.add(index)
    missing = sorted(set(range(line_count)) - seen)
    if missing:
        listed = ", ".join(str(i) for i in missing)
        raise InvalidSplit(f"Every item must be in a split; missing indexes: {listed}")


def check_split_size(request: SplitRequest) -> None:
    """The same bounds for REST and GraphQL, before any index is looked at."""
    if len(request.groups) > limits.MAX_SPLIT_PARTS:
        raise InvalidSplit(f"A split has at most {limits.MAX_SPLIT_PARTS} parts")
    if sum(len(group) for group in request.groups) > limits.MAX_SPLIT_INDEXES:
        raise InvalidSplit(f"A split lists at most {limits.MAX_SPLIT_INDEXES} item indexes")
    if len(request.seat_numbers) > limits.MAX_SPLIT_PARTS:
        raise InvalidSplit(f"A split has at most {limits.MAX_SPLIT_PARTS} seats")


def plan_split(lines: Sequence[OrderLine], request: SplitRequest) -> list[SplitShare]:
    """The shares of a split (pure: the preview and the split itself both use it).

    Item and seat splits cover every line exactly once; even shares add up exactly to the
    total, the leftover cents going to the first shares (largest remainder).
    """
    check_split_size(request)
    totals = [line_total_cents(line) for line in lines]
    if request.mode == SplitMode.EVEN:
        ways = request.ways
        if ways is None or not 1 <= ways <= MAX_SPLIT_WAYS:
            raise InvalidSplit(f"ways must be between 1 and {MAX_SPLIT_WAYS}")
        return [
            SplitShare(label=f"Share {i} of {ways}", line_indexes=(), total_cents=cents)
            for i, cents in enumerate(split_evenly(sum(totals), ways), start=1)
        ]
    if request.mode == SplitMode.SEATS and not request.groups:
        return _plan_by_line_seats(lines, totals)
    _check_groups(request.groups, len(lines))
    if request.mode == SplitMode.SEATS:
        if len(request.seat_numbers) != len(request.groups):
            raise InvalidSplit("Every seat assignment needs a seat number")
        if len(set(request.seat_numbers)) != len(request.seat_numbers):
            raise InvalidSplit("A seat is assigned more than once")
        if any(not 1 <= number <= limits.MAX_SEAT for number in request.seat_numbers):
            # The bound order lines use: a split never stores a seat the order refuses.
            raise InvalidSplit(f"Seat numbers must be between 1 and {limits.MAX_SEAT}")
        return [
            SplitShare(
                label=f"Seat {seat}",
                line_indexes=tuple(group),
                total_cents=sum(totals[i] for i in group),
                seat_number=seat,
            )
            for seat, group in zip(request.seat_numbers, request.groups, strict=True)
        ]
    return [
        SplitShare(
            label=f"Split {number}",
            line_indexes=tuple(group),
            total_cents=sum(totals[i] for i in group),
        )
        for number, group in enumerate(request.groups, start=1)
    ]


def _plan_by_line_seats(lines: Sequence[OrderLine], totals: Sequence[int]) -> list[SplitShare]:
    by_seat: dict[int, list[int]] = defaultdict(list)
    unseated: list[int] = []
    for index, line in enumerate(lines):
        (by_seat[line.seat_number] if line.seat_number is not None else unseated).append(index)
    if not by_seat:
        raise InvalidSplit("No item has a seat_number to split by")
    shares = [
        SplitShare(
            label=f"Seat {seat}",
            line_indexes=tuple(indexes),
            total_cents=sum(totals[i] for i in indexes),
            seat_number=seat,
        )
        for seat, indexes in sorted(by_seat.items())
    ]
    if unseated:
        shares.append(
            SplitShare(
                label="Shared",
                line_indexes=tuple(unseated),
                total_cents=sum(totals[i] for i in unseated),
            )
        )
    return shares


async def _table_order(session: AsyncSession, table_id: int) -> tuple[DiningTable, Order]:
    """Lock the order a table holds, then the table (orders before tables)."""
    peeked = await _peek_table(session, table_id)
    if peeked is None:
        raise TableNotFound()
    if peeked.current_order_id is None:
        raise NoOrderToSplit()
    order = await _lock_order(session, peeked.current_order_id)
    table = await lock_table(session, table_id)
    if table.current_order_id is None:
        raise NoOrderToSplit()
    if order is None or table.current_order_id != order.id:
        raise TableChanged()
    if order.status != OrderStatus.OPEN:
        raise OrderNotOpen()
    return table, order


async def preview_split(
    session: AsyncSession, *, actor: User | None, table_id: int, request: SplitRequest
) -> tuple[Order, list[SplitShare]]:
    """The shares a split would produce, changing nothing."""
    require_role(actor, FLOOR_STAFF)
    table = await _peek_table(session, table_id)
    if table is None:
        raise TableNotFound()
    order = await session.get(Order, table.current_order_id) if table.current_order_id else None
    if order is None or order.status != OrderStatus.OPEN:
        raise NoOrderToSplit()
    return order, plan_split(await _lines(session, order.id), request)  # type: ignore[arg-type]


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
    lines = await _lines(session, original.id)  # type: ignore[arg-type]
    if not lines:
        raise NoOrderToSplit()
    shares = plan_split(lines, request)
    now = utcnow()
    split_orders = [
        Order(table_id=table.id, created_by_id=user.id, split_from_id=original.id) for _ in shares
    ]
    session.add_all(split_orders)
    await session.flush()
    for order, share in zip(split_orders, shares, strict=True):
        session.add_all(_share_lines(order, share, lines))
    original.status = OrderStatus.SPLIT
    original.closed_at = now
    _touch(session, original)
    session.add(original)
    # The split orders share the table; it is freed when the last of them closes.
    table.current_order_id = None
    _touch(session, table)
    session.add(table)
    await session.flush()
    for order in split_orders:
        orders_service.order_changed(session, order)
    return split_orders


def _share_lines(order: Order, share: SplitShare, lines: Sequence[OrderLine]) -> list[OrderLine]:
    if not share.line_indexes:
        return [
            OrderLine(
                order_id=order.id,  # type: ignore[arg-type]
                position=0,
                name=share.label,
                category="Split",
                unit_price_cents=share.total_cents,
                quantity=1,
            )
        ]
    copies = []
    for position, index in enumerate(share.line_indexes):
        line = lines[index]
        seat = share.seat_number if share.seat_number is not None else line.seat_number
        copies.append(
            OrderLine(
                order_id=order.id,  # type: ignore[arg-type]
                position=position,
                menu_item_id=line.menu_item_id,
                name=line.name,
                category=line.category,
                unit_price_cents=line.unit_price_cents,
                quantity=line.quantity,
                modifiers=list(line.modifiers),
                seat_number=seat,
                note=line.note,
            )
        )
    return copies


__all__ = [
    "DomainError",
    "MergeResult",
    "SplitMode",
    "SplitRequest",
    "SplitShare",
    "TableMerged",
    "TableNotFound",
    "TableOccupied",
    "UnmergeResult",
    "assign_seat",
    "assign_table",
    "available_tables",
    "create_table",
    "delete_table",
    "free_table",
    "get_table",
    "list_tables",
    "lock_table",
    "merge_tables",
    "move_order_to_table",
    "occupied_tables",
    "occupy_table_for_order",
    "plan_split",
    "preview_split",
    "release_seat",
    "release_table",
    "release_table_of_order",
    "seats_by_table",
    "split_bill",
    "transfer_order",
    "unmerge_table",
    "update_table",
]
