"""Placing an order: its lines, kitchen tickets and table in one go; idempotent retries."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id, utcnow
from restaurant_api.db_rows import Read, prefetch_rows, writes_raw
from restaurant_api.errors import InvalidInput
from restaurant_api.inputs import check_text
from restaurant_api.kitchen import service as kitchen_service
from restaurant_api.limits import MAX_LINES, MAX_OPTIONS_PER_LINE
from restaurant_api.menu import service as menu_service
from restaurant_api.money import MoneyError, to_cents
from restaurant_api.orders.drafts import OrderDraft
from restaurant_api.orders.errors import IdempotencyInProgress, IdempotencyMismatch
from restaurant_api.orders.events import order_changed
from restaurant_api.orders.models import IdempotencyRecord, Order, OrderLine
from restaurant_api.orders.new_rows import insert_order_and_lines
from restaurant_api.orders.service_charges import sync_automatic_charges
from restaurant_api.orders.taxes import check_dining_option, snapshot_tax_rates
from restaurant_api.orders.validation import (
    check_customers,
    check_order_total,
    check_total,
    optional_text,
    resolve_lines_and_items,
)
from restaurant_api.pricing import service as pricing
from restaurant_api.tables import service as tables_service
from restaurant_api.users.service import FLOOR_STAFF, User, require_role


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
        if source.option_ids is None:
            del line["option_ids"]  # keys stored before options existed keep matching
        if source.course is None:
            del line["course"]  # ... and before courses existed
    # How the courses are dispatched is not what the request orders: REST (fire all by
    # default) and GraphQL (first course) retries of one order must match.
    del canonical["fire_all"]
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
    bind = session.get_bind()
    insert = postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert
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


def _reference_reads(draft: OrderDraft) -> list[Read]:
    """What placing `draft` reads besides what it writes: its menu items (with their
    modifier groups), their tax rates, the automatic service charges, the stations with
    their routing rules. None needs another's answer: one round trip for the four."""
    lines = draft.lines
    if len(lines) > MAX_LINES or any(
        len(line.option_ids or ()) > MAX_OPTIONS_PER_LINE for line in lines
    ):
        return []  # refused before any read by the checks that follow
    item_ids = [
        line.menu_item_id
        for line in lines
        if line.menu_item_id is not None and is_valid_id(line.menu_item_id)
    ]
    reads = [
        pricing.tax_rates_read(item_ids),
        pricing.automatic_rules_read(),
        kitchen_service.stations_read(item_ids),
    ]
    # Open items only: no menu item to read (`items_with_groups` reads none either).
    return [menu_service.items_read(item_ids), *reads] if item_ids else reads


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """A placed order with what its answer needs without reading it back."""

    order: Order
    # In position order; None when an idempotent retry answered with an earlier order.
    lines: list[OrderLine] | None
    # Automatic service charges were added (placing adds no discount): else the order has
    # no adjustments to read.
    adjusted: bool


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
    placed = await place_order_with_lines(
        session, actor=actor, draft=draft, idempotency_key=idempotency_key
    )
    return placed.order


async def place_order_with_lines(
    session: AsyncSession,
    *,
    actor: User | None,
    draft: OrderDraft,
    idempotency_key: str | None = None,
) -> PlacedOrder:
    """`place_order`, also returning the new order's lines and whether it has adjustments
    (presenters need not read them back)."""
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
            user_id=user.id,
            key=key,
            request_hash=_request_hash(draft),
        )
        if replay is not None:
            return PlacedOrder(replay, None, adjusted=True)
    if not draft.lines:
        raise InvalidInput("An order needs at least one item", field="order")
    check_customers(draft.customer_count)
    special_requests = optional_text(draft.special_requests, "special_requests", 1000)
    if draft.table_id is not None and not is_valid_id(draft.table_id):
        raise tables_service.TableNotFound()
    dining_option = check_dining_option(draft.dining_option, draft.table_id)
    await prefetch_rows(session, _reference_reads(draft))
    lines, menu = await resolve_lines_and_items(session, draft.lines)
    check_total(check_order_total(lines), draft.total)
    await snapshot_tax_rates(session, lines)

    now = utcnow()
    order = Order(
        customer_count=draft.customer_count,
        dining_option=dining_option,
        special_requests=special_requests,
        created_by_id=user.id,
        created_at=now,
        updated_at=now,
    )
    if writes_raw(session):
        await insert_order_and_lines(session, order, lines)
    else:
        session.add(order)
        await session.flush()
        for position, line in enumerate(lines):
            line.order_id = order.id
            line.position = position
            session.add(line)
        await session.flush()
    adjusted = await sync_automatic_charges(session, order, user.id, new_order=True)
    if draft.table_id is not None:
        await tables_service.occupy_table_for_order(session, table_id=draft.table_id, order=order)
    await kitchen_service.fire_lines(
        session,
        order_id=order.id,
        lines=lines,
        actor_id=user.id,
        new_order=True,
        fire_all=draft.fire_all,
        prep_by_item={item_id: item.prep_minutes for item_id, item in menu.items()},
    )
    if record_id is not None:
        await session.exec(
            update(IdempotencyRecord)
            .where(col(IdempotencyRecord.id) == record_id)
            .values(order_id=order.id)
        )
    order_changed(session, order)
    return PlacedOrder(order, lines, adjusted)
