"""Input checks of the orders domain, and drafts resolved into new (unsaved) order lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id, utcnow
from restaurant_api.errors import InvalidInput
from restaurant_api.inputs import check_text, clean_text, optional_text, price_cents
from restaurant_api.menu import service as menu_service
from restaurant_api.money import MAX_CENTS, format_cents
from restaurant_api.orders.drafts import (
    MAX_CUSTOMERS,
    MAX_LINES,
    MAX_MODIFIERS,
    MAX_OPTIONS_PER_LINE,
    MAX_QUANTITY,
    MAX_SEAT,
    LineDraft,
)
from restaurant_api.orders.models import OrderLine
from restaurant_api.orders.pricing import line_total_cents, order_total_cents

if TYPE_CHECKING:
    from restaurant_api.menu.service import MenuItem, OfferedGroup


def check_id(value: int, name: str) -> None:
    if not is_valid_id(value):
        raise InvalidInput(f"{name} must be a positive id", field=name)


def check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(f"quantity must be between 1 and {MAX_QUANTITY}", field="quantity")


def check_seat(seat_number: int | None) -> None:
    if seat_number is not None and not 1 <= seat_number <= MAX_SEAT:
        raise InvalidInput(f"seat_number must be between 1 and {MAX_SEAT}", field="seat_number")


def clean_modifiers(modifiers: Sequence[str]) -> list[str]:
    if len(modifiers) > MAX_MODIFIERS:
        raise InvalidInput(f"at most {MAX_MODIFIERS} modifiers per line", field="modifiers")
    cleaned = [check_text(str(m), "modifiers").strip() for m in modifiers]
    if any(not m or len(m) > 100 for m in cleaned):
        raise InvalidInput("a modifier must have 1 to 100 characters", field="modifiers")
    return cleaned


def check_customers(count: int) -> None:
    if not 1 <= count <= MAX_CUSTOMERS:
        raise InvalidInput(
            f"customer_count must be between 1 and {MAX_CUSTOMERS}", field="customer_count"
        )


def check_total(expected_cents: int, sent: Decimal | int | str | None) -> None:
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


async def resolve_lines(
    session: AsyncSession, drafts: Sequence[LineDraft], where: str = "lines"
) -> list[OrderLine]:
    """New (unsaved) order lines: menu items priced from the menu, open items as sent.

    An invalid line's error names its place: `where`, its index, then the field.
    """
    lines, _ = await resolve_lines_and_items(session, drafts, where)
    return lines


async def resolve_lines_and_items(
    session: AsyncSession, drafts: Sequence[LineDraft], where: str = "lines"
) -> tuple[list[OrderLine], dict[int, MenuItem]]:
    """`resolve_lines`, with the menu items read for them by id (what firing the lines
    needs of them then costs no read)."""
    if len(drafts) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} items per request", field="order")
    for index, draft in enumerate(drafts):
        if draft.menu_item_id is not None:
            try:
                check_id(draft.menu_item_id, "menu_item_id")
            except InvalidInput as error:
                raise error.inside(where, index) from None
        _check_option_count(draft.option_ids, where, index)
    menu_ids = [d.menu_item_id for d in drafts if d.menu_item_id is not None]
    # The items and the modifier groups they offer, read in this transaction (one statement
    # when no item offers a group).
    menu, offered = await menu_service.items_with_groups(session, menu_ids)
    lines = []
    for index, draft in enumerate(drafts):
        try:
            lines.append(_resolve_line(draft, menu, offered, index))
        except InvalidInput as error:
            raise error.inside(where, index) from None
    return lines, menu


def _check_option_count(option_ids: Sequence[int] | None, where: str, index: int) -> None:
    # Bounded before any read (the adapters bound it too).
    if option_ids is not None and len(option_ids) > MAX_OPTIONS_PER_LINE:
        raise InvalidInput(
            f"at most {MAX_OPTIONS_PER_LINE} options per line", field="options"
        ).inside(where, index)


def _resolve_line(
    draft: LineDraft,
    menu: Mapping[int, MenuItem],
    offered: Mapping[int, Sequence[OfferedGroup]],
    index: int = 0,
) -> OrderLine:
    check_quantity(draft.quantity)
    check_seat(draft.seat_number)
    modifiers = clean_modifiers(draft.modifiers)
    note = optional_text(draft.note, "note", 500)
    if draft.course is not None:
        menu_service.check_course(draft.course, "course")
    course = draft.course or 1
    options: list[dict[str, Any]] = []
    if draft.menu_item_id is not None:
        item = menu.get(draft.menu_item_id)
        if item is None:
            raise InvalidInput(f"Menu item {draft.menu_item_id} not found", field="menu_item_id")
        if not item.is_available:
            raise InvalidInput(f"Menu item '{item.name}' is not available", field="menu_item_id")
        # Errors name the item and its index in the list sent (REST shows only the message).
        label = f"{item.name} (line {index})"
        options = menu_service.choose_options(label, offered.get(item.id, ()), draft.option_ids)
        # Options are copied with their deltas; the unit price includes them.
        cents = item.price_cents + menu_service.options_delta_cents(options)
        if cents < 0:
            raise InvalidInput(f"{label}: the options make the price negative", field="options")
        name, category = item.name, item.category
        course = draft.course or item.default_course
    else:
        if draft.option_ids:
            raise InvalidInput("Only a menu item has options", field="options")
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
        options=options,
        # Set by snapshot_tax_rates. Given here, as `created_at`, so that pydantic runs no
        # default factory: it inspects a factory's signature per instance (`list`'s is
        # parsed from its text signature every time).
        tax_rates=[],
        created_at=utcnow(),
        seat_number=draft.seat_number,
        note=note,
        course=course,
    )
    if line_total_cents(line) > MAX_CENTS:
        raise InvalidInput("Line total is out of range", field="quantity")
    return line


async def offered_options(
    session: AsyncSession, menu_item_ids: Sequence[int]
) -> tuple[dict[int, MenuItem], dict[int, list[OfferedGroup]]]:
    """The items and the groups they offer, to choose a placed line's options again."""
    return await menu_service.items_with_groups(session, menu_item_ids)


def rechoose_options(
    line: OrderLine,
    menu: Mapping[int, MenuItem],
    offered: Mapping[int, Sequence[OfferedGroup]],
    option_ids: Sequence[int],
) -> None:
    """New options for a placed line, checked like new ones; its price is the price it was
    placed at (without the old options' deltas) plus the new deltas."""
    item = menu.get(line.menu_item_id) if line.menu_item_id is not None else None
    if item is None:
        raise InvalidInput("Only a line of an item on the menu has options", field="options")
    options = menu_service.choose_options(item.name, offered.get(item.id, ()), option_ids)
    base = line.unit_price_cents - menu_service.options_delta_cents(line.options or ())
    cents = base + menu_service.options_delta_cents(options)
    if cents < 0:
        raise InvalidInput(f"{item.name}: the options make the price negative", field="options")
    line.options, line.unit_price_cents = options, cents
    if line_total_cents(line) > MAX_CENTS:
        raise InvalidInput("Line total is out of range", field="options")


def check_order_total(lines: Sequence[OrderLine]) -> int:
    total = order_total_cents(lines)
    if total > MAX_CENTS:
        raise InvalidInput("Order total is out of range", field="order")
    return total
