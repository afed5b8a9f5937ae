"""What the orders adapters share in reading a client's input (REST and GraphQL alike)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from restaurant_api.orders.service import LineDraft


class LineInput(Protocol):
    """An order line as either adapter parses it (`OrderItemIn`, `OrderLineInput`)."""

    @property
    def name(self) -> str | None: ...
    @property
    def price(self) -> Decimal | None: ...
    @property
    def category(self) -> str | None: ...
    @property
    def quantity(self) -> int: ...
    @property
    def modifiers(self) -> Sequence[str]: ...
    @property
    def seat_number(self) -> int | None: ...
    @property
    def note(self) -> str | None: ...
    @property
    def course(self) -> int | None: ...


def line_draft(
    line: LineInput, *, menu_item_id: int | None, option_ids: Sequence[int] | None = None
) -> LineDraft:
    """The service's draft of a line; the menu item's and options' ids as the adapter decoded
    them (options None: the defaults)."""
    return LineDraft(
        menu_item_id=menu_item_id,
        name=line.name,
        price=line.price,
        category=line.category,
        quantity=line.quantity,
        modifiers=tuple(line.modifiers),
        seat_number=line.seat_number,
        note=line.note,
        option_ids=None if option_ids is None else tuple(option_ids),
        course=line.course,
    )
