"""REST adapters for the menu (/api/menu)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from restaurant_api.api.rest import MoneyNumber, ReadSessionDep
from restaurant_api.menu import service
from restaurant_api.menu.models import MenuItem
from restaurant_api.money import from_cents

router = APIRouter(prefix="/api/menu", tags=["menu"])


class MenuItemPublic(BaseModel):
    id: int
    name: str
    price: MoneyNumber
    category: str
    description: str | None
    is_available: bool
    display_order: int

    @classmethod
    def from_model(cls, item: MenuItem) -> MenuItemPublic:
        return cls(
            id=item.id,  # type: ignore[arg-type]
            name=item.name,
            price=from_cents(item.price_cents),
            category=item.category,
            description=item.description,
            is_available=item.is_available,
            display_order=item.display_order,
        )


@router.get("", response_model=list[MenuItemPublic], summary="The menu (public)")
@router.get("/", response_model=list[MenuItemPublic], include_in_schema=False)
async def list_menu(
    session: ReadSessionDep, category: str | None = None, available: bool | None = None
) -> Any:
    items = await service.list_menu(session, category=category, available=available)
    return [MenuItemPublic.from_model(item) for item in items]


@router.get("/{item_id}", response_model=MenuItemPublic, summary="One menu item (public)")
async def get_menu_item(item_id: int, session: ReadSessionDep) -> Any:
    return MenuItemPublic.from_model(await service.get_menu_item(session, item_id))
