"""GraphQL mutations of the pricing configuration (managers and admins): tax rates and
their assignments, preset discounts, service-charge rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.graphql import Context, result_union
from restaurant_api.api.mutations import domain_mutation
from restaurant_api.api.node import decode_id, to_global_id
from restaurant_api.inputs import UNSET
from restaurant_api.pricing import service
from restaurant_api.pricing.graphql import (
    AdjustmentKindType,
    DiningOptionType,
    DiscountPresetType,
    DiscountScopeType,
    ServiceChargeRuleType,
    TaxRateType,
)

RATE = 'A percentage as an exact decimal string, 0 to 100, at most four decimals, e.g. "8.875".'
DINING = "The dining options it applies to, each once; empty (the default) means all."
KIND = "PERCENT (give `rate`) or AMOUNT (give `amount`)."


def _optional_options(values: list[DiningOptionType] | None) -> list[str] | None:
    return None if values is None else [value.value for value in values]


def _options(values: list[DiningOptionType]) -> list[str]:
    return [value.value for value in values]


def _kind(value: AdjustmentKindType | None) -> str | None:
    return None if value is None else value.value


def _tax_rate_ids(values: list[strawberry.ID]) -> list[int]:
    return [
        decode_id(value, "TaxRate", field=f"taxRateIds.{index}")
        for index, value in enumerate(values)
    ]


# --- tax rates ----------------------------------------------------------------------------


@strawberry.input(description="A new tax rate.")
class TaxRateInput:
    name: str = strawberry.field(description="Name as checks show it (1-60 characters, unique).")
    rate: Decimal = strawberry.field(description=RATE)
    inclusive: bool = strawberry.field(
        default=False, description="True: menu prices already contain it (VAT)."
    )
    is_default: bool = strawberry.field(
        default=False, description="Applies to items with no rates of their own or category's."
    )
    dining_options: list[DiningOptionType] = strawberry.field(
        default_factory=list, description=DINING
    )


@strawberry.input(description="Changes to a tax rate; omitted fields stay as they are.")
class TaxRateUpdateInput:
    name: str | None = strawberry.field(default=None, description="New name.")
    rate: Decimal | None = strawberry.field(default=None, description="New rate. " + RATE)
    inclusive: bool | None = strawberry.field(default=None, description="Inclusive or not.")
    is_default: bool | None = strawberry.field(default=None, description="A default rate or not.")
    dining_options: list[DiningOptionType] | None = strawberry.field(
        default=None, description="New dining options; empty means all."
    )
    is_active: bool | None = strawberry.field(
        default=None, description="False retires it (it then applies to nothing); true revives it."
    )


@strawberry.type(description="A tax rate after a change.")
class TaxRatePayload:
    tax_rate: TaxRateType = strawberry.field(description="The rate as it is now.")


@strawberry.input(description="The whole list of tax rates of one menu item.")
class MenuItemTaxRatesInput:
    menu_item_id: strawberry.ID = strawberry.field(description="The menu item's global id.")
    tax_rate_ids: list[strawberry.ID] = strawberry.field(
        description="Its rates (at most 10, active, each once); empty: it takes its "
        "category's rates again. To exempt an item, give it a 0% rate."
    )


@strawberry.type(description="A menu item's tax rates after a change.")
class MenuItemTaxRatesPayload:
    menu_item_id: strawberry.ID = strawberry.field(description="The menu item's global id.")
    tax_rates: list[TaxRateType] = strawberry.field(description="Its rates, as given.")


@strawberry.input(description="The whole list of tax rates of one menu category.")
class CategoryTaxRatesInput:
    category: str = strawberry.field(
        description="The menu category (matched regardless of case; 1-60 characters)."
    )
    tax_rate_ids: list[strawberry.ID] = strawberry.field(
        description="Its rates (at most 10, active, each once); empty: its items take the "
        "default rates again."
    )


@strawberry.type(description="A category's tax rates after a change.")
class CategoryTaxRatesPayload:
    category: str = strawberry.field(description="The category as stored.")
    tax_rates: list[TaxRateType] = strawberry.field(description="Its rates, as given.")


# --- preset discounts ---------------------------------------------------------------------


@strawberry.input(description="A new preset discount.")
class DiscountPresetInput:
    name: str = strawberry.field(description="Name as checks show it (1-60 characters, unique).")
    kind: AdjustmentKindType = strawberry.field(description=KIND)
    scope: DiscountScopeType = strawberry.field(description="One line, or the whole check.")
    rate: Decimal | None = strawberry.field(
        default=None, description="PERCENT: more than 0, at most 100. " + RATE
    )
    amount: Decimal | None = strawberry.field(
        default=None, description='AMOUNT: more than 0, at most two decimals, e.g. "5.00".'
    )
    requires_approval: bool = strawberry.field(
        default=False, description="True: only managers and admins apply or approve it."
    )


@strawberry.input(
    description="Changes to a preset discount; omitted fields stay as they are. A new "
    "`kind` needs its `rate` or `amount`."
)
class DiscountPresetUpdateInput:
    name: str | None = strawberry.field(default=None, description="New name.")
    kind: AdjustmentKindType | None = strawberry.field(default=None, description=KIND)
    scope: DiscountScopeType | None = strawberry.field(default=None, description="New scope.")
    rate: Decimal | None = strawberry.field(default=None, description="New rate. " + RATE)
    amount: Decimal | None = strawberry.field(default=None, description="New amount.")
    requires_approval: bool | None = strawberry.field(
        default=None, description="Whether it needs a manager."
    )
    is_active: bool | None = strawberry.field(
        default=None, description="False retires it (it can no longer be applied)."
    )


@strawberry.type(description="A preset discount after a change.")
class DiscountPresetPayload:
    discount_preset: DiscountPresetType = strawberry.field(description="The preset as it is now.")


# --- service-charge rules -----------------------------------------------------------------


@strawberry.input(description="A new service-charge rule.")
class ServiceChargeRuleInput:
    name: str = strawberry.field(description="Name as checks show it (1-60 characters, unique).")
    kind: AdjustmentKindType = strawberry.field(description=KIND)
    rate: Decimal | None = strawberry.field(
        default=None, description="PERCENT: of the discounted subtotal, more than 0. " + RATE
    )
    amount: Decimal | None = strawberry.field(
        default=None, description='AMOUNT: more than 0, at most two decimals, e.g. "3.50".'
    )
    taxable: bool = strawberry.field(
        default=False, description="True: taxed at the default rates when added to a check."
    )
    auto_min_guests: int | None = strawberry.field(
        default=None,
        description="Added by itself to checks of this many guests or more (1-500); null: "
        "added by hand only.",
    )
    dining_options: list[DiningOptionType] = strawberry.field(
        default_factory=list,
        description="The dining options it is added automatically to, each once; empty: all.",
    )


@strawberry.input(
    description="Changes to a service-charge rule; omitted fields stay as they are. A new "
    "`kind` needs its `rate` or `amount`."
)
class ServiceChargeRuleUpdateInput:
    name: str | None = strawberry.field(default=None, description="New name.")
    kind: AdjustmentKindType | None = strawberry.field(default=None, description=KIND)
    rate: Decimal | None = strawberry.field(default=None, description="New rate. " + RATE)
    amount: Decimal | None = strawberry.field(default=None, description="New amount.")
    taxable: bool | None = strawberry.field(default=None, description="Taxable or not.")
    auto_min_guests: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="New party size for automatic charging (1-500); null: by hand only.",
    )
    dining_options: list[DiningOptionType] | None = strawberry.field(
        default=None, description="New dining options; empty means all."
    )
    is_active: bool | None = strawberry.field(
        default=None, description="False retires it (never added again)."
    )


@strawberry.type(description="A service-charge rule after a change.")
class ServiceChargeRulePayload:
    service_charge_rule: ServiceChargeRuleType = strawberry.field(
        description="The rule as it is now."
    )


TaxRateResult = result_union("TaxRateResult", TaxRatePayload, "The rate, or why not.")
MenuItemTaxRatesResult = result_union(
    "MenuItemTaxRatesResult", MenuItemTaxRatesPayload, "The item's rates, or why not."
)
CategoryTaxRatesResult = result_union(
    "CategoryTaxRatesResult", CategoryTaxRatesPayload, "The category's rates, or why not."
)
DiscountPresetResult = result_union(
    "DiscountPresetResult", DiscountPresetPayload, "The preset, or why not."
)
ServiceChargeRuleResult = result_union(
    "ServiceChargeRuleResult", ServiceChargeRulePayload, "The rule, or why not."
)

TaxRateId = Annotated[strawberry.ID, strawberry.argument(description="The tax rate's global id.")]
PresetId = Annotated[strawberry.ID, strawberry.argument(description="The preset's global id.")]
RuleId = Annotated[strawberry.ID, strawberry.argument(description="The rule's global id.")]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add a tax rate (managers and admins).")
    @domain_mutation
    async def create_tax_rate(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[TaxRateInput, strawberry.argument(description="The rate.")],
    ) -> TaxRateResult:
        draft = service.TaxRateDraft(
            name=input.name,
            rate=input.rate,
            inclusive=input.inclusive,
            is_default=input.is_default,
            dining_options=_options(input.dining_options),
        )
        view = await service.create_tax_rate(session, actor=info.context.user, draft=draft)
        return TaxRatePayload(tax_rate=TaxRateType.from_view(view))

    @strawberry.mutation(
        description="Change or retire a tax rate (managers and admins). Orders placed "
        "before keep the rates their lines copied."
    )
    @domain_mutation
    async def update_tax_rate(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        id: TaxRateId,
        input: Annotated[TaxRateUpdateInput, strawberry.argument(description="The changes.")],
    ) -> TaxRateResult:
        changes = service.TaxRateChanges(
            name=input.name,
            rate=input.rate,
            inclusive=input.inclusive,
            is_default=input.is_default,
            dining_options=_optional_options(input.dining_options),
            is_active=input.is_active,
        )
        view = await service.update_tax_rate(
            session,
            actor=info.context.user,
            rate_id=decode_id(id, "TaxRate", field="id"),
            changes=changes,
        )
        return TaxRatePayload(tax_rate=TaxRateType.from_view(view))

    @strawberry.mutation(
        description="Set the whole list of a menu item's tax rates (managers and admins): "
        "they replace its category's rates and the defaults for that item."
    )
    @domain_mutation
    async def set_menu_item_tax_rates(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[MenuItemTaxRatesInput, strawberry.argument(description="The list.")],
    ) -> MenuItemTaxRatesResult:
        item_id = decode_id(input.menu_item_id, "MenuItem", field="menuItemId")
        views = await service.set_menu_item_tax_rates(
            session,
            actor=info.context.user,
            menu_item_id=item_id,
            tax_rate_ids=_tax_rate_ids(input.tax_rate_ids),
        )
        return MenuItemTaxRatesPayload(
            menu_item_id=to_global_id("MenuItem", item_id),
            tax_rates=[TaxRateType.from_view(view) for view in views],
        )

    @strawberry.mutation(
        description="Set the whole list of a menu category's tax rates (managers and "
        "admins): they replace the defaults for its items with no rates of their own."
    )
    @domain_mutation
    async def set_category_tax_rates(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[CategoryTaxRatesInput, strawberry.argument(description="The list.")],
    ) -> CategoryTaxRatesResult:
        category, views = await service.set_category_tax_rates(
            session,
            actor=info.context.user,
            category=input.category,
            tax_rate_ids=_tax_rate_ids(input.tax_rate_ids),
        )
        return CategoryTaxRatesPayload(
            category=category, tax_rates=[TaxRateType.from_view(view) for view in views]
        )

    @strawberry.mutation(description="Add a preset discount (managers and admins).")
    @domain_mutation
    async def create_discount_preset(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[DiscountPresetInput, strawberry.argument(description="The preset.")],
    ) -> DiscountPresetResult:
        draft = service.DiscountPresetDraft(
            name=input.name,
            kind=input.kind.value,
            scope=input.scope.value,
            rate=input.rate,
            amount=input.amount,
            requires_approval=input.requires_approval,
        )
        preset = await service.create_discount_preset(session, actor=info.context.user, draft=draft)
        currency = info.context.settings.currency
        return DiscountPresetPayload(
            discount_preset=DiscountPresetType.from_model(preset, currency)
        )

    @strawberry.mutation(
        description="Change or retire a preset discount (managers and admins). Discounts "
        "already on checks keep the terms they copied."
    )
    @domain_mutation
    async def update_discount_preset(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        id: PresetId,
        input: Annotated[
            DiscountPresetUpdateInput, strawberry.argument(description="The changes.")
        ],
    ) -> DiscountPresetResult:
        changes = service.DiscountPresetChanges(
            name=input.name,
            kind=_kind(input.kind),
            rate=input.rate,
            amount=input.amount,
            scope=None if input.scope is None else input.scope.value,
            requires_approval=input.requires_approval,
            is_active=input.is_active,
        )
        preset = await service.update_discount_preset(
            session,
            actor=info.context.user,
            preset_id=decode_id(id, "DiscountPreset", field="id"),
            changes=changes,
        )
        currency = info.context.settings.currency
        return DiscountPresetPayload(
            discount_preset=DiscountPresetType.from_model(preset, currency)
        )

    @strawberry.mutation(description="Add a service-charge rule (managers and admins).")
    @domain_mutation
    async def create_service_charge_rule(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[ServiceChargeRuleInput, strawberry.argument(description="The rule.")],
    ) -> ServiceChargeRuleResult:
        draft = service.ServiceChargeRuleDraft(
            name=input.name,
            kind=input.kind.value,
            rate=input.rate,
            amount=input.amount,
            taxable=input.taxable,
            auto_min_guests=input.auto_min_guests,
            dining_options=_options(input.dining_options),
        )
        rule = await service.create_service_charge_rule(
            session, actor=info.context.user, draft=draft
        )
        currency = info.context.settings.currency
        return ServiceChargeRulePayload(
            service_charge_rule=ServiceChargeRuleType.from_model(rule, currency)
        )

    @strawberry.mutation(
        description="Change or retire a service-charge rule (managers and admins). Charges "
        "already on checks keep the terms they copied."
    )
    @domain_mutation
    async def update_service_charge_rule(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        id: RuleId,
        input: Annotated[
            ServiceChargeRuleUpdateInput, strawberry.argument(description="The changes.")
        ],
    ) -> ServiceChargeRuleResult:
        changes = service.ServiceChargeRuleChanges(
            name=input.name,
            kind=_kind(input.kind),
            rate=input.rate,
            amount=input.amount,
            taxable=input.taxable,
            auto_min_guests=(
                UNSET if input.auto_min_guests is strawberry.UNSET else input.auto_min_guests
            ),
            dining_options=_optional_options(input.dining_options),
            is_active=input.is_active,
        )
        rule = await service.update_service_charge_rule(
            session,
            actor=info.context.user,
            rule_id=decode_id(id, "ServiceChargeRule", field="id"),
            changes=changes,
        )
        currency = info.context.settings.currency
        return ServiceChargeRulePayload(
            service_charge_rule=ServiceChargeRuleType.from_model(rule, currency)
        )
