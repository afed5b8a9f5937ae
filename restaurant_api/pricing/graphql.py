"""GraphQL types and queries of the pricing domain: its enums, tax rates, preset discounts
and service-charge rules (the mutations are in `pricing/mutations.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from restaurant_api.api.graphql import (
    Context,
    IsAuthenticated,
    Money,
    described_enum,
    from_row,
    signed_in,
)
from restaurant_api.api.node import Node, register_node, to_global_id
from restaurant_api.money import format_rate
from restaurant_api.pricing import service
from restaurant_api.pricing.models import (
    AdjustmentKind,
    DiningOption,
    DiscountPreset,
    DiscountScope,
    ServiceChargeRule,
)

DiningOptionType = described_enum(
    DiningOption,
    description="How the guest eats the order: taxes and service charges can depend on it.",
)

AdjustmentKindType = described_enum(
    AdjustmentKind, description="How a discount or a service charge is expressed."
)

DiscountScopeType = described_enum(DiscountScope, description="What a preset discount applies to.")

# Planning size of `TaxRate.categories` for the cost check (menus have a handful).
CATEGORIES_PER_RATE = 20


def _dining_options(values: Sequence[str]) -> list[DiningOption]:
    return [DiningOption(value) for value in values]


def _rate(ppm: int) -> Decimal:
    return Decimal(format_rate(ppm))


@strawberry.type(
    name="TaxRate",
    description="A named tax rate: what it applies to is its menu items, its categories, or "
    "(as a default) every item with neither. Lines copy their rates when ordered.",
)
class TaxRateType(Node):
    database_id: int = strawberry.field(description="The integer id.")
    name: str = strawberry.field(
        description="Name as the check shows it, unique regardless of case."
    )
    rate: Decimal = strawberry.field(
        description='The rate as an exact decimal percentage string, e.g. "8.875" (0 to 100).'
    )
    inclusive: bool = strawberry.field(
        description="True: the menu price already contains the tax (VAT); false: it is added."
    )
    is_default: bool = strawberry.field(
        description="Applies to every item with no rates of its own or of its category."
    )
    dining_options: list[DiningOptionType] = strawberry.field(
        description="The dining options it applies to; empty means all of them."
    )
    is_active: bool = strawberry.field(
        description="False once retired: it applies to nothing and cannot be assigned."
    )
    menu_item_ids: list[strawberry.ID] = strawberry.field(
        description="Global ids of the menu items it is assigned to (they take their own "
        "rates instead of their category's or the defaults)."
    )
    categories: list[str] = strawberry.field(
        description="The menu categories it is assigned to (matched regardless of case)."
    )
    updated_at: datetime = strawberry.field(description="Last change (UTC).")

    @classmethod
    def from_view(cls, view: service.TaxRateView) -> TaxRateType:
        rate = view.rate
        return from_row(
            cls,
            rate,
            rate=_rate(rate.rate_ppm),
            dining_options=_dining_options(rate.dining_options),
            menu_item_ids=[to_global_id("MenuItem", item_id) for item_id in view.menu_item_ids],
            categories=list(view.categories),
        )


def _terms(kind: str, rate_ppm: int, amount_cents: int, currency: str) -> dict[str, Any]:
    percent = kind == AdjustmentKind.PERCENT
    return {
        "kind": AdjustmentKind(kind),
        "rate": _rate(rate_ppm) if percent else None,
        "amount": None if percent else Money.from_cents(amount_cents, currency),
    }


@strawberry.type(
    name="DiscountPreset",
    description="A discount from the managed list. Servers apply presets that need no "
    "approval; the others need a manager (a server can request them).",
)
class DiscountPresetType(Node):
    database_id: int = strawberry.field(description="The integer id.")
    name: str = strawberry.field(
        description="Name as the check shows it, unique regardless of case."
    )
    kind: AdjustmentKindType = strawberry.field(description="A percentage or an amount.")
    rate: Decimal | None = strawberry.field(
        description='PERCENT presets: the percentage as an exact decimal string, e.g. "10".'
    )
    amount: Money | None = strawberry.field(description="AMOUNT presets: the amount off.")
    scope: DiscountScopeType = strawberry.field(description="One line, or the whole check.")
    requires_approval: bool = strawberry.field(
        description="True: only a manager or admin applies it, or approves a server's request."
    )
    is_active: bool = strawberry.field(description="False once retired: it cannot be applied.")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")

    @classmethod
    def from_model(cls, preset: DiscountPreset, currency: str) -> DiscountPresetType:
        terms = _terms(preset.kind, preset.rate_ppm, preset.amount_cents, currency)
        return from_row(cls, preset, scope=DiscountScope(preset.scope), **terms)


@strawberry.type(
    name="ServiceChargeRule",
    description="A service charge a check can carry: added by itself to parties of "
    "`autoMinGuests` or more (automatic gratuity), or by a manager by hand.",
)
class ServiceChargeRuleType(Node):
    database_id: int = strawberry.field(description="The integer id.")
    name: str = strawberry.field(
        description="Name as the check shows it, unique regardless of case."
    )
    kind: AdjustmentKindType = strawberry.field(description="A percentage or an amount.")
    rate: Decimal | None = strawberry.field(
        description='PERCENT rules: the percentage of the discounted subtotal, e.g. "18".'
    )
    amount: Money | None = strawberry.field(description="AMOUNT rules: the amount charged.")
    taxable: bool = strawberry.field(
        description="True: taxed at the default rates in force when it is added to a check."
    )
    auto_min_guests: int | None = strawberry.field(
        description="Added by itself to checks of this many guests or more; null: by hand only."
    )
    dining_options: list[DiningOptionType] = strawberry.field(
        description="The dining options it is added automatically to; empty means all."
    )
    is_active: bool = strawberry.field(description="False once retired: it is never added.")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")

    @classmethod
    def from_model(cls, rule: ServiceChargeRule, currency: str) -> ServiceChargeRuleType:
        terms = _terms(rule.kind, rule.rate_ppm, rule.amount_cents, currency)
        return from_row(cls, rule, dining_options=_dining_options(rule.dining_options), **terms)


async def _load_tax_rates(context: Context, ids: Sequence[int]) -> list[TaxRateType | None]:
    async with context.use_session() as session:
        found = await service.tax_rate_views_by_id(session, ids)
    return [TaxRateType.from_view(found[i]) if i in found else None for i in ids]


async def _load_presets(context: Context, ids: Sequence[int]) -> list[DiscountPresetType | None]:
    async with context.use_session() as session:
        found = await service.discount_presets_by_id(session, list(ids))
    currency = context.settings.currency
    return [DiscountPresetType.from_model(found[i], currency) if i in found else None for i in ids]


async def _load_rules(context: Context, ids: Sequence[int]) -> list[ServiceChargeRuleType | None]:
    async with context.use_session() as session:
        found = await service.service_charge_rules_by_id(session, ids)
    currency = context.settings.currency
    return [
        ServiceChargeRuleType.from_model(found[i], currency) if i in found else None for i in ids
    ]


# Read like their lists: by any signed-in staff member.
register_node("TaxRate", _load_tax_rates, permission_classes=[IsAuthenticated])
register_node("DiscountPreset", _load_presets, permission_classes=[IsAuthenticated])
register_node("ServiceChargeRule", _load_rules, permission_classes=[IsAuthenticated])

ActiveArgument = Annotated[
    bool | None,
    strawberry.argument(description="Only active (true) or retired (false) ones; null: all."),
]


@strawberry.type
class Query:
    @signed_in(
        "The tax rates by name, with what they are assigned to (at most 200). "
        "Any signed-in staff member."
    )
    async def tax_rates(
        self, info: Info[Context, None], active: ActiveArgument = None
    ) -> list[TaxRateType] | None:
        async with info.context.use_session() as session:
            views = await service.list_tax_rates(session, actor=info.context.user, active=active)
        return [TaxRateType.from_view(view) for view in views]

    @signed_in("The preset discounts by name (at most 200). Any signed-in staff member.")
    async def discount_presets(
        self, info: Info[Context, None], active: ActiveArgument = None
    ) -> list[DiscountPresetType] | None:
        async with info.context.use_session() as session:
            presets = await service.list_discount_presets(
                session, actor=info.context.user, active=active
            )
        currency = info.context.settings.currency
        return [DiscountPresetType.from_model(preset, currency) for preset in presets]

    @signed_in("The service-charge rules by name (at most 200). Any signed-in staff member.")
    async def service_charge_rules(
        self, info: Info[Context, None], active: ActiveArgument = None
    ) -> list[ServiceChargeRuleType] | None:
        async with info.context.use_session() as session:
            rules = await service.list_service_charge_rules(
                session, actor=info.context.user, active=active
            )
        currency = info.context.settings.currency
        return [ServiceChargeRuleType.from_model(rule, currency) for rule in rules]
