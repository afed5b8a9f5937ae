"""Per-request DataLoaders for menu items and their modifier groups."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from restaurant_api.api.graphql import Context
from restaurant_api.menu import modifiers, service
from restaurant_api.menu.models import MenuItem, ModifierOption
from restaurant_api.menu.modifiers import OfferedGroup


def menu_item_by_id(context: Context) -> DataLoader[int, MenuItem | None]:
    async def load(ids: Sequence[int]) -> list[MenuItem | None]:
        async with context.use_session() as session:
            by_id = await service.menu_items_by_id(session, ids)
        return [by_id.get(item_id) for item_id in ids]

    return context.loader("menu.menu_item_by_id", lambda: DataLoader(load_fn=load))


def groups_by_item(context: Context) -> DataLoader[int, list[OfferedGroup]]:
    """The modifier groups (with options) each item offers: two queries per batch."""

    async def load(ids: Sequence[int]) -> list[list[OfferedGroup]]:
        async with context.use_session() as session:
            grouped = await modifiers.groups_for_items(session, ids)
        return [grouped.get(item_id, []) for item_id in ids]

    return context.loader("menu.groups_by_item", lambda: DataLoader(load_fn=load))


def group_by_id(context: Context) -> DataLoader[int, OfferedGroup | None]:
    async def load(ids: Sequence[int]) -> list[OfferedGroup | None]:
        async with context.use_session() as session:
            by_id = await modifiers.modifier_groups_by_id(session, ids)
        return [by_id.get(group_id) for group_id in ids]

    return context.loader("menu.group_by_id", lambda: DataLoader(load_fn=load))


def option_by_id(context: Context) -> DataLoader[int, ModifierOption | None]:
    async def load(ids: Sequence[int]) -> list[ModifierOption | None]:
        async with context.use_session() as session:
            by_id = await modifiers.modifier_options_by_id(session, ids)
        return [by_id.get(option_id) for option_id in ids]

    return context.loader("menu.option_by_id", lambda: DataLoader(load_fn=load))
