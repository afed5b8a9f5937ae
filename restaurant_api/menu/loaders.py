"""Per-request DataLoaders for menu items."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from restaurant_api.api.graphql import Context
from restaurant_api.menu import service
from restaurant_api.menu.models import MenuItem


def menu_item_by_id(context: Context) -> DataLoader[int, MenuItem | None]:
    async def load(ids: Sequence[int]) -> list[MenuItem | None]:
        async with context.use_session() as session:
            by_id = await service.menu_items_by_id(session, ids)
        return [by_id.get(item_id) for item_id in ids]

    return context.loader("menu.menu_item_by_id", lambda: DataLoader(load_fn=load))
