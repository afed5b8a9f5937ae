"""What menu items offer to order: the items by id with their modifier groups and options,
read as rows in a writer's transaction (placing lines, changing their options)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import OneOf, is_valid_id, table_of
from restaurant_api.db_rows import detached_instance, transaction_rows, whole_rows
from restaurant_api.menu.models import MenuItem, MenuItemModifierGroup, ModifierGroup
from restaurant_api.menu.modifiers import OfferedGroup, options_for_groups
from restaurant_api.raw_reads import prebuilt

_ITEMS = table_of(MenuItem)
_GROUPS = table_of(ModifierGroup)
_OFFERS = table_of(MenuItemModifierGroup)
_ITEM_COLUMNS = len(_ITEMS.c)
# Built once: placing and changing lines read them in the writer's transaction
# (`transaction_rows`): each item with the groups it offers (none: one row of NULLs).
_ITEMS_WITH_GROUPS = prebuilt(
    core_select(*whole_rows(MenuItem), *whole_rows(ModifierGroup))
    .select_from(
        _ITEMS.outerjoin(_OFFERS, _OFFERS.c.menu_item_id == _ITEMS.c.id).outerjoin(
            _GROUPS, _GROUPS.c.id == _OFFERS.c.group_id
        )
    )
    .where(OneOf(_ITEMS.c.id, "item_ids"))
    .order_by(_ITEMS.c.id, _OFFERS.c.position, _GROUPS.c.id)
)


def items_read(item_ids: Iterable[int]) -> tuple[Any, dict[str, Any]]:
    """The read `items_with_groups` starts with (for `prefetch_rows`)."""
    return _ITEMS_WITH_GROUPS, {"item_ids": sorted({i for i in item_ids if is_valid_id(i)})}


async def items_with_groups(
    session: AsyncSession, item_ids: Sequence[int]
) -> tuple[dict[int, MenuItem], dict[int, list[OfferedGroup]]]:
    """Menu items by id and the groups each offers (with options), for placing lines: one
    statement when none of the items offers a group, two otherwise. The items and groups
    are detached (read as rows in the session's transaction, not loaded by the ORM)."""
    statement, parameters = items_read(item_ids)
    items: dict[int, MenuItem] = {}
    offered: dict[int, list[OfferedGroup]] = defaultdict(list)
    if not parameters["item_ids"]:
        return items, offered
    rows = await transaction_rows(session, statement, parameters)
    pairs: list[tuple[int, ModifierGroup]] = []
    for row in rows:
        item_id = row[0]
        if item_id not in items:
            items[item_id] = detached_instance(MenuItem, row[:_ITEM_COLUMNS])
        if row[_ITEM_COLUMNS] is not None:
            pairs.append((item_id, detached_instance(ModifierGroup, row[_ITEM_COLUMNS:])))
    if pairs:
        options = await options_for_groups(session, [group.id for _, group in pairs])
        for item_id, group in pairs:
            offered[item_id].append(OfferedGroup(group, options.get(group.id, [])))
    return items, offered
