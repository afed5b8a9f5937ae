"""Order use cases: place, update, close, cancel, delete; idempotent placement.

Totals are always derived from the lines (`pricing`); a client's total is only checked.
Every line is fired to the kitchen when it is created (`kitchen_service.fire_lines`), and
voided on its ticket when it is removed or changed.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Row, false, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api import limits
from restaurant_api.db import is_valid_id, utcnow
from restaurant_api.errors import Conflict, ErrorCode, InvalidInput, NotFound
from restaurant_api.inputs import UNSET, Unset, check_text, clean_text, optional_text, price_cents
from restaurant_api.kitchen import service as kitchen_service
from restaurant_api.menu import service as menu_service
from restaurant_api.money import MAX_CENTS, MoneyError, format_cents, to_cents
from restaurant_api.orders.errors import OrderNotFound, OrderNotOpen
from restaurant_api.orders.events import order_changed as order_changed

# The orders' side of the tables domain's use cases, public here: locking and reading the
# orders a table holds, merging their lines, splitting a bill.
from restaurant_api.orders.merging import absorb_order as absorb_order
from restaurant_api.orders.merging import give_back_lines as give_back_lines
from restaurant_api.orders.merging import merged_order_id as merged_order_id
from restaurant_api.orders.models import IdempotencyRecord, Order, OrderLine, OrderStatus
from restaurant_api.orders.pricing import line_total_cents, order_total_cents
from restaurant_api.orders.rows import clear_line_origins as clear_line_origins
from restaurant_api.orders.rows import lock_open_order as lock_open_order
from restaurant_api.orders.rows import lock_order as lock_order
from restaurant_api.orders.rows import lock_orders as lock_orders
from restaurant_api.orders.rows import open_order_ids_on as open_order_ids_on
from restaurant_api.orders.rows import order_lines as order_lines
from restaurant_api.orders.rows import require_open as require_open
from restaurant_api.orders.rows import take_off_table as take_off_table
from restaurant_api.orders.rows import touch_and_publish_order as touch_and_publish_order
from restaurant_api.orders.splitting import InvalidSplit as InvalidSplit
from restaurant_api.orders.splitting import SplitMode as SplitMode
from restaurant_api.orders.splitting import SplitRequest as SplitRequest
from restaurant_api.orders.splitting import SplitShare as SplitShare
from restaurant_api.orders.splitting import plan_split as plan_split
from restaurant_api.orders.splitting import preview_order_split as preview_order_split
from restaurant_api.orders.splitting import split_order as split_order
from restaurant_api.tables import service as tables_service
from restaurant_api.users.service import ALL_STAFF, FLOOR_STAFF, MANAGERS, User, require_role

if TYPE_CHECKING:
    from restaurant_api.menu.service import MenuItem

MAX_QUANTITY = limits.MAX_QUANTITY
MAX_LINES = limits.MAX_LINES
MAX_MODIFIERS = limits.MAX_MODIFIERS
MAX_CUSTOMERS = limits.MAX_CUSTOMERS
MAX_SEAT = limits.MAX_SEAT


class OrderLineNotFound(NotFound):
    def __init__(self, line_id: int) -> None:
        super().__init__(f"Order line {line_id} not found on this order", field="line_id")


class VersionConflict(Conflict):
    code = ErrorCode.VERSION_CONFLICT

    def __init__(self, current: int) -> None:
        super().__init__(
            f"Order was changed by someone else (now version {current}); reload and retry",
            field="version",
        )


class IdempotencyMismatch(InvalidInput):
    code = ErrorCode.IDEMPOTENCY_MISMATCH

    def __init__(self) -> None:
        super().__init__(
            "Idempotency key was already used with a different request", field="idempotency_key"
        )


class IdempotencyInProgress(Conflict):
    def __init__(self) -> None:
        super().__init__("A request with this idempotency key is still in progress; retry")


@dataclass(frozen=True)
class LineDraft:
    """A line as a client sends it: a menu item by id, or an open item by name and price."""

    menu_item_id: int | None = None
    name: str | None = None
    price: Decimal | int | str | None = None
    category: str | None = None
    quantity: int = 1
    modifiers: tuple[str, ...] = ()
    seat_number: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class OrderDraft:
    lines: tuple[LineDraft, ...]
    table_id: int | None = None
    customer_count: int = 1
    special_requests: str | None = None
    total: Decimal | int | str | None = None


@dataclass(frozen=True)
class LineChange:
    """Changes to one line; None leaves a field as it is."""

    line_id: int
    quantity: int | None = None
    modifiers: tuple[str, ...] | None = None
    seat_number: int | None = None
    note: str | None = None


@dataclass
class OrderChanges:
    """An update. `replace_lines` is the REST form (the whole new item list); GraphQL
    adds, removes and changes individual lines."""

    version: int | None = None
    replace_lines: tuple[LineDraft, ...] | None = None
    add_lines: tuple[LineDraft, ...] = ()
    remove_line_ids: tuple[int, ...] = ()
    change_lines: tuple[LineChange, ...] = ()
    table_id: int | Unset | None = UNSET
    customer_count: int | None = None
    special_requests: str | Unset | None = UNSET
    total: Decimal | int | str | None = None
    void_reason: str | None = None


# --- validation -----------------------------------------------------------------------------


def _check_id(value: int, name: str) -> None:
    if not is_valid_id(value):
        raise InvalidInput(f"{name} must be a positive id", field=name)


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(f"quantity must be between 1 and {MAX_QUANTITY}", field="quantity")


def _check_seat(seat_number: int | None) -> None:
    if seat_number is not None and not 1 <= seat_number <= MAX_SEAT:
        raise InvalidInput(f"seat_number must be between 1 and {MAX_SEAT}", field="seat_number")


def _modifiers(modifiers: Sequence[str]) -> list[str]:
    if len(modifiers) > MAX_MODIFIERS:
        raise InvalidInput(f"at most {MAX_MODIFIERS} modifiers per line", field="modifiers")
    cleaned = [check_text(str(m), "modifiers").strip() for m in modifiers]
    if any(not m or len(m) > 100 for m in cleaned):
        raise InvalidInput("a modifier must have 1 to 100 characters", field="modifiers")
    return cleaned


def _check_customers(count: int) -> None:
    if not 1 <= count <= MAX_CUSTOMERS:
        raise InvalidInput(
            f"customer_count must be between 1 and {MAX_CUSTOMERS}", field="customer_count"
        )


def _check_total(expected_cents: int, sent: Decimal | int | str | None) -> None:
    if sent is None:
        return
    try:
        sent_cents = price_cents(sent, "total")
    except InvalidInput:
        sent_cents = None
    if sent_cents != expected_cents:
        raise InvalidInput(
            f"Total does not match the items: expected {format_cents(expected_cents)}",
            field="total",
        )


async def _resolve_lines(
    session: AsyncSession, drafts: Sequence[LineDraft], where: str = "lines"
) -> list[OrderLine]:
    """New (unsaved) order lines: menu items priced from the menu, open items as sent.

    An invalid line's error names its place: `where`, its index, then the field.
    """
    if len(drafts) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} items per request", field="order")
    for index, draft in enumerate(drafts):
        if draft.menu_item_id is not None:
            try:
                _check_id(draft.menu_item_id, "menu_item_id")
            except InvalidInput as error:
                raise error.inside(where, index) from None
    menu_ids = [d.menu_item_id for d in drafts if d.menu_item_id is not None]
    menu = await menu_service.menu_items_by_id(session, menu_ids)
    lines = []
    for index, draft in enumerate(drafts):
        try:
            lines.append(_resolve_line(draft, menu))
        except InvalidInput as error:
            raise error.inside(where, index) from None
    return lines


def _resolve_line(draft: LineDraft, menu: Mapping[int, MenuItem]) -> OrderLine:
    _check_quantity(draft.quantity)
    _check_seat(draft.seat_number)
    modifiers = _modifiers(draft.modifiers)
    note = optional_text(draft.note, "note", 500)
    if draft.menu_item_id is not None:
        item = menu.get(draft.menu_item_id)
        if item is None:
            raise InvalidInput(f"Menu item {draft.menu_item_id} not found", field="menu_item_id")
        if not item.is_available:
            raise InvalidInput(f"Menu item '{item.name}' is not available", field="menu_item_id")
        name, category, cents = item.name, item.category, item.price_cents
    else:
        if draft.name is None or draft.price is None or draft.category is None:
            raise InvalidInput(
                "An item needs a menu_item_id, or a name, price and category", field="order"
            )
        name = clean_text(draft.name, "name", 120)
        category = clean_text(draft.category, "category", 60)
        cents = price_cents(draft.price)
    line = OrderLine(
        order_id=0,
        menu_item_id=draft.menu_item_id,
        name=name,
        category=category,
        unit_price_cents=cents,
        quantity=draft.quantity,
        modifiers=modifiers,
        seat_number=draft.seat_number,
        note=note,
    )
    if line_total_cents(line) > MAX_CENTS:
        raise InvalidInput("Line total is out of range", field="quantity")
    return line


def _check_order_total(lines: Sequence[OrderLine]) -> int:
    total = order_total_cents(lines)
    if total > MAX_CENTS:
        raise InvalidInput("Order total is out of range", field="order")
    return total


# --- reads ----------------------------------------------------------------------------------


async def lines_for_orders(
    session: AsyncSession, order_ids: Sequence[int]
) -> dict[int, list[OrderLine]]:
    """The lines of several orders in one query, each list in position order."""
    grouped: dict[int, list[OrderLine]] = defaultdict(list)
    ids = list(order_ids)
    if not ids:
        return grouped
    rows = await session.exec(
        select(OrderLine)
        .where(col(OrderLine.order_id).in_(ids))
        .order_by(col(OrderLine.order_id), col(OrderLine.position), col(OrderLine.id))
    )
    for line in rows.all():
        grouped[line.order_id].append(line)
    return grouped


async def order_lines_by_id(session: AsyncSession, line_ids: Sequence[int]) -> dict[int, OrderLine]:
    if not line_ids:
        return {}
    rows = await session.exec(select(OrderLine).where(col(OrderLine.id).in_(list(line_ids))))
    return {line.id: line for line in rows.all()}  # type: ignore[misc]


async def open_orders(session: AsyncSession) -> list[Order]:
    """Every open order, oldest first (live order screens)."""
    rows = await session.exec(
        select(Order)
        .where(Order.status == OrderStatus.OPEN)
        .order_by(col(Order.created_at), col(Order.id))
    )
    return list(rows.all())


async def orders_by_id(session: AsyncSession, order_ids: Sequence[int]) -> dict[int, Order]:
    wanted = [i for i in set(order_ids) if is_valid_id(i)]
    if not wanted:
        return {}
    rows = await session.exec(select(Order).where(col(Order.id).in_(wanted)))
    return {order.id: order for order in rows.all()}  # type: ignore[misc]


async def order_total(session: AsyncSession, order_id: int) -> int:
    return order_total_cents((await lines_for_orders(session, [order_id]))[order_id])


async def get_order(session: AsyncSession, *, actor: User | None, order_id: int) -> Order:
    require_role(actor, ALL_STAFF)
    order = await session.get(Order, order_id) if is_valid_id(order_id) else None
    if order is None:
        raise OrderNotFound()
    return order


def as_utc(value: datetime, field: str) -> datetime:
    """A filter time in UTC (naive means UTC), refused when UTC cannot represent it.

    9999-12-31T23:00-05:00 is past year 9999 in UTC: an error, not an overflow.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidInput(f"{field} is out of range (years 1 to 9999)", field=field) from None


def order_filters(
    *,
    status: OrderStatus | str | None = None,
    table_id: int | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    before: tuple[datetime, int] | None = None,
) -> list[ColumnElement[bool]]:
    """The WHERE clauses of `list_orders` (also the compiled GraphQL plans' page)."""
    clauses: list[ColumnElement[bool]] = []
    if status is not None:
        try:
            clauses.append(Order.status == OrderStatus(status))
        except ValueError:
            raise InvalidInput(f"Unknown order status {status!r}", field="status") from None
    if table_id is not None:
        clauses.append(Order.table_id == table_id if is_valid_id(table_id) else false())
    if created_from is not None:
        clauses.append(col(Order.created_at) >= as_utc(created_from, "created_from"))
    if created_to is not None:
        clauses.append(col(Order.created_at) < as_utc(created_to, "created_to"))
    if before is not None:
        at, order_id = as_utc(before[0], "after"), before[1]
        if not is_valid_id(order_id):
            raise InvalidInput("Invalid cursor", field="after")
        clauses.append(
            or_(
                col(Order.created_at) < at,
                (col(Order.created_at) == at) & (col(Order.id) < order_id),
            )
        )
    return clauses


def _orders_query(
    *,
    status: OrderStatus | str | None,
    table_id: int | None,
    created_from: datetime | None,
    created_to: datetime | None,
    limit: int,
    offset: int,
    before: tuple[datetime, int] | None,
    entities: Sequence[Any] = (),
) -> Any:
    clauses = order_filters(
        status=status,
        table_id=table_id,
        created_from=created_from,
        created_to=created_to,
        before=before,
    )
    if not 0 <= limit <= 1000 or offset < 0:
        raise InvalidInput("limit must be 0-1000 and offset not negative", field="limit")
    query = (select(*entities) if entities else select(Order)).where(*clauses)
    query = query.order_by(col(Order.created_at).desc(), col(Order.id).desc())
    return query.offset(offset).limit(limit)


async def list_orders(
    session: AsyncSession,
    *,
    actor: User | None,
    status: OrderStatus | str | None = None,
    table_id: int | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
    before: tuple[datetime, int] | None = None,
) -> list[Order]:
    """Orders newest first. `before` is a keyset cursor (created_at, id) for pagination."""
    require_role(actor, ALL_STAFF)
    query = _orders_query(
        status=status,
        table_id=table_id,
        created_from=created_from,
        created_to=created_to,
        limit=limit,
        offset=offset,
        before=before,
    )
    return list((await session.exec(query)).all())


def _columns(model: Any) -> list[Any]:
    return list(model.__table__.c)


async def list_order_rows(
    session: AsyncSession,
    *,
    actor: User | None,
    status: OrderStatus | str | None = None,
    table_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Row[Any]]:
    """`list_orders` as plain rows with every column of `orders` (no ORM instances)."""
    require_role(actor, ALL_STAFF)
    query = _orders_query(
        status=status,
        table_id=table_id,
        created_from=None,
        created_to=None,
        limit=limit,
        offset=offset,
        before=None,
        entities=_columns(Order),
    )
    return (await session.exec(query)).all()


async def get_order_row(session: AsyncSession, *, actor: User | None, order_id: int) -> Row[Any]:
    """`get_order` as a plain row."""
    require_role(actor, ALL_STAFF)
    row = None
    if is_valid_id(order_id):
        query = select(*_columns(Order)).where(col(Order.id) == order_id)
        row = (await session.exec(query)).first()
    if row is None:
        raise OrderNotFound()
    return row


async def line_rows_for_orders(
    session: AsyncSession, order_ids: Sequence[int]
) -> dict[int, list[Row[Any]]]:
    """`lines_for_orders` as plain rows with every column of `order_lines`."""
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    if not order_ids:
        return grouped
    rows = await session.exec(
        select(*_columns(OrderLine))
        .where(col(OrderLine.order_id).in_(list(order_ids)))
        .order_by(col(OrderLine.order_id), col(OrderLine.position), col(OrderLine.id))
    )
    for line in rows.all():
        grouped[line.order_id].append(line)
    return grouped


# --- writes ---------------------------------------------------------------------------------


def _money_key(amount: Decimal | int | str | None) -> object:
    # 2, "2.0" and 2.00 are the same price: compare cents, so REST and GraphQL agree.
    if amount is None:
        return None
    try:
        return to_cents(amount)
    except MoneyError:
        return str(amount)


def _request_hash(draft: OrderDraft) -> str:
    canonical = asdict(draft)
    canonical["total"] = _money_key(draft.total)
    for line, source in zip(canonical["lines"], draft.lines, strict=True):
        line["price"] = _money_key(source.price)
    encoded = json.dumps(canonical, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


async def _claim_idempotency_key(
    session: AsyncSession, *, user_id: int, key: str, request_hash: str
) -> tuple[int | None, Order | None]:
    """Insert the key's record first (the unique index decides who runs the request): its
    id, or the order of the request that claimed it before.

    On PostgreSQL a concurrent INSERT of the same key waits until the winner's transaction
    ends, so losers read the winner's committed record. SQLite runs writers one at a time.
    ON CONFLICT DO NOTHING needs no savepoint around a failing insert (two statements less).
    """
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    claimed = (
        await session.exec(
            insert(IdempotencyRecord)
            .values(user_id=user_id, key=key, request_hash=request_hash, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["user_id", "key"])
            .returning(col(IdempotencyRecord.id))
        )
    ).first()
    if claimed is not None:
        return claimed[0], None
    existing = (
        await session.exec(
            select(IdempotencyRecord)
            .where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).first()
    if existing is None or existing.order_id is None:
        raise IdempotencyInProgress()
    if existing.request_hash != request_hash:
        raise IdempotencyMismatch()
    order = await session.get(Order, existing.order_id)
    if order is None:
        raise IdempotencyInProgress()
    return None, order


async def place_order(
    session: AsyncSession,
    *,
    actor: User | None,
    draft: OrderDraft,
    idempotency_key: str | None = None,
) -> Order:
    """Create an order, its lines and its kitchen tickets; occupy its table.

    With an idempotency key, a retry returns the first order (same key, other request: 422).
    """
    order, _ = await place_order_with_lines(
        session, actor=actor, draft=draft, idempotency_key=idempotency_key
    )
    return order


async def place_order_with_lines(
    session: AsyncSession,
    *,
    actor: User | None,
    draft: OrderDraft,
    idempotency_key: str | None = None,
) -> tuple[Order, list[OrderLine] | None]:
    """`place_order`, also returning the new order's lines in position order (presenters
    need not read them back); None when an idempotent retry returned an earlier order."""
    user = require_role(actor, FLOOR_STAFF)
    record_id: int | None = None
    if idempotency_key is not None:
        key = check_text(idempotency_key, "idempotency_key").strip()
        if not 1 <= len(key) <= 255:
            raise InvalidInput(
                "Idempotency key must have 1 to 255 characters", field="idempotency_key"
            )
        record_id, replay = await _claim_idempotency_key(
            session,
            user_id=user.id,  # type: ignore[arg-type]
            key=key,
            request_hash=_request_hash(draft),
        )
        if replay is not None:
            return replay, None
    if not draft.lines:
        raise InvalidInput("An order needs at least one item", field="order")
    _check_customers(draft.customer_count)
    special_requests = optional_text(draft.special_requests, "special_requests", 1000)
    if draft.table_id is not None and not is_valid_id(draft.table_id):
        raise tables_service.TableNotFound()
    lines = await _resolve_lines(session, draft.lines)
    _check_total(_check_order_total(lines), draft.total)

    now = utcnow()
    order = Order(
        customer_count=draft.customer_count,
        special_requests=special_requests,
        created_by_id=user.id,
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    await session.flush()
    for position, line in enumerate(lines):
        line.order_id = order.id  # type: ignore[assignment]
        line.position = position
        session.add(line)
    await session.flush()
    if draft.table_id is not None:
        await tables_service.occupy_table_for_order(session, table_id=draft.table_id, order=order)
    await kitchen_service.fire_lines(
        session,
        order_id=order.id,  # type: ignore[arg-type]
        lines=lines,
        actor_id=user.id,
        new_order=True,
    )
    if record_id is not None:
        await session.exec(
            update(IdempotencyRecord)
            .where(col(IdempotencyRecord.id) == record_id)
            .values(order_id=order.id)
        )
    order_changed(session, order)
    return order, lines


async def _lock_order(session: AsyncSession, order_id: int) -> Order:
    if not is_valid_id(order_id):
        raise OrderNotFound()
    order = (
        await session.exec(
            select(Order)
            .where(Order.id == order_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).first()
    if order is None:
        raise OrderNotFound()
    return order


async def _lock_open_order(session: AsyncSession, order_id: int, version: int | None) -> Order:
    order = await _lock_order(session, order_id)
    if version is not None and version != order.version:
        raise VersionConflict(order.version)
    if order.status != OrderStatus.OPEN:
        raise OrderNotOpen(order.status)
    return order


def _draft_key(draft: LineDraft) -> tuple[object, ...] | None:
    """What identifies an already-placed line in a resent REST item list."""
    note = draft.note.strip() if draft.note else None
    modifiers = tuple(m.strip() for m in draft.modifiers)
    rest = (draft.quantity, modifiers, draft.seat_number, note or None)
    if draft.menu_item_id is not None:
        return ("menu", draft.menu_item_id, *rest)
    if draft.price is None or draft.name is None or draft.category is None:
        return None
    try:
        cents = price_cents(draft.price)
    except InvalidInput:
        return None
    return ("open", draft.name.strip(), cents, draft.category.strip(), *rest)


def _line_key(line: OrderLine) -> tuple[object, ...]:
    rest = (line.quantity, tuple(line.modifiers), line.seat_number, line.note or None)
    if line.menu_item_id is not None:
        return ("menu", line.menu_item_id, *rest)
    return ("open", line.name, line.unit_price_cents, line.category, *rest)


def _apply_line_change(line: OrderLine, change: LineChange) -> None:
    if change.quantity is not None:
        _check_quantity(change.quantity)
        line.quantity = change.quantity
    if change.modifiers is not None:
        line.modifiers = _modifiers(change.modifiers)
    if change.seat_number is not None:
        _check_seat(change.seat_number)
        line.seat_number = change.seat_number
    if change.note is not None:
        line.note = optional_text(change.note, "note", 500)


async def update_order(
    session: AsyncSession, *, actor: User | None, order_id: int, changes: OrderChanges
) -> Order:
    """Change an open order. New lines fire as a new ticket; removed or changed lines are
    voided on the tickets that carried them. A stale `version` is a VERSION_CONFLICT."""
    user = require_role(actor, FLOOR_STAFF)
    order = await _lock_open_order(session, order_id, changes.version)
    current = (await lines_for_orders(session, [order.id]))[order.id]  # type: ignore[index]
    by_id = {line.id: line for line in current}
    removed: list[OrderLine] = []
    to_fire: list[OrderLine] = []
    final: list[OrderLine] = list(current)

    if changes.replace_lines is not None:
        # Keep lines that are resent unchanged; everything else is removed or added.
        unmatched = list(current)
        final, new_drafts = [], []
        for draft in changes.replace_lines:
            key = _draft_key(draft)
            match = next((ln for ln in unmatched if key is not None and _line_key(ln) == key), None)
            if match is not None:
                unmatched.remove(match)
                final.append(match)
            else:
                final.append(OrderLine(order_id=order.id, name="", category="", unit_price_cents=0))  # type: ignore[arg-type]
                new_drafts.append((len(final) - 1, draft))
        resolved = await _resolve_lines(session, [draft for _, draft in new_drafts])
        for (index, _), line in zip(new_drafts, resolved, strict=True):
            final[index] = line
            to_fire.append(line)
        removed.extend(unmatched)

    for index, line_id in enumerate(changes.remove_line_ids):
        line = by_id.get(line_id)
        if line is None or line not in final:
            error = OrderLineNotFound(line_id)
            error.path = ("remove_line_ids", index)
            raise error
        final.remove(line)
        removed.append(line)

    changed: list[OrderLine] = []
    for index, change in enumerate(changes.change_lines):
        line = by_id.get(change.line_id)
        if line is None or line not in final:
            raise OrderLineNotFound(change.line_id).inside("change_lines", index)
        before = _line_key(line)
        try:
            _apply_line_change(line, change)
        except InvalidInput as error:
            raise error.inside("change_lines", index) from None
        if _line_key(line) != before and line not in changed:
            changed.append(line)

    added = await _resolve_lines(session, changes.add_lines, "add_lines")
    final.extend(added)
    to_fire.extend(added)

    if not final:
        raise InvalidInput("An order needs at least one item", field="order")
    if len(final) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} items per order", field="order")
    _check_total(_check_order_total(final), changes.total)
    if changes.customer_count is not None:
        _check_customers(changes.customer_count)
        order.customer_count = changes.customer_count
    if not isinstance(changes.special_requests, Unset):
        order.special_requests = optional_text(changes.special_requests, "special_requests", 1000)
    if not isinstance(changes.table_id, Unset) and changes.table_id != order.table_id:
        if changes.table_id is not None and not is_valid_id(changes.table_id):
            raise tables_service.TableNotFound()
        await tables_service.move_order_to_table(session, order=order, table_id=changes.table_id)

    reason = optional_text(changes.void_reason, "void_reason", 500)
    await kitchen_service.void_lines(
        session,
        order_line_ids=[line.id for line in removed if line.id is not None],  # type: ignore[misc]
        reason=reason or "Removed from order",
    )
    await kitchen_service.void_lines(
        session,
        order_line_ids=[line.id for line in changed if line.id is not None],  # type: ignore[misc]
        reason=reason or "Changed",
    )
    for line in removed:
        await session.delete(line)
    for position, line in enumerate(final):
        line.order_id = order.id  # type: ignore[assignment]
        line.position = position
        session.add(line)
    order.version += 1
    order.updated_at = utcnow()
    session.add(order)
    await session.flush()
    await kitchen_service.fire_lines(
        session,
        order_id=order.id,  # type: ignore[arg-type]
        lines=[*to_fire, *changed],
        actor_id=user.id,
    )
    order_changed(session, order)
    return order


async def close_order(
    session: AsyncSession,
    *,
    actor: User | None,
    order_id: int,
    payment_method: str,
    tip: Decimal | int | str | None = None,
    version: int | None = None,
) -> Order:
    """Settle an open order and free its table."""
    require_role(actor, FLOOR_STAFF)
    method = optional_text(payment_method, "payment_method", 40)
    if method is None:
        raise InvalidInput("payment_method is required", field="payment_method")
    tip_cents = price_cents(tip, "tip") if tip is not None else 0
    order = await _lock_open_order(session, order_id, version)
    order.status = OrderStatus.CLOSED
    order.payment_method = method
    order.tip_cents = tip_cents
    return await _finish(session, order)


async def cancel_order(
    session: AsyncSession,
    *,
    actor: User | None,
    order_id: int,
    reason: str,
    version: int | None = None,
) -> Order:
    """Cancel an open order (managers and admins): its tickets' lines are voided."""
    require_role(actor, MANAGERS)
    cleaned = optional_text(reason, "reason", 500)
    if cleaned is None:
        raise InvalidInput("A reason is required to cancel an order", field="reason")
    order = await _lock_open_order(session, order_id, version)
    order.status = OrderStatus.CANCELLED
    order.cancel_reason = cleaned
    await kitchen_service.void_order(
        session,
        order_id=order.id,  # type: ignore[arg-type]
        reason=f"Order cancelled: {cleaned}",
    )
    return await _finish(session, order)


async def _finish(session: AsyncSession, order: Order) -> Order:
    now = utcnow()
    order.closed_at = now
    order.updated_at = now
    order.version += 1
    session.add(order)
    await session.flush()
    await tables_service.release_table_of_order(session, order=order)
    order_changed(session, order)
    return order


async def delete_order(session: AsyncSession, *, actor: User | None, order_id: int) -> Order:
    """Delete an order (managers and admins): frees its table; lines, tickets go with it."""
    require_role(actor, MANAGERS)
    order = await _lock_order(session, order_id)
    await tables_service.release_table_of_order(session, order=order)
    # Its tickets are deleted with it: kitchen screens must drop them.
    tickets = await kitchen_service.tickets_for_orders(session, [order_id])
    for ticket in tickets.get(order_id, []):
        kitchen_service.ticket_changed(session, ticket)
    await session.delete(order)
    await session.flush()
    order_changed(session, order)
    return order
