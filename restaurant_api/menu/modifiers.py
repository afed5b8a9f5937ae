"""Modifier groups and their options: what a guest chooses about an item, and what it costs.

Groups are shared between items (one "Temperature" for every steak and burger). Managers and
admins edit them; every edit publishes a menu change (caches drop the menu). Reads are
batched: the groups and options of any number of items come in two statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api import limits
from restaurant_api.db import is_valid_id, utcnow
from restaurant_api.errors import Conflict, ErrorCode, InvalidInput, NotFound
from restaurant_api.inputs import clean_text
from restaurant_api.menu.events import menu_changed
from restaurant_api.menu.models import (
    MenuItem,
    MenuItemModifierGroup,
    ModifierGroup,
    ModifierOption,
)
from restaurant_api.money import MAX_CENTS, MoneyError, to_cents
from restaurant_api.users.service import MANAGERS, User, require_role

MAX_OPTIONS_PER_LINE = limits.MAX_OPTIONS_PER_LINE
MAX_OPTIONS_PER_GROUP = limits.MAX_OPTIONS_PER_GROUP
MAX_GROUPS_PER_ITEM = limits.MAX_GROUPS_PER_ITEM


class ModifierGroupNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Modifier group not found")


class ModifierOptionNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Modifier option not found")


class ModifierNameTaken(Conflict):
    code = ErrorCode.DUPLICATE
    http_status = 400

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} already exists", field="name")


@dataclass(frozen=True)
class OptionDraft:
    name: str
    kitchen_name: str | None = None  # default: the name
    price_delta: Decimal | int | str = 0
    is_default: bool = False
    is_available: bool = True
    display_order: int | None = None


@dataclass(frozen=True)
class OptionChanges:
    name: str | None = None
    kitchen_name: str | None = None
    price_delta: Decimal | int | str | None = None
    is_default: bool | None = None
    is_available: bool | None = None
    display_order: int | None = None


@dataclass(frozen=True)
class GroupDraft:
    name: str
    min_selections: int = 0
    max_selections: int = 1
    options: tuple[OptionDraft, ...] = ()


@dataclass(frozen=True)
class GroupChanges:
    name: str | None = None
    min_selections: int | None = None
    max_selections: int | None = None


@dataclass
class OfferedGroup:
    """A group with its options in display order (as an item offers it)."""

    group: ModifierGroup
    options: list[ModifierOption] = field(default_factory=list)


def _key(name: str) -> str:
    return name.strip().casefold()


def delta_cents(value: Decimal | int | str, field: str = "price_delta") -> int:
    """An option's price delta in cents: at most two decimals; negative is a credit."""
    try:
        cents = to_cents(value)
    except MoneyError as error:
        raise InvalidInput(f"Invalid {field}: {error}", field=field) from None
    if abs(cents) > MAX_CENTS:
        raise InvalidInput(f"{field} is out of range", field=field)
    return cents


def _check_bounds(min_selections: int, max_selections: int) -> None:
    if not 0 <= min_selections <= MAX_OPTIONS_PER_LINE:
        raise InvalidInput(
            f"min_selections must be between 0 and {MAX_OPTIONS_PER_LINE}", field="min_selections"
        )
    if not 1 <= max_selections <= MAX_OPTIONS_PER_LINE:
        raise InvalidInput(
            f"max_selections must be between 1 and {MAX_OPTIONS_PER_LINE}", field="max_selections"
        )
    if max_selections < min_selections:
        raise InvalidInput(
            "max_selections must not be below min_selections", field="max_selections"
        )


def _display_order(value: int) -> int:
    if not 0 <= value <= 1_000_000:
        raise InvalidInput("display_order must be between 0 and 1000000", field="display_order")
    return value


def _check_defaults(group: ModifierGroup, options: Sequence[ModifierOption]) -> None:
    """A group's defaults must be a valid choice on their own (omitted options use them)."""
    defaults = sum(1 for option in options if option.is_default)
    if defaults > group.max_selections:
        raise InvalidInput(
            f"{group.name}: at most {group.max_selections} default option(s)", field="is_default"
        )


async def _delete_where(session: AsyncSession, condition: Any) -> None:
    """Delete the rows of the condition's table (explicit: SQLite enforces cascades only
    with foreign keys on)."""
    table = condition.left.table
    await session.exec(delete(table).where(condition))


async def _flush_unique(session: AsyncSession, what: str) -> None:
    # Unique name keys decide: a concurrent duplicate loses here, as a typed error.
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise ModifierNameTaken(what) from None


# --- reads ----------------------------------------------------------------------------------


async def get_modifier_group(session: AsyncSession, group_id: int) -> ModifierGroup:
    group = await session.get(ModifierGroup, group_id) if is_valid_id(group_id) else None
    if group is None:
        raise ModifierGroupNotFound()
    return group


async def get_modifier_option(session: AsyncSession, option_id: int) -> ModifierOption:
    option = await session.get(ModifierOption, option_id) if is_valid_id(option_id) else None
    if option is None:
        raise ModifierOptionNotFound()
    return option


async def options_for_groups(
    session: AsyncSession, group_ids: Sequence[int]
) -> dict[int, list[ModifierOption]]:
    """The options of several groups, in display order; one statement."""
    grouped: dict[int, list[ModifierOption]] = defaultdict(list)
    wanted = sorted({i for i in group_ids if is_valid_id(i)})
    if not wanted:
        return grouped
    rows = await session.exec(
        select(ModifierOption)
        .where(col(ModifierOption.group_id).in_(wanted))
        .order_by(
            col(ModifierOption.group_id), col(ModifierOption.display_order), col(ModifierOption.id)
        )
    )
    for option in rows.all():
        grouped[option.group_id].append(option)
    return grouped


async def list_modifier_groups(session: AsyncSession, *, limit: int = 500) -> list[OfferedGroup]:
    """Every group by name, with its options (two statements)."""
    groups = list(
        (
            await session.exec(
                select(ModifierGroup).order_by(col(ModifierGroup.name_key)).limit(limit)
            )
        ).all()
    )
    options = await options_for_groups(session, [g.id for g in groups])
    return [OfferedGroup(group, options.get(group.id, [])) for group in groups]


async def modifier_groups_by_id(
    session: AsyncSession, group_ids: Sequence[int]
) -> dict[int, OfferedGroup]:
    wanted = sorted({i for i in group_ids if is_valid_id(i)})
    if not wanted:
        return {}
    groups = (
        await session.exec(select(ModifierGroup).where(col(ModifierGroup.id).in_(wanted)))
    ).all()
    options = await options_for_groups(session, [g.id for g in groups])
    return {g.id: OfferedGroup(g, options.get(g.id, [])) for g in groups}


async def modifier_options_by_id(
    session: AsyncSession, option_ids: Sequence[int]
) -> dict[int, ModifierOption]:
    wanted = sorted({i for i in option_ids if is_valid_id(i)})
    if not wanted:
        return {}
    rows = await session.exec(select(ModifierOption).where(col(ModifierOption.id).in_(wanted)))
    return {option.id: option for option in rows.all()}


async def groups_for_items(
    session: AsyncSession, item_ids: Sequence[int]
) -> dict[int, list[OfferedGroup]]:
    """The groups each item offers (in position order) with their options: two statements
    whatever the number of items."""
    wanted = sorted({i for i in item_ids if is_valid_id(i)})
    result: dict[int, list[OfferedGroup]] = defaultdict(list)
    if not wanted:
        return result
    link = MenuItemModifierGroup
    rows = (
        await session.exec(
            select(link.menu_item_id, ModifierGroup)
            .join(ModifierGroup, col(ModifierGroup.id) == col(link.group_id))
            .where(col(link.menu_item_id).in_(wanted))
            .order_by(col(link.menu_item_id), col(link.position), col(ModifierGroup.id))
        )
    ).all()
    options = await options_for_groups(session, [group.id for _, group in rows])
    for item_id, group in rows:
        result[item_id].append(OfferedGroup(group, options.get(group.id, [])))
    return result


# --- groups ---------------------------------------------------------------------------------


async def _group_name_taken(session: AsyncSession, key: str, except_id: int | None = None) -> bool:
    query = select(ModifierGroup.id).where(ModifierGroup.name_key == key)
    if except_id is not None:
        query = query.where(ModifierGroup.id != except_id)
    return (await session.exec(query)).first() is not None


async def create_modifier_group(
    session: AsyncSession, *, actor: User | None, draft: GroupDraft
) -> OfferedGroup:
    """A new group, with its first options (managers and admins)."""
    require_role(actor, MANAGERS)
    name = clean_text(draft.name, "name", 60)
    _check_bounds(draft.min_selections, draft.max_selections)
    if len(draft.options) > MAX_OPTIONS_PER_GROUP:
        raise InvalidInput(f"at most {MAX_OPTIONS_PER_GROUP} options per group", field="options")
    if await _group_name_taken(session, _key(name)):
        raise ModifierNameTaken("Modifier group")
    group = ModifierGroup(
        name=name,
        name_key=_key(name),
        min_selections=draft.min_selections,
        max_selections=draft.max_selections,
    )
    session.add(group)
    await _flush_unique(session, "Modifier group")
    options: list[ModifierOption] = []
    for index, option_draft in enumerate(draft.options):
        try:
            option = _new_option(group, option_draft, index + 1)
        except InvalidInput as error:
            raise error.inside("options", index) from None
        if any(o.name_key == option.name_key for o in options):
            raise ModifierNameTaken("Modifier option").inside("options", index)
        options.append(option)
    _check_defaults(group, options)
    session.add_all(options)
    await _flush_unique(session, "Modifier option")
    menu_changed(session, group.id)
    return OfferedGroup(group, options)


async def update_modifier_group(
    session: AsyncSession, *, actor: User | None, group_id: int, changes: GroupChanges
) -> OfferedGroup:
    require_role(actor, MANAGERS)
    group = await get_modifier_group(session, group_id)
    if changes.name is not None:
        name = clean_text(changes.name, "name", 60)
        if await _group_name_taken(session, _key(name), except_id=group.id):
            raise ModifierNameTaken("Modifier group")
        group.name, group.name_key = name, _key(name)
    minimum = group.min_selections if changes.min_selections is None else changes.min_selections
    maximum = group.max_selections if changes.max_selections is None else changes.max_selections
    _check_bounds(minimum, maximum)
    group.min_selections, group.max_selections = minimum, maximum
    options = (await options_for_groups(session, [group.id]))[group.id]
    _check_defaults(group, options)
    group.updated_at = utcnow()
    session.add(group)
    await _flush_unique(session, "Modifier group")
    menu_changed(session, group.id)
    return OfferedGroup(group, options)


async def delete_modifier_group(
    session: AsyncSession, *, actor: User | None, group_id: int
) -> None:
    """Delete a group, its options and its place on items; placed lines keep their copies."""
    require_role(actor, MANAGERS)
    group = await get_modifier_group(session, group_id)
    # Explicit deletes: SQLite enforces the cascades only with foreign keys on.
    await _delete_where(session, col(MenuItemModifierGroup.group_id) == group.id)
    await _delete_where(session, col(ModifierOption.group_id) == group.id)
    await session.delete(group)
    await session.flush()
    menu_changed(session, group_id)


# --- options --------------------------------------------------------------------------------


def _new_option(group: ModifierGroup, draft: OptionDraft, order: int) -> ModifierOption:
    name = clean_text(draft.name, "name", 60)
    kitchen = draft.kitchen_name if draft.kitchen_name is not None else name
    kitchen = clean_text(kitchen, "kitchen_name", 60)
    return ModifierOption(
        group_id=group.id,
        name=name,
        name_key=_key(name),
        kitchen_name=kitchen,
        price_delta_cents=delta_cents(draft.price_delta),
        is_default=draft.is_default,
        is_available=draft.is_available,
        display_order=order if draft.display_order is None else _display_order(draft.display_order),
    )


async def add_modifier_option(
    session: AsyncSession, *, actor: User | None, group_id: int, draft: OptionDraft
) -> ModifierOption:
    require_role(actor, MANAGERS)
    group = await get_modifier_group(session, group_id)
    options = (await options_for_groups(session, [group.id]))[group.id]
    if len(options) >= MAX_OPTIONS_PER_GROUP:
        raise InvalidInput(f"at most {MAX_OPTIONS_PER_GROUP} options per group", field="group_id")
    last = max((o.display_order for o in options), default=0)
    option = _new_option(group, draft, last + 1)
    if any(o.name_key == option.name_key for o in options):
        raise ModifierNameTaken("Modifier option")
    _check_defaults(group, [*options, option])
    session.add(option)
    await _flush_unique(session, "Modifier option")
    menu_changed(session, group.id)
    return option


async def update_modifier_option(
    session: AsyncSession, *, actor: User | None, option_id: int, changes: OptionChanges
) -> ModifierOption:
    """Change an option; `is_available=False` 86's it (it can no longer be chosen)."""
    require_role(actor, MANAGERS)
    option = await get_modifier_option(session, option_id)
    group = await get_modifier_group(session, option.group_id)
    siblings = [
        o for o in (await options_for_groups(session, [group.id]))[group.id] if o.id != option.id
    ]
    if changes.name is not None:
        name = clean_text(changes.name, "name", 60)
        if any(o.name_key == _key(name) for o in siblings):
            raise ModifierNameTaken("Modifier option")
        option.name, option.name_key = name, _key(name)
    if changes.kitchen_name is not None:
        option.kitchen_name = clean_text(changes.kitchen_name, "kitchen_name", 60)
    if changes.price_delta is not None:
        option.price_delta_cents = delta_cents(changes.price_delta)
    if changes.is_default is not None:
        option.is_default = changes.is_default
    if changes.is_available is not None:
        option.is_available = changes.is_available
    if changes.display_order is not None:
        option.display_order = _display_order(changes.display_order)
    _check_defaults(group, [*siblings, option])
    option.updated_at = utcnow()
    session.add(option)
    await _flush_unique(session, "Modifier option")
    menu_changed(session, group.id)
    return option


async def remove_modifier_option(
    session: AsyncSession, *, actor: User | None, option_id: int
) -> ModifierOption:
    """Delete an option (placed lines keep their copies); returns it as it was."""
    require_role(actor, MANAGERS)
    option = await get_modifier_option(session, option_id)
    await session.delete(option)
    await session.flush()
    menu_changed(session, option.group_id)
    return option


# --- items ----------------------------------------------------------------------------------


async def set_menu_item_modifier_groups(
    session: AsyncSession, *, actor: User | None, item_id: int, group_ids: Sequence[int]
) -> list[OfferedGroup]:
    """The groups an item offers, in this order (the whole list; empty removes them all)."""
    require_role(actor, MANAGERS)
    if len(group_ids) > MAX_GROUPS_PER_ITEM:
        raise InvalidInput(f"at most {MAX_GROUPS_PER_ITEM} groups per item", field="group_ids")
    if len(set(group_ids)) != len(group_ids):
        raise InvalidInput("a group is listed twice", field="group_ids")
    item = await session.get(MenuItem, item_id) if is_valid_id(item_id) else None
    if item is None:
        raise NotFound("Menu item not found")
    found = await modifier_groups_by_id(session, group_ids)
    for index, group_id in enumerate(group_ids):
        if group_id not in found:
            raise ModifierGroupNotFound().inside("group_ids", index)
    await _delete_where(session, col(MenuItemModifierGroup.menu_item_id) == item.id)
    session.add_all(
        MenuItemModifierGroup(menu_item_id=item.id, group_id=group_id, position=position)
        for position, group_id in enumerate(group_ids)
    )
    item.updated_at = utcnow()
    session.add(item)
    await session.flush()
    menu_changed(session, item.id)
    return [found[group_id] for group_id in group_ids]
