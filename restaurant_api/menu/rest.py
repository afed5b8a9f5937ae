"""REST adapters for the menu (/api/menu)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from restaurant_api.api import sql_json
from restaurant_api.api.json import FastJSONResponse
from restaurant_api.api.rest import (
    CurrentUser,
    HotRead,
    Message,
    MoneyNumber,
    ReadSessionDep,
    SessionDep,
    error_responses,
    query_bool,
    query_text,
)
from restaurant_api.menu import service
from restaurant_api.menu.models import MenuItem
from restaurant_api.money import from_cents
from restaurant_api.raw_reads import RawConnection, prebuilt

router = APIRouter(prefix="/api/menu", tags=["menu"], responses=error_responses(400, 401, 403, 404))


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
            id=item.id,
            name=item.name,
            price=from_cents(item.price_cents),
            category=item.category,
            description=item.description,
            is_available=item.is_available,
            display_order=item.display_order,
        )


def menu_item_json(row: Any) -> dict[str, Any]:
    """MenuItemPublic's JSON from a row (or model) with its fields: same keys, same order."""
    return {
        "id": row.id,
        "name": row.name,
        # The float of the exact cents/100 quotient: what MoneyNumber writes.
        "price": row.price_cents / 100,
        "category": row.category,
        "description": row.description,
        "is_available": row.is_available,
        "display_order": row.display_order,
    }


# The reads answer with the JSON directly: `response_model` documents them (OpenAPI) and
# FastAPI does not build and validate a model per item.
@router.get("", response_model=list[MenuItemPublic], summary="The menu (public)")
@router.get("/", response_model=list[MenuItemPublic], include_in_schema=False)
async def list_menu(
    session: ReadSessionDep, category: str | None = None, available: bool | None = None
) -> Any:
    rows = await service.menu_rows(session, category=category, available=available)
    return FastJSONResponse([menu_item_json(row) for row in rows])


def _menu_json(columns: Any) -> Any:
    """`menu_item_json` in SQL, over the columns of a row of `service.MENU_ROW_COLUMNS`."""
    return sql_json.json_object(
        [
            ("id", columns.id),
            ("name", columns.name),
            ("price", sql_json.money_number(columns.price_cents)),
            ("category", columns.category),
            ("description", columns.description),
            ("is_available", columns.is_available),
            ("display_order", columns.display_order),
        ]
    )


# The whole answer as one JSON text built by PostgreSQL, per combination of filters: the
# same rows and order as `service.menu_rows`, the same bytes as `list_menu`.
_MENU_JSON = {
    (category, available): prebuilt(
        sql_json.json_list_of(
            service.menu_row_statement(by_category=category, by_availability=available),
            _menu_json,
        )
    )
    for category in (False, True)
    for available in (False, True)
}


async def list_menu_on(
    connection: RawConnection, category: str | None = None, available: bool | None = None
) -> Any:
    """`list_menu` on a connection of its own (`raw_reads`): the hot read on PostgreSQL,
    whose JSON PostgreSQL builds (no row reaches Python)."""
    parameters = service.menu_filters(category, available)
    statement = _MENU_JSON["category" in parameters, "available" in parameters]
    body = await connection.fetch_text(statement, parameters)
    return Response(body, media_type="application/json")


hot_reads = [
    HotRead(
        "/api/menu",
        list_menu,
        {"category": query_text, "available": query_bool},
        raw_endpoint=list_menu_on,
    )
]


# Public like the list: the same data, one item at a time.
@router.get("/{item_id}", response_model=MenuItemPublic, summary="One menu item (public)")
async def get_menu_item(item_id: int, session: ReadSessionDep) -> Any:
    return FastJSONResponse(menu_item_json(await service.get_menu_item(session, item_id)))


class MenuItemCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    price: Decimal
    category: str = Field(min_length=1, max_length=60)
    description: str | None = Field(default=None, max_length=1000)
    is_available: bool = True
    display_order: int | None = Field(default=None, ge=0, le=1_000_000)


class MenuItemUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    price: Decimal | None = None
    category: str | None = Field(default=None, min_length=1, max_length=60)
    description: str | None = Field(default=None, max_length=1000)
    is_available: bool | None = None
    display_order: int | None = Field(default=None, ge=0, le=1_000_000)


@router.post(
    "", response_model=MenuItemPublic, status_code=201, summary="Add a menu item (manager+)"
)
@router.post("/", response_model=MenuItemPublic, status_code=201, include_in_schema=False)
async def create_menu_item(body: MenuItemCreate, user: CurrentUser, session: SessionDep) -> Any:
    item = await service.create_menu_item(
        session, actor=user, draft=service.MenuItemDraft(**body.model_dump())
    )
    return MenuItemPublic.from_model(item)


@router.put("/{item_id}", response_model=MenuItemPublic, summary="Change a menu item (manager+)")
async def update_menu_item(
    item_id: int, body: MenuItemUpdate, user: CurrentUser, session: SessionDep
) -> Any:
    changes = body.model_dump(exclude_unset=True)
    if "description" not in changes:
        changes["description"] = service.UNSET
    for required in ("name", "price", "category", "is_available", "display_order"):
        # An explicit null for a required field means "leave it": it cannot be cleared.
        if changes.get(required, 0) is None:
            del changes[required]
    item = await service.update_menu_item(
        session, actor=user, item_id=item_id, changes=service.MenuItemChanges(**changes)
    )
    return MenuItemPublic.from_model(item)


@router.delete("/{item_id}", response_model=Message, summary="Delete a menu item (manager+)")
async def delete_menu_item(item_id: int, user: CurrentUser, session: SessionDep) -> Any:
    await service.delete_menu_item(session, actor=user, item_id=item_id)
    return Message(message="Menu item deleted successfully")
