"""Menu use cases. Anyone may read the menu; managers and admins change it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, bindparam, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api import limits
from restaurant_api.db import is_valid_id, table_of, utcnow
from restaurant_api.errors import Conflict, ErrorCode, InvalidInput, NotFound
from restaurant_api.inputs import UNSET, Unset, check_text, clean_text, optional_text, price_cents
from restaurant_api.menu.events import menu_changed
from restaurant_api.menu.models import MenuItem
from restaurant_api.menu.modifiers import OfferedGroup, groups_for_items
from restaurant_api.menu.offered import items_read, items_with_groups
from restaurant_api.menu.selections import choose_options, options_delta_cents
from restaurant_api.raw_reads import prebuilt
from restaurant_api.users.service import MANAGERS, User, require_role

# Modifier reads and the selection rule, for other domains (orders) that read them here.
__all__ = [
    "MenuItem",
    "OfferedGroup",
    "choose_options",
    "groups_for_items",
    "items_read",
    "items_with_groups",
    "options_delta_cents",
]


class MenuItemNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Menu item not found")


class MenuItemExists(Conflict):
    code = ErrorCode.DUPLICATE
    http_status = 400

    def __init__(self) -> None:
        super().__init__("Menu item already exists", field="name")


@dataclass(frozen=True)
class MenuItemDraft:
    name: str
    price: Decimal | int | str
    category: str
    description: str | None = None
    is_available: bool = True
    display_order: int | None = None
    # The course its lines get (1 starters, 2 mains, ...) and its prep-time target
    # (None: the station's default).
    default_course: int = 1
    prep_minutes: int | None = None


@dataclass(frozen=True)
class MenuItemChanges:
    name: str | None = None
    price: Decimal | int | str | None = None
    category: str | None = None
    description: str | Unset | None = UNSET
    is_available: bool | None = None
    display_order: int | None = None
    default_course: int | None = None
    # UNSET leaves it; None clears it (the station's default applies).
    prep_minutes: int | Unset | None = UNSET


def name_key(name: str) -> str:
    return name.strip().casefold()


def _display_order(value: int) -> int:
    if not 0 <= value <= 1_000_000:
        raise InvalidInput("display_order must be between 0 and 1000000", field="display_order")
    return value


def check_course(value: int, field: str = "default_course") -> int:
    """A course number, 1 to MAX_COURSE."""
    if not 1 <= value <= limits.MAX_COURSE:
        raise InvalidInput(f"{field} must be between 1 and {limits.MAX_COURSE}", field=field)
    return value


def _prep_minutes(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= limits.MAX_PREP_MINUTES:
        raise InvalidInput(
            f"prep_minutes must be between 0 and {limits.MAX_PREP_MINUTES}", field="prep_minutes"
        )
    return value


def _menu_query(category: str | None, available: bool | None, *entities: Any) -> Any:
    query = select(*entities) if entities else select(MenuItem)
    if category is not None:
        query = query.where(col(MenuItem.category) == check_text(category, "category"))
    if available is not None:
        query = query.where(col(MenuItem.is_available).is_(available))
    return query.order_by(
        col(MenuItem.category), col(MenuItem.display_order), col(MenuItem.name), col(MenuItem.id)
    )


async def list_menu(
    session: AsyncSession,
    *,
    category: str | None = None,
    available: bool | None = None,
    limit: int | None = None,
) -> list[MenuItem]:
    query = _menu_query(category, available)
    return list((await session.exec(query.limit(limit))).all())


MENU_ROW_COLUMNS = (
    "id", "name", "price_cents", "category", "description", "is_available", "display_order",
)  # fmt: skip


_MENU_COLUMNS = table_of(MenuItem).c


def menu_statement(columns: Sequence[Any], *, by_category: bool, by_availability: bool) -> Any:
    """The menu with `columns`, filtered by the `category` and `available` parameters, in
    `list_menu`'s order: what the hot menu reads are prebuilt from (REST rows here, the
    GraphQL plans with a limit). `menu_filters` gives the parameters."""
    statement = _menu_query(None, None, *columns)
    if by_category:
        statement = statement.where(_MENU_COLUMNS.category == bindparam("category"))
    if by_availability:
        statement = statement.where(_MENU_COLUMNS.is_available == bindparam("available"))
    return statement


def menu_filters(category: str | None, available: bool | None) -> dict[str, Any]:
    """The parameters of a `menu_statement` (the category checked as `list_menu` does)."""
    parameters: dict[str, Any] = {}
    if category is not None:
        parameters["category"] = check_text(category, "category")
    if available is not None:
        parameters["available"] = available
    return parameters


def menu_row_statement(*, by_category: bool, by_availability: bool) -> Any:
    """`menu_statement` of MENU_ROW_COLUMNS: `list_menu`'s rows."""
    columns = [_MENU_COLUMNS[name] for name in MENU_ROW_COLUMNS]
    return menu_statement(columns, by_category=by_category, by_availability=by_availability)


# Built once per combination of filters (the same filters and order as `list_menu`): a
# statement built per request cost SQLAlchemy a cache key and ORM execution per read.
_MENU_ROWS = {
    (category, available): prebuilt(
        menu_row_statement(by_category=category, by_availability=available)
    )
    for category in (False, True)
    for available in (False, True)
}


async def menu_rows(
    session: AsyncSession, *, category: str | None = None, available: bool | None = None
) -> Sequence[Row[Any]]:
    """`list_menu` as plain rows of MENU_ROW_COLUMNS (no ORM instances), same order."""
    parameters = menu_filters(category, available)
    statement = _MENU_ROWS["category" in parameters, "available" in parameters]
    connection = await session.connection()
    return (await connection.execute(statement, parameters)).all()


async def get_menu_item(session: AsyncSession, item_id: int) -> MenuItem:
    item = await session.get(MenuItem, item_id) if is_valid_id(item_id) else None
    if item is None:
        raise MenuItemNotFound()
    return item


async def menu_items_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, MenuItem]:
    """Several menu items in one query (ids that cannot exist are skipped)."""
    wanted = [i for i in set(ids) if is_valid_id(i)]
    if not wanted:
        return {}
    rows = await session.exec(select(MenuItem).where(col(MenuItem.id).in_(wanted)))
    return {item.id: item for item in rows.all()}


async def _flush_unique(session: AsyncSession) -> None:
    # The unique name_key index is the arbiter: a concurrent duplicate loses here.
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise MenuItemExists() from None


async def _name_taken(session: AsyncSession, key: str, except_id: int | None = None) -> bool:
    query = select(MenuItem.id).where(MenuItem.name_key == key)
    if except_id is not None:
        query = query.where(MenuItem.id != except_id)
    return (await session.exec(query)).first() is not None


async def create_menu_item(
    session: AsyncSession, *, actor: User | None, draft: MenuItemDraft
) -> MenuItem:
    require_role(actor, MANAGERS)
    name = clean_text(draft.name, "name", 120)
    category = clean_text(draft.category, "category", 60)
    cents = price_cents(draft.price)
    if await _name_taken(session, name_key(name)):
        raise MenuItemExists()
    if draft.display_order is None:
        # New items go to the end of their category.
        last = await session.exec(
            select(func.max(MenuItem.display_order)).where(MenuItem.category == category)
        )
        order = (last.one() or 0) + 1
    else:
        order = _display_order(draft.display_order)
    item = MenuItem(
        name=name,
        name_key=name_key(name),
        description=optional_text(draft.description, "description", 1000),
        category=category,
        price_cents=cents,
        is_available=draft.is_available,
        display_order=order,
        default_course=check_course(draft.default_course),
        prep_minutes=_prep_minutes(draft.prep_minutes),
    )
    session.add(item)
    await _flush_unique(session)
    menu_changed(session, item.id)
    return item


async def update_menu_item(
    session: AsyncSession, *, actor: User | None, item_id: int, changes: MenuItemChanges
) -> MenuItem:
    require_role(actor, MANAGERS)
    item = await get_menu_item(session, item_id)
    if changes.name is not None:
        name = clean_text(changes.name, "name", 120)
        if await _name_taken(session, name_key(name), except_id=item.id):
            raise MenuItemExists()
        item.name, item.name_key = name, name_key(name)
    if changes.category is not None:
        item.category = clean_text(changes.category, "category", 60)
    if changes.price is not None:
        item.price_cents = price_cents(changes.price)
    if not isinstance(changes.description, Unset):
        item.description = optional_text(changes.description, "description", 1000)
    if changes.is_available is not None:
        item.is_available = changes.is_available
    if changes.display_order is not None:
        item.display_order = _display_order(changes.display_order)
    if changes.default_course is not None:
        item.default_course = check_course(changes.default_course)
    if not isinstance(changes.prep_minutes, Unset):
        item.prep_minutes = _prep_minutes(changes.prep_minutes)
    item.updated_at = utcnow()
    session.add(item)
    await _flush_unique(session)
    menu_changed(session, item.id)
    return item


async def delete_menu_item(session: AsyncSession, *, actor: User | None, item_id: int) -> None:
    """Delete an item; order lines keep their copied name and price (menu_item_id -> null)."""
    require_role(actor, MANAGERS)
    item = await get_menu_item(session, item_id)
    await session.delete(item)
    await session.flush()
    menu_changed(session, item_id)
