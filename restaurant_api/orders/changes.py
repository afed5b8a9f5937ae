"""Changing an open order: its lines, table, guests and requests."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api import events
from restaurant_api.db import is_valid_id, utcnow
from restaurant_api.errors import InvalidInput
from restaurant_api.kitchen import service as kitchen_service
from restaurant_api.menu import service as menu_service
from restaurant_api.orders.drafts import MAX_LINES, LineChange, LineDraft, OrderChanges, Unset
from restaurant_api.orders.errors import OrderLineNotFound
from restaurant_api.orders.models import Order, OrderLine
from restaurant_api.orders.reads import lines_for_orders, lock_open_order
from restaurant_api.orders.validation import (
    check_customers,
    check_order_total,
    check_quantity,
    check_seat,
    check_total,
    clean_modifiers,
    optional_text,
    resolve_lines,
)
from restaurant_api.tables import service as tables_service
from restaurant_api.users.models import User
from restaurant_api.users.permissions import FLOOR_STAFF, require_role


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
        cents = menu_service.price_cents(draft.price)
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
        check_quantity(change.quantity)
        line.quantity = change.quantity
    if change.modifiers is not None:
        line.modifiers = clean_modifiers(change.modifiers)
    if change.seat_number is not None:
        check_seat(change.seat_number)
        line.seat_number = change.seat_number
    if change.note is not None:
        line.note = optional_text(change.note, "note", 500)


async def update_order(
    session: AsyncSession, *, actor: User | None, order_id: int, changes: OrderChanges
) -> Order:
    """Change an open order. New lines fire as a new ticket; removed or changed lines are
    voided on the tickets that carried them. A stale `version` is a VERSION_CONFLICT."""
    user = require_role(actor, FLOOR_STAFF)
    order = await lock_open_order(session, order_id, changes.version)
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
        resolved = await resolve_lines(session, [draft for _, draft in new_drafts])
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

    added = await resolve_lines(session, changes.add_lines, "add_lines")
    final.extend(added)
    to_fire.extend(added)

    if not final:
        raise InvalidInput("An order needs at least one item", field="order")
    if len(final) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} items per order", field="order")
    check_total(check_order_total(final), changes.total)
    if changes.customer_count is not None:
        check_customers(changes.customer_count)
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
    events.order_changed(session, order)
    return order
