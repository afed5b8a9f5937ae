"""Compiled-plan specs for the menu (see restaurant_api.api.plans): rows, not ORM objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from restaurant_api.api.node import decode_id
from restaurant_api.api.plan_specs import (
    Fetch,
    Leaf,
    ObjectSpec,
    RootField,
    global_id,
    money,
    row_columns,
    table_layout,
    utc_time,
)
from restaurant_api.db import table_of
from restaurant_api.inputs import check_text
from restaurant_api.menu.graphql import MENU_PAGE
from restaurant_api.menu.models import MenuItem

MENU_ITEMS = table_of(MenuItem)

MENU_ITEM = ObjectSpec(
    "MenuItem",
    table_layout(MENU_ITEMS),
    {
        "id": Leaf(("id",), global_id("MenuItem")),
        "databaseId": Leaf(("id",)),
        "name": Leaf(("name",)),
        "description": Leaf(("description",)),
        "category": Leaf(("category",)),
        "price": money("price_cents"),
        "isAvailable": Leaf(("is_available",)),
        "displayOrder": Leaf(("display_order",)),
        "updatedAt": Leaf(("updated_at",), utc_time),
    },
)


def _menu(arguments: Mapping[str, Any], _context: Any) -> Fetch:
    """As `Query.menu` and `service.list_menu`: same filters, same order."""
    limit = MENU_PAGE.size(arguments.get("first"))
    columns = MENU_ITEMS.c
    statement = select(*row_columns(MENU_ITEMS))
    category, available = arguments.get("category"), arguments.get("available")
    if category is not None:
        statement = statement.where(columns.category == check_text(category, "category"))
    if available is not None:
        statement = statement.where(columns.is_available.is_(available))
    statement = statement.order_by(
        columns.category, columns.display_order, columns.name, columns.id
    ).limit(limit)

    async def fetch(connection: AsyncConnection) -> list[list[Any]]:
        return [list(row) for row in (await connection.execute(statement)).all()]

    return fetch


def _menu_item(arguments: Mapping[str, Any], _context: Any) -> Fetch:
    item_id = decode_id(arguments["id"], "MenuItem", field="id")
    statement = select(*row_columns(MENU_ITEMS)).where(MENU_ITEMS.c.id == item_id)

    async def fetch(connection: AsyncConnection) -> list[Any] | None:
        row = (await connection.execute(statement)).first()
        return None if row is None else list(row)

    return fetch


TYPES = [MENU_ITEM]
ROOTS = {
    "menu": RootField("MenuItem", many=True, prepare=_menu),
    "menuItem": RootField("MenuItem", many=False, prepare=_menu_item),
}
