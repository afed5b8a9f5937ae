"""Compiled-plan specs for the menu (see restaurant_api.api.plans): rows, not ORM objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, select

from restaurant_api.api.node import decode_id
from restaurant_api.api.plan_specs import (
    Fetch,
    Leaf,
    ObjectSpec,
    Related,
    RootField,
    StatementFetch,
    global_id,
    money,
    related,
    row_by_id,
    row_columns,
    table_layout,
    utc_time,
)
from restaurant_api.api.sql_json import Render
from restaurant_api.db import table_of
from restaurant_api.menu import service as menu_service
from restaurant_api.menu.graphql import MENU_PAGE
from restaurant_api.menu.models import (
    MenuItem,
    MenuItemModifierGroup,
    ModifierGroup,
    ModifierOption,
)
from restaurant_api.raw_reads import prebuilt

MENU_ITEMS = table_of(MenuItem)
GROUPS = table_of(ModifierGroup)
OPTIONS = table_of(ModifierOption)
ITEM_GROUPS = table_of(MenuItemModifierGroup)

# An item's groups as the groups_by_item loader reads them: by position, each row led by
# the item's id (the key the rows are attached by).
_ITEM_GROUPS = Related.of(
    "ModifierGroup",
    "id",
    select(ITEM_GROUPS.c.menu_item_id, *row_columns(GROUPS))
    .join(GROUPS, GROUPS.c.id == ITEM_GROUPS.c.group_id)
    .order_by(ITEM_GROUPS.c.menu_item_id, ITEM_GROUPS.c.position, GROUPS.c.id),
    ITEM_GROUPS.c.menu_item_id,
    many=True,
)

MODIFIER_OPTION = ObjectSpec(
    "ModifierOption",
    table_layout(OPTIONS),
    {
        "id": Leaf(("id",), global_id("ModifierOption")),
        "databaseId": Leaf(("id",)),
        "name": Leaf(("name",)),
        "kitchenName": Leaf(("kitchen_name",)),
        "priceDelta": money("price_delta_cents"),
        "isDefault": Leaf(("is_default",)),
        "isAvailable": Leaf(("is_available",)),
        "displayOrder": Leaf(("display_order",)),
        "groupId": Leaf(("group_id",), global_id("ModifierGroup")),
    },
)


MODIFIER_GROUP = ObjectSpec(
    "ModifierGroup",
    ("menu_item_id", *table_layout(GROUPS)),
    {
        "id": Leaf(("id",), global_id("ModifierGroup")),
        "databaseId": Leaf(("id",)),
        "name": Leaf(("name",)),
        "minSelections": Leaf(("min_selections",)),
        "maxSelections": Leaf(("max_selections",)),
        "required": Leaf(("min_selections",), Render.same(lambda minimum: minimum >= 1)),
        # As modifiers.options_for_groups: display order, then id.
        "options": related(
            "ModifierOption",
            "id",
            OPTIONS,
            "group_id",
            many=True,
            order_by=("group_id", "display_order", "id"),
        ),
    },
)

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
        "defaultCourse": Leaf(("default_course",)),
        "prepMinutes": Leaf(("prep_minutes",)),
        "updatedAt": Leaf(("updated_at",), utc_time),
        "modifierGroups": _ITEM_GROUPS,
    },
)


_MENU_ITEM = row_by_id(MENU_ITEMS)
# Built once per combination of filters: SQLAlchemy's cache key of a statement built per
# request was a tenth of a planned menu read.
_MENU_STATEMENTS = {
    (category, available): prebuilt(
        menu_service.menu_statement(
            row_columns(MENU_ITEMS), by_category=category, by_availability=available
        ).limit(bindparam("limit"))
    )
    for category in (False, True)
    for available in (False, True)
}


def _menu(arguments: Mapping[str, Any], _context: Any) -> Fetch:
    """As `Query.menu` and `service.list_menu`: same filters, same order."""
    limit = MENU_PAGE.size(arguments.get("first"))
    filters = menu_service.menu_filters(arguments.get("category"), arguments.get("available"))
    statement = _MENU_STATEMENTS["category" in filters, "available" in filters]
    return StatementFetch(statement, {**filters, "limit": limit}, many=True)


def _menu_item(arguments: Mapping[str, Any], _context: Any) -> Fetch:
    item_id = decode_id(arguments["id"], "MenuItem", field="id")
    return StatementFetch(_MENU_ITEM, {"id": item_id}, many=False)


TYPES = [MENU_ITEM, MODIFIER_GROUP, MODIFIER_OPTION]
ROOTS = {
    "menu": RootField("MenuItem", many=True, prepare=_menu),
    "menuItem": RootField("MenuItem", many=False, prepare=_menu_item),
}
