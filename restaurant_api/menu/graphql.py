"""GraphQL types and fields for the menu."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from restaurant_api.api.graphql import Context, Money
from restaurant_api.menu import service
from restaurant_api.menu.models import MenuItem


@strawberry.type(name="MenuItem", description="A dish or drink that can be ordered.")
class MenuItemType:
    id: int = strawberry.field(description="Unique id.")
    name: str = strawberry.field(description="Name, unique regardless of case.")
    description: str | None = strawberry.field(description="Description for guests.")
    category: str = strawberry.field(description="Menu category, e.g. Starters.")
    price: Money = strawberry.field(description="Price of one unit.")
    is_available: bool = strawberry.field(description="False when 86'd: it cannot be ordered.")
    display_order: int = strawberry.field(description="Position within its category.")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")

    @classmethod
    def from_model(cls, item: MenuItem, currency: str) -> MenuItemType:
        return cls(
            id=item.id,  # type: ignore[arg-type]
            name=item.name,
            description=item.description,
            category=item.category,
            price=Money.from_cents(item.price_cents, currency),
            is_available=item.is_available,
            display_order=item.display_order,
            updated_at=item.updated_at,
        )


@strawberry.type
class Query:
    @strawberry.field(description="The menu, by category and display order. Public.")
    async def menu(
        self,
        info: Info[Context, None],
        category: Annotated[
            str | None, strawberry.argument(description="Only this category.")
        ] = None,
        available: Annotated[
            bool | None,
            strawberry.argument(description="Only available (true) or 86'd (false) items."),
        ] = None,
    ) -> list[MenuItemType]:
        async with info.context.use_session() as session:
            items = await service.list_menu(session, category=category, available=available)
        currency = info.context.settings.currency
        return [MenuItemType.from_model(item, currency) for item in items]

    @strawberry.field(description="One menu item, or null. Public.")
    async def menu_item(
        self,
        info: Info[Context, None],
        id: Annotated[int, strawberry.argument(description="Item id.")],
    ) -> MenuItemType | None:
        async with info.context.use_session() as session:
            item = await session.get(MenuItem, id)
        return MenuItemType.from_model(item, info.context.settings.currency) if item else None
