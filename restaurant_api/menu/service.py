"""Menu use cases."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.errors import NotFound
from restaurant_api.menu.models import MenuItem


class MenuItemNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Menu item not found")


async def list_menu(
    session: AsyncSession, *, category: str | None = None, available: bool | None = None
) -> list[MenuItem]:
    query = select(MenuItem)
    if category is not None:
        query = query.where(col(MenuItem.category) == category)
    if available is not None:
        query = query.where(col(MenuItem.is_available).is_(available))
    query = query.order_by(
        col(MenuItem.category), col(MenuItem.display_order), col(MenuItem.name), col(MenuItem.id)
    )
    return list((await session.exec(query)).all())


async def get_menu_item(session: AsyncSession, item_id: int) -> MenuItem:
    item = await session.get(MenuItem, item_id)
    if item is None:
        raise MenuItemNotFound()
    return item
