"""What clients send to the orders domain: new orders and lines, and changes to them.

Adapters build these; the use cases check them (`validation`) before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from restaurant_api import limits
from restaurant_api.inputs import UNSET, Unset

MAX_QUANTITY = limits.MAX_QUANTITY
MAX_LINES = limits.MAX_LINES
MAX_MODIFIERS = limits.MAX_MODIFIERS
MAX_OPTIONS_PER_LINE = limits.MAX_OPTIONS_PER_LINE
MAX_CUSTOMERS = limits.MAX_CUSTOMERS
MAX_SEAT = limits.MAX_SEAT
MAX_COURSE = limits.MAX_COURSE


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
    # Modifier option ids: None means every group's defaults; a tuple is exactly the choice.
    option_ids: tuple[int, ...] | None = None
    # 1 starters, 2 mains, ... (1 to MAX_COURSE); None: the menu item's default course
    # (an open item's is 1).
    course: int | None = None


@dataclass(frozen=True)
class OrderDraft:
    lines: tuple[LineDraft, ...]
    table_id: int | None = None
    customer_count: int = 1
    special_requests: str | None = None
    total: Decimal | int | str | None = None
    # dine_in, takeout or delivery (pricing.models.DiningOption); only dine-in has a table.
    dining_option: str = "dine_in"
    # Fire every course now; False fires the first course and holds the others.
    fire_all: bool = False


@dataclass(frozen=True)
class LineChange:
    """Changes to one line; None leaves a field as it is."""

    line_id: int
    quantity: int | None = None
    modifiers: tuple[str, ...] | None = None
    seat_number: int | None = None
    note: str | None = None
    # A new choice of modifier options (exactly these); the unit price is re-priced from the
    # price the line was placed at.
    option_ids: tuple[int, ...] | None = None
    # Move the line to another course: voided on its ticket, fired (or held) in the new one.
    course: int | None = None


@dataclass
class OrderChanges:
    """An update. `replace_lines` is the REST form (the whole new item list,
    `replace_order_items`); GraphQL adds, removes and changes individual lines
    (`change_order_lines`)."""

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
    dining_option: str | None = None
