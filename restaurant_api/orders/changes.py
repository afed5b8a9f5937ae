"""Changing an open order: its lines, table, guests and requests.

REST resends the whole item list (`replace_order_items`); GraphQL adds, removes and changes
single lines (`change_order_lines`). Both share one core: lock the order, work out the new
lines, check them, apply the order's own fields, void removed and changed lines on the
tickets that carried them, fire new and changed lines as a new ticket, publish.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id, utcnow
from restaurant_api.errors import InvalidInput
from restaurant_api.inputs import Unset, price_cents
from restaurant_api.kitchen import service as kitchen_service
from restaurant_api.menu import service as menu_service
from restaurant_api.orders.audit import audit_voids, lines_as_they_are
from restaurant_api.orders.drafts import MAX_LINES, LineChange, LineDraft, OrderChanges
from restaurant_api.orders.errors import OrderLineNotFound
from restaurant_api.orders.events import order_changed
from restaurant_api.orders.models import Order, OrderLine
from restaurant_api.orders.paid import refuse_below_paid
from restaurant_api.orders.reads import lines_for_orders, lock_order_for_change
from restaurant_api.orders.service_charges import sync_automatic_charges
from restaurant_api.orders.splitting import check_carried_change, keep_carried
from restaurant_api.orders.taxes import check_dining_option, snapshot_tax_rates
from restaurant_api.orders.validation import (
    check_customers,
    check_order_total,
    check_quantity,
    check_seat,
    check_total,
    clean_modifiers,
    offered_options,
    optional_text,
    rechoose_options,
    resolve_lines,
)
from restaurant_api.tables import service as tables_service
from restaurant_api.users.service import FLOOR_STAFF, User, require_role


@dataclass
class _LineEdit:
    """An order's lines while a change is worked out."""

    current: list[OrderLine]  # as read under the order's lock
    final: list[OrderLine]  # after the change, in position order
    new: list[OrderLine] = field(default_factory=list)  # fire as a new ticket
    removed: list[OrderLine] = field(default_factory=list)  # void, then delete
    changed: list[OrderLine] = field(default_factory=list)  # void, then fire again


# One way of editing the lines: what it reads from the changes, and where errors point.
_LineStep = Callable[[AsyncSession, _LineEdit, OrderChanges], Awaitable[None]]


# --- REST: the whole item list --------------------------------------------------------------


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


def _same_options(line: OrderLine, draft: LineDraft) -> bool:
    """Options (and a course) omitted (a client that does not know them) keep the line's."""
    if draft.course is not None and draft.course != line.course:
        return False
    if draft.option_ids is None:
        return True
    chosen = sorted(int(option["option_id"]) for option in line.options or ())
    return chosen == sorted(draft.option_ids)


def _take_match(unmatched: list[OrderLine], draft: LineDraft) -> OrderLine | None:
    """The first unmatched line the draft resends unchanged, taken out of `unmatched`."""
    key = _draft_key(draft)
    match = next(
        (
            ln
            for ln in unmatched
            if key is not None and _line_key(ln) == key and _same_options(ln, draft)
        ),
        None,
    )
    if match is not None:
        unmatched.remove(match)
    return match


async def _replace_items(session: AsyncSession, edit: _LineEdit, changes: OrderChanges) -> None:
    """The sent list becomes the order's lines: lines resent unchanged stay (their tickets
    stand), the others are removed, and new ones are added in the places they were sent."""
    if changes.replace_lines is None:
        return
    drafts = changes.replace_lines
    unmatched = list(edit.final)
    kept = [_take_match(unmatched, draft) for draft in drafts]
    added = await resolve_lines(
        session, [draft for draft, line in zip(drafts, kept, strict=True) if line is None]
    )
    fresh = iter(added)
    edit.final = [line if line is not None else next(fresh) for line in kept]
    edit.new.extend(added)
    edit.removed.extend(unmatched)


# --- GraphQL: add, remove, change single lines ----------------------------------------------


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
    if change.course is not None:
        line.course = menu_service.check_course(change.course, "course")


async def _offered_for(
    session: AsyncSession, changes: Sequence[LineChange], by_id: dict[int, OrderLine]
) -> tuple[dict[int, Any], dict[int, Any]]:
    """The menu items (and their groups) of the lines whose options change; no read if none."""
    ids = [
        by_id[c.line_id].menu_item_id
        for c in changes
        if c.option_ids is not None and c.line_id in by_id
    ]
    wanted = [i for i in ids if i is not None]
    return await offered_options(session, wanted) if wanted else ({}, {})


async def _edit_lines(session: AsyncSession, edit: _LineEdit, changes: OrderChanges) -> None:
    """Remove, then change, then add lines; a line id must be one of the order's lines."""
    by_id = {line.id: line for line in edit.current}
    for index, line_id in enumerate(changes.remove_line_ids):
        line = by_id.get(line_id)
        if line is None or line not in edit.final:
            error = OrderLineNotFound(line_id)
            error.path = ("remove_line_ids", index)
            raise error
        edit.final.remove(line)
        edit.removed.append(line)

    menu, offered = await _offered_for(session, changes.change_lines, by_id)
    for index, change in enumerate(changes.change_lines):
        line = by_id.get(change.line_id)
        if line is None or line not in edit.final:
            raise OrderLineNotFound(change.line_id).inside("change_lines", index)
        before = (_line_key(line), line.options, line.course)
        try:
            check_carried_change(line, change.quantity)
            _apply_line_change(line, change)
            if change.option_ids is not None:
                rechoose_options(line, menu, offered, change.option_ids)
        except InvalidInput as error:
            raise error.inside("change_lines", index) from None
        if (_line_key(line), line.options, line.course) != before and line not in edit.changed:
            edit.changed.append(line)

    added = await resolve_lines(session, changes.add_lines, "add_lines")
    edit.final.extend(added)
    edit.new.extend(added)


# --- the shared core ------------------------------------------------------------------------


def _check_lines(lines: Sequence[OrderLine], total: Decimal | int | str | None) -> None:
    if not lines:
        raise InvalidInput("An order needs at least one item", field="order")
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} items per order", field="order")
    check_total(check_order_total(lines), total)


async def _apply_order_fields(session: AsyncSession, order: Order, changes: OrderChanges) -> None:
    """Guests, requests and table; UNSET leaves a field as it is."""
    if changes.customer_count is not None:
        check_customers(changes.customer_count)
        order.customer_count = changes.customer_count
    if not isinstance(changes.special_requests, Unset):
        order.special_requests = optional_text(changes.special_requests, "special_requests", 1000)
    table_id = order.table_id if isinstance(changes.table_id, Unset) else changes.table_id
    # Checked before the table moves: only dine-in may have one.
    order.dining_option = check_dining_option(
        changes.dining_option or order.dining_option, table_id
    )
    if not isinstance(changes.table_id, Unset) and changes.table_id != order.table_id:
        if changes.table_id is not None and not is_valid_id(changes.table_id):
            raise tables_service.TableNotFound()
        await tables_service.move_order_to_table(session, order=order, table_id=changes.table_id)


async def _save_lines(
    session: AsyncSession,
    order: Order,
    edit: _LineEdit,
    *,
    reason: str | None,
    actor_id: int | None,
) -> None:
    """Void what left or changed, write the lines in their new order, fire the rest."""
    await kitchen_service.void_lines(
        session,
        order_line_ids=[line.id for line in edit.removed if line.id is not None],
        reason=reason or "Removed from order",
    )
    await kitchen_service.void_lines(
        session,
        order_line_ids=[line.id for line in edit.changed if line.id is not None],
        reason=reason or "Changed",
    )
    for line in edit.removed:
        await session.delete(line)
    for position, line in enumerate(edit.final):
        line.order_id = order.id
        line.position = position
        session.add(line)
    order.version += 1
    order.updated_at = utcnow()
    session.add(order)
    await session.flush()
    await kitchen_service.fire_lines(
        session,
        order_id=order.id,
        lines=[*edit.new, *edit.changed],
        actor_id=actor_id,
    )


async def _change_order(
    session: AsyncSession,
    *,
    actor: User | None,
    order_id: int,
    changes: OrderChanges,
    steps: Sequence[_LineStep],
) -> Order:
    user = require_role(actor, FLOOR_STAFF)
    order = await lock_order_for_change(session, order_id, changes.version)
    current = (await lines_for_orders(session, [order.id]))[order.id]
    lines_before = lines_as_they_are(current)
    edit = _LineEdit(current=current, final=list(current))
    for step in steps:
        await step(session, edit, changes)
    _check_lines(edit.final, changes.total)
    if edit.new:
        await snapshot_tax_rates(session, edit.new)
    party = (order.customer_count, order.dining_option)
    keep_carried(order, edit.current, edit.final)
    await _apply_order_fields(session, order, changes)
    reason = optional_text(changes.void_reason, "void_reason", 500)
    await audit_voids(session, order, lines_before, edit.removed, actor_id=user.id, reason=reason)
    await _save_lines(session, order, edit, reason=reason, actor_id=user.id)
    if (order.customer_count, order.dining_option) != party:
        await sync_automatic_charges(session, order, user.id)
    await refuse_below_paid(session, order)
    order_changed(session, order)
    return order


async def replace_order_items(
    session: AsyncSession, *, actor: User | None, order_id: int, changes: OrderChanges
) -> Order:
    """REST's change of an open order: `changes.replace_lines`, when sent, is its whole new
    item list (lines resent unchanged keep their tickets); the single-line fields are not
    read. A stale `version` is a VERSION_CONFLICT."""
    return await _change_order(
        session, actor=actor, order_id=order_id, changes=changes, steps=(_replace_items,)
    )


async def change_order_lines(
    session: AsyncSession, *, actor: User | None, order_id: int, changes: OrderChanges
) -> Order:
    """GraphQL's change of an open order: removes, changes and adds single lines
    (`replace_lines` is not read). New lines fire as a new ticket; removed or changed lines
    are voided on the tickets that carried them. A stale `version` is a VERSION_CONFLICT."""
    return await _change_order(
        session, actor=actor, order_id=order_id, changes=changes, steps=(_edit_lines,)
    )
