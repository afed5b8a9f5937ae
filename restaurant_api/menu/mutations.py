"""GraphQL mutations for modifier groups and options (managers and admins)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.graphql import Context, result_union
from restaurant_api.api.mutations import domain_mutation
from restaurant_api.api.node import decode_id, to_global_id
from restaurant_api.menu import modifiers, service
from restaurant_api.menu.graphql import (
    MenuItemId,
    MenuItemPayload,
    MenuItemResult,
    ModifierGroupType,
    ModifierOptionType,
)


@strawberry.input(description="A new option of a modifier group.")
class ModifierOptionInput:
    name: str = strawberry.field(description="Name, unique in its group, e.g. Bacon.")
    kitchen_name: str | None = strawberry.field(
        default=None, description="What the ticket prints, e.g. +BACON (default: the name)."
    )
    price_delta: Decimal = strawberry.field(
        default=Decimal(0),
        description="What it adds to the unit price, a decimal string with at most two "
        'decimals, e.g. "2.00"; negative is a credit, e.g. "-0.50".',
    )
    is_default: bool = strawberry.field(
        default=False, description="Chosen when a line sends no options."
    )
    is_available: bool = strawberry.field(default=True, description="False: 86'd.")
    display_order: int | None = strawberry.field(
        default=None, description="Position within its group (default: last)."
    )

    def draft(self) -> modifiers.OptionDraft:
        return modifiers.OptionDraft(
            name=self.name,
            kitchen_name=self.kitchen_name,
            price_delta=self.price_delta,
            is_default=self.is_default,
            is_available=self.is_available,
            display_order=self.display_order,
        )


@strawberry.input(description="Changes to an option; omitted fields stay as they are.")
class ModifierOptionUpdateInput:
    name: str | None = strawberry.field(default=None, description="New name.")
    kitchen_name: str | None = strawberry.field(default=None, description="New ticket name.")
    price_delta: Decimal | None = strawberry.field(
        default=None, description='New price delta as a decimal string, e.g. "1.50".'
    )
    is_default: bool | None = strawberry.field(default=None, description="Default or not.")
    is_available: bool | None = strawberry.field(
        default=None, description="False 86's the option (out of bacon); true brings it back."
    )
    display_order: int | None = strawberry.field(default=None, description="New position.")


@strawberry.input(description="A new modifier group, with its options.")
class ModifierGroupInput:
    name: str = strawberry.field(description="Name, unique regardless of case.")
    min_selections: int = strawberry.field(
        default=0, description="Fewest options a line must choose (0: optional; 1+: required)."
    )
    max_selections: int = strawberry.field(
        default=1,
        description=f"Most options a line may choose, 1 to {modifiers.MAX_OPTIONS_PER_LINE}.",
    )
    options: list[ModifierOptionInput] = strawberry.field(
        default_factory=list,
        description=f"Its options, at most {modifiers.MAX_OPTIONS_PER_GROUP}.",
    )


@strawberry.input(description="Changes to a modifier group; omitted fields stay as they are.")
class ModifierGroupUpdateInput:
    name: str | None = strawberry.field(default=None, description="New name.")
    min_selections: int | None = strawberry.field(default=None, description="New minimum.")
    max_selections: int | None = strawberry.field(default=None, description="New maximum.")


@strawberry.type(description="A modifier group after a change.")
class ModifierGroupPayload:
    modifier_group: ModifierGroupType = strawberry.field(description="The group as it is now.")


@strawberry.type(description="A deleted modifier group.")
class DeleteModifierGroupPayload:
    id: strawberry.ID = strawberry.field(description="Global id the deleted group had.")


@strawberry.type(description="An option after a change, and its group.")
class ModifierOptionPayload:
    modifier_option: ModifierOptionType = strawberry.field(
        description="The option as it is now (as it was, when removed)."
    )
    modifier_group: ModifierGroupType = strawberry.field(description="Its group as it is now.")


ModifierGroupResult = result_union(
    "ModifierGroupResult", ModifierGroupPayload, "The group, or why not."
)
DeleteModifierGroupResult = result_union(
    "DeleteModifierGroupResult", DeleteModifierGroupPayload, "The deleted group, or why not."
)
ModifierOptionResult = result_union(
    "ModifierOptionResult", ModifierOptionPayload, "The option, or why not."
)


def _group_id(value: strawberry.ID, field: str = "id") -> int:
    return decode_id(value, "ModifierGroup", field=field)


async def _option_payload(
    session: AsyncSession, option: modifiers.ModifierOption, currency: str
) -> ModifierOptionPayload:
    group = (await modifiers.modifier_groups_by_id(session, [option.group_id]))[option.group_id]
    return ModifierOptionPayload(
        modifier_option=ModifierOptionType.from_model(option, currency),
        modifier_group=ModifierGroupType.from_offered(group, currency),
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add a modifier group with its options (managers, admins).")
    @domain_mutation
    async def create_modifier_group(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[ModifierGroupInput, strawberry.argument(description="The group.")],
    ) -> ModifierGroupResult:
        draft = modifiers.GroupDraft(
            name=input.name,
            min_selections=input.min_selections,
            max_selections=input.max_selections,
            options=tuple(option.draft() for option in input.options),
        )
        group = await modifiers.create_modifier_group(session, actor=info.context.user, draft=draft)
        currency = info.context.settings.currency
        return ModifierGroupPayload(modifier_group=ModifierGroupType.from_offered(group, currency))

    @strawberry.mutation(description="Change a modifier group (managers and admins).")
    @domain_mutation
    async def update_modifier_group(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        id: Annotated[strawberry.ID, strawberry.argument(description="The group's global id.")],
        input: Annotated[ModifierGroupUpdateInput, strawberry.argument(description="The changes.")],
    ) -> ModifierGroupResult:
        changes = modifiers.GroupChanges(
            name=input.name,
            min_selections=input.min_selections,
            max_selections=input.max_selections,
        )
        group = await modifiers.update_modifier_group(
            session, actor=info.context.user, group_id=_group_id(id), changes=changes
        )
        currency = info.context.settings.currency
        return ModifierGroupPayload(modifier_group=ModifierGroupType.from_offered(group, currency))

    @strawberry.mutation(
        description="Delete a modifier group and its options (managers and admins); placed "
        "lines keep the options they were ordered with."
    )
    @domain_mutation
    async def delete_modifier_group(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        id: Annotated[strawberry.ID, strawberry.argument(description="The group's global id.")],
    ) -> DeleteModifierGroupResult:
        group_id = _group_id(id)
        await modifiers.delete_modifier_group(session, actor=info.context.user, group_id=group_id)
        return DeleteModifierGroupPayload(id=to_global_id("ModifierGroup", group_id))

    @strawberry.mutation(description="Add an option to a modifier group (managers and admins).")
    @domain_mutation
    async def add_modifier_option(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        group_id: Annotated[
            strawberry.ID, strawberry.argument(description="The group's global id.")
        ],
        input: Annotated[ModifierOptionInput, strawberry.argument(description="The option.")],
    ) -> ModifierOptionResult:
        option = await modifiers.add_modifier_option(
            session,
            actor=info.context.user,
            group_id=_group_id(group_id, "groupId"),
            draft=input.draft(),
        )
        return await _option_payload(session, option, info.context.settings.currency)

    @strawberry.mutation(
        description="Change an option (managers and admins); `isAvailable: false` 86's it."
    )
    @domain_mutation
    async def update_modifier_option(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        id: Annotated[strawberry.ID, strawberry.argument(description="The option's global id.")],
        input: Annotated[
            ModifierOptionUpdateInput, strawberry.argument(description="The changes.")
        ],
    ) -> ModifierOptionResult:
        changes = modifiers.OptionChanges(
            name=input.name,
            kitchen_name=input.kitchen_name,
            price_delta=input.price_delta,
            is_default=input.is_default,
            is_available=input.is_available,
            display_order=input.display_order,
        )
        option = await modifiers.update_modifier_option(
            session,
            actor=info.context.user,
            option_id=decode_id(id, "ModifierOption", field="id"),
            changes=changes,
        )
        return await _option_payload(session, option, info.context.settings.currency)

    @strawberry.mutation(
        description="Remove an option (managers and admins); placed lines keep their copy."
    )
    @domain_mutation
    async def remove_modifier_option(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        id: Annotated[strawberry.ID, strawberry.argument(description="The option's global id.")],
    ) -> ModifierOptionResult:
        option = await modifiers.remove_modifier_option(
            session,
            actor=info.context.user,
            option_id=decode_id(id, "ModifierOption", field="id"),
        )
        return await _option_payload(session, option, info.context.settings.currency)

    @strawberry.mutation(
        description="Set the modifier groups an item offers, in display order (the whole "
        "list; empty removes them all). Managers and admins."
    )
    @domain_mutation
    async def set_menu_item_modifier_groups(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        menu_item_id: MenuItemId,
        group_ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description=f"Global ids of the groups, at most {modifiers.MAX_GROUPS_PER_ITEM}."
            ),
        ],
    ) -> MenuItemResult:
        item_id = decode_id(menu_item_id, "MenuItem", field="menuItemId")
        ids = [_group_id(g, f"groupIds.{i}") for i, g in enumerate(group_ids)]
        await modifiers.set_menu_item_modifier_groups(
            session, actor=info.context.user, item_id=item_id, group_ids=ids
        )
        item = await service.get_menu_item(session, item_id)
        return MenuItemPayload.from_model(item, info.context.settings.currency)
