"""GraphQL types and fields for the menu."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api import limits
from restaurant_api.api.cost import Page
from restaurant_api.api.graphql import Context, Money, from_row, result_union
from restaurant_api.api.mutations import domain_mutation
from restaurant_api.api.node import Node, decode_id, register_node, to_global_id
from restaurant_api.api.response_cache import public_read
from restaurant_api.events import Topic
from restaurant_api.menu import loaders, modifiers, service
from restaurant_api.menu.models import MenuItem, ModifierOption
from restaurant_api.menu.modifiers import OfferedGroup


@strawberry.type(
    name="ModifierOption",
    description="One choice of a modifier group, e.g. Bacon (+2.00) in Extras.",
)
class ModifierOptionType(Node):
    database_id: int = strawberry.field(description="The integer id REST uses.")
    name: str = strawberry.field(description="Name, unique in its group regardless of case.")
    kitchen_name: str = strawberry.field(description="What the kitchen ticket prints.")
    price_delta: Money = strawberry.field(
        description="What it adds to the unit price; negative is a credit (no cheese)."
    )
    is_default: bool = strawberry.field(description="Chosen when an order line sends no options.")
    is_available: bool = strawberry.field(
        description="False when 86'd: it cannot be chosen (and is not applied as a default)."
    )
    display_order: int = strawberry.field(description="Position within its group.")
    group_db_id: strawberry.Private[int]

    @strawberry.field(description="Global id of its modifier group.")
    def group_id(self) -> strawberry.ID:
        return to_global_id("ModifierGroup", self.group_db_id)

    @classmethod
    def from_model(cls, option: ModifierOption, currency: str) -> ModifierOptionType:
        return from_row(
            cls, option, price_delta=Money.from_cents(option.price_delta_cents, currency)
        )


@strawberry.type(
    name="ModifierGroup",
    description="A choice about an item, e.g. Temperature (exactly one) or Extras (up to "
    "three); shared by the items that offer it.",
)
class ModifierGroupType(Node):
    database_id: int = strawberry.field(description="The integer id REST uses.")
    name: str = strawberry.field(description="Name, unique regardless of case.")
    min_selections: int = strawberry.field(
        description="Fewest options a line must choose (0: optional)."
    )
    max_selections: int = strawberry.field(description="Most options a line may choose.")
    options: list[ModifierOptionType] = strawberry.field(
        description="Its options in display order, 86'd ones included."
    )

    @strawberry.field(description="True when a line must choose from it (minSelections >= 1).")
    def required(self) -> bool:
        return self.min_selections >= 1

    @classmethod
    def from_offered(cls, offered: OfferedGroup, currency: str) -> ModifierGroupType:
        options = [ModifierOptionType.from_model(o, currency) for o in offered.options]
        return from_row(cls, offered.group, options=options)


@strawberry.type(name="MenuItem", description="A dish or drink that can be ordered.")
class MenuItemType(Node):
    database_id: int = strawberry.field(description="The integer id REST uses.")
    name: str = strawberry.field(description="Name, unique regardless of case.")
    description: str | None = strawberry.field(description="Description for guests.")
    category: str = strawberry.field(description="Menu category, e.g. Starters.")
    price: Money = strawberry.field(description="Price of one unit.")
    is_available: bool = strawberry.field(description="False when 86'd: it cannot be ordered.")
    display_order: int = strawberry.field(description="Position within its category.")
    default_course: int = strawberry.field(
        description="The course its order lines get unless the order line says otherwise "
        "(1 starters, 2 mains, 3 desserts, ...)."
    )
    prep_minutes: int | None = strawberry.field(
        description="Prep-time target in minutes (null: its kitchen station's default)."
    )
    updated_at: datetime = strawberry.field(description="Last change (UTC).")

    @strawberry.field(
        description="The modifier groups offered on it, in the order a screen shows them."
    )
    async def modifier_groups(self, info: Info[Context, None]) -> list[ModifierGroupType]:
        groups = await loaders.groups_by_item(info.context).load(self.database_id)
        currency = info.context.settings.currency
        return [ModifierGroupType.from_offered(group, currency) for group in groups]

    @classmethod
    def from_model(cls, item: MenuItem, currency: str) -> MenuItemType:
        return from_row(cls, item, price=Money.from_cents(item.price_cents, currency))


MENU_PAGE = Page(default=200, maximum=500)
ItemsFirst = Annotated[int | None, MENU_PAGE.argument("items")]
MODIFIER_GROUPS_PAGE = Page(default=200, maximum=500)
GroupsFirst = Annotated[int | None, MODIFIER_GROUPS_PAGE.argument("groups")]
MenuItemId = Annotated[strawberry.ID, strawberry.argument(description="The item's global id.")]
# The public reads show the menu alone: their cached answers stay fresh until it changes.
MENU_TOPICS = frozenset({Topic.MENU})


@strawberry.type
class Query:
    @public_read(
        "The menu, by category and display order, at most `first` items. Public.",
        MENU_TOPICS,
    )
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
        first: ItemsFirst = MENU_PAGE.default,
    ) -> list[MenuItemType] | None:  # null with its error on a bad `first`, siblings answer
        limit = MENU_PAGE.size(first)
        async with info.context.use_session() as session:
            items = await service.list_menu(
                session, category=category, available=available, limit=limit
            )
        currency = info.context.settings.currency
        return [MenuItemType.from_model(item, currency) for item in items]

    @public_read("One menu item, or null. Public, like the menu.", MENU_TOPICS)
    async def menu_item(
        self,
        info: Info[Context, None],
        id: MenuItemId,
    ) -> MenuItemType | None:
        found = await _load_items(info.context, [decode_id(id, "MenuItem", field="id")])
        return found[0]

    @public_read(
        "Every modifier group by name, at most `first`, with its options. Public.",
        MENU_TOPICS,
    )
    async def modifier_groups(
        self,
        info: Info[Context, None],
        first: GroupsFirst = MODIFIER_GROUPS_PAGE.default,
    ) -> list[ModifierGroupType] | None:
        limit = MODIFIER_GROUPS_PAGE.size(first)
        async with info.context.use_session() as session:
            groups = await modifiers.list_modifier_groups(session, limit=limit)
        currency = info.context.settings.currency
        return [ModifierGroupType.from_offered(group, currency) for group in groups]


async def _load_items(context: Context, ids: Sequence[int]) -> list[MenuItemType | None]:
    items = await loaders.menu_item_by_id(context).load_many(ids)
    currency = context.settings.currency
    return [MenuItemType.from_model(item, currency) if item else None for item in items]


async def _load_groups(context: Context, ids: Sequence[int]) -> list[ModifierGroupType | None]:
    groups = await loaders.group_by_id(context).load_many(ids)
    currency = context.settings.currency
    return [ModifierGroupType.from_offered(g, currency) if g else None for g in groups]


async def _load_options(context: Context, ids: Sequence[int]) -> list[ModifierOptionType | None]:
    options = await loaders.option_by_id(context).load_many(ids)
    currency = context.settings.currency
    return [ModifierOptionType.from_model(o, currency) if o else None for o in options]


# The menu is public: so is every item, modifier group and option by id.
register_node("MenuItem", _load_items, permission_classes=[])
register_node("ModifierGroup", _load_groups, permission_classes=[])
register_node("ModifierOption", _load_options, permission_classes=[])


@strawberry.input(description="A new menu item.")
class MenuItemInput:
    name: str = strawberry.field(description="Name, unique regardless of case.")
    price: Decimal = strawberry.field(
        description='Unit price as a decimal string, at most two decimals, e.g. "8.99".'
    )
    category: str = strawberry.field(description="Menu category.")
    description: str | None = strawberry.field(default=None, description="For guests.")
    is_available: bool = strawberry.field(default=True, description="False: 86'd.")
    display_order: int | None = strawberry.field(
        default=None, description="Position within its category (default: last)."
    )
    default_course: int = strawberry.field(
        default=1, description=f"Its lines' course, 1 to {limits.MAX_COURSE} (default 1)."
    )
    prep_minutes: int | None = strawberry.field(
        default=None,
        description=f"Prep-time target in minutes, 0 to {limits.MAX_PREP_MINUTES} (null: the "
        "station's default).",
    )


@strawberry.input(description="Changes to a menu item; omitted fields stay as they are.")
class MenuItemUpdateInput:
    name: str | None = strawberry.field(default=None, description="New name.")
    price: Decimal | None = strawberry.field(
        default=None,
        description='New unit price as a decimal string, at most two decimals, e.g. "9.50".',
    )
    category: str | None = strawberry.field(default=None, description="New category.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="New description (null clears it)."
    )
    is_available: bool | None = strawberry.field(
        default=None, description="False 86's the item: it can no longer be ordered."
    )
    display_order: int | None = strawberry.field(default=None, description="New position.")
    default_course: int | None = strawberry.field(
        default=None, description=f"New course of its lines, 1 to {limits.MAX_COURSE}."
    )
    prep_minutes: int | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"New prep-time target in minutes, 0 to {limits.MAX_PREP_MINUTES} (null "
        "clears it: the station's default applies).",
    )


@strawberry.type(description="A menu item after a change.")
class MenuItemPayload:
    menu_item: MenuItemType = strawberry.field(description="The item as it is now.")

    @classmethod
    def from_model(cls, item: MenuItem, currency: str) -> MenuItemPayload:
        return cls(menu_item=MenuItemType.from_model(item, currency))


@strawberry.type(description="A deleted menu item.")
class DeleteMenuItemPayload:
    id: strawberry.ID = strawberry.field(description="Global id the deleted item had.")


MenuItemResult = result_union("MenuItemResult", MenuItemPayload, "The item, or why not.")
DeleteMenuItemResult = result_union(
    "DeleteMenuItemResult", DeleteMenuItemPayload, "The deleted item, or why not."
)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add a menu item (managers and admins).")
    @domain_mutation
    async def create_menu_item(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[MenuItemInput, strawberry.argument(description="The item.")],
    ) -> MenuItemResult:
        draft = service.MenuItemDraft(
            name=input.name,
            price=input.price,
            category=input.category,
            description=input.description,
            is_available=input.is_available,
            display_order=input.display_order,
            default_course=input.default_course,
            prep_minutes=input.prep_minutes,
        )

        item = await service.create_menu_item(session, actor=info.context.user, draft=draft)
        return MenuItemPayload.from_model(item, info.context.settings.currency)

    @strawberry.mutation(description="Change a menu item (managers and admins).")
    @domain_mutation
    async def update_menu_item(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        id: MenuItemId,
        input: Annotated[MenuItemUpdateInput, strawberry.argument(description="The changes.")],
    ) -> MenuItemResult:
        changes = service.MenuItemChanges(
            name=input.name,
            price=input.price,
            category=input.category,
            description=(
                service.UNSET if input.description is strawberry.UNSET else input.description
            ),
            is_available=input.is_available,
            display_order=input.display_order,
            default_course=input.default_course,
            prep_minutes=(
                service.UNSET if input.prep_minutes is strawberry.UNSET else input.prep_minutes
            ),
        )

        item = await service.update_menu_item(
            session,
            actor=info.context.user,
            item_id=decode_id(id, "MenuItem", field="id"),
            changes=changes,
        )
        return MenuItemPayload.from_model(item, info.context.settings.currency)

    @strawberry.mutation(description="Delete a menu item (managers and admins).")
    @domain_mutation
    async def delete_menu_item(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        id: MenuItemId,
    ) -> DeleteMenuItemResult:
        item_id = decode_id(id, "MenuItem", field="id")
        await service.delete_menu_item(session, actor=info.context.user, item_id=item_id)
        return DeleteMenuItemPayload(id=to_global_id("MenuItem", item_id))
