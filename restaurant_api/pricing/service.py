"""The pricing domain's public interface: the check computation, the tax rates a line
takes at order time, and the configuration (tax rates and their assignments in `taxes`,
preset discounts in `presets`, service-charge rules in `charge_rules`).

Other domains import from here (`engine` is pure and re-exported as it is).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import String, cast, literal_column, select, union_all
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import OneOf, json_list, raw_column, table_of
from restaurant_api.db_rows import Read, transaction_rows
from restaurant_api.pricing.charge_rules import (
    ServiceChargeRuleChanges,
    ServiceChargeRuleDraft,
    ServiceChargeRuleNotFound,
    all_automatic_charge_rules,
    automatic_charge_rules,
    automatic_rules_read,
    create_service_charge_rule,
    list_service_charge_rules,
    load_service_charge_rule,
    rule_is_due,
    service_charge_rules_by_id,
    update_service_charge_rule,
)
from restaurant_api.pricing.engine import (
    AMOUNT,
    PERCENT,
    PPM,
    Amounts,
    AppliedCharge,
    AppliedDiscount,
    ChargeToApply,
    Check,
    DiscountToApply,
    LinePrice,
    LineToPrice,
    TaxAmount,
    TaxKey,
    TaxSnapshot,
    even_shares,
    half_up,
    price_check,
    rate_of,
)
from restaurant_api.pricing.models import (
    AdjustmentKind,
    CategoryTaxRate,
    DiningOption,
    DiscountPreset,
    DiscountScope,
    MenuItemTaxRate,
    ServiceChargeRule,
    TaxRate,
)
from restaurant_api.pricing.presets import (
    DiscountPresetChanges,
    DiscountPresetDraft,
    DiscountPresetNotFound,
    create_discount_preset,
    discount_presets_by_id,
    list_discount_presets,
    load_discount_preset,
    update_discount_preset,
)
from restaurant_api.pricing.rules import NameTaken
from restaurant_api.pricing.taxes import (
    TaxRateChanges,
    TaxRateDraft,
    TaxRateNotFound,
    TaxRateView,
    create_tax_rate,
    get_tax_rate,
    list_tax_rates,
    set_category_tax_rates,
    set_menu_item_tax_rates,
    tax_rate_views_by_id,
    update_tax_rate,
)
from restaurant_api.raw_reads import prebuilt

__all__ = [
    "AMOUNT",
    "PERCENT",
    "PPM",
    "AdjustmentKind",
    "Amounts",
    "AppliedCharge",
    "AppliedDiscount",
    "ChargeToApply",
    "Check",
    "DiningOption",
    "DiscountPreset",
    "DiscountPresetChanges",
    "DiscountPresetDraft",
    "DiscountPresetNotFound",
    "DiscountScope",
    "DiscountToApply",
    "LinePrice",
    "LineToPrice",
    "NameTaken",
    "ServiceChargeRule",
    "ServiceChargeRuleChanges",
    "ServiceChargeRuleDraft",
    "ServiceChargeRuleNotFound",
    "TaxAmount",
    "TaxKey",
    "TaxRate",
    "TaxRateChanges",
    "TaxRateDraft",
    "TaxRateNotFound",
    "TaxRateView",
    "TaxRates",
    "TaxSnapshot",
    "all_automatic_charge_rules",
    "automatic_charge_rules",
    "automatic_rules_read",
    "create_discount_preset",
    "create_service_charge_rule",
    "create_tax_rate",
    "discount_presets_by_id",
    "even_shares",
    "get_discount_preset",
    "get_service_charge_rule",
    "get_tax_rate",
    "half_up",
    "list_discount_presets",
    "list_service_charge_rules",
    "list_tax_rates",
    "load_discount_preset",
    "load_service_charge_rule",
    "load_tax_rates",
    "price_check",
    "rate_of",
    "rule_is_due",
    "service_charge_rules_by_id",
    "set_category_tax_rates",
    "set_menu_item_tax_rates",
    "tax_rate_views_by_id",
    "tax_rates_read",
    "update_discount_preset",
    "update_service_charge_rule",
    "update_tax_rate",
]


@dataclass(frozen=True, slots=True)
class TaxRates:
    """The active rates and their assignments, read once per request that prices lines.

    A line takes its menu item's rates if it has any, else its category's, else the
    default rates; taxable service charges take the default rates.
    """

    by_item: dict[int, tuple[TaxSnapshot, ...]]
    by_category: dict[str, tuple[TaxSnapshot, ...]]
    defaults: tuple[TaxSnapshot, ...]

    def for_line(self, menu_item_id: int | None, category: str) -> tuple[TaxSnapshot, ...]:
        if menu_item_id is not None and menu_item_id in self.by_item:
            return self.by_item[menu_item_id]
        return self.by_category.get(category.lower(), self.defaults)


_RATES = table_of(TaxRate)
_ITEM_LINKS = table_of(MenuItemTaxRate)
_CATEGORY_LINKS = table_of(CategoryTaxRate)
# The assignments that can apply to some menu items' lines: theirs, and every category's.
_LINKS = union_all(
    select(
        literal_column("'item'").label("kind"),
        cast(_ITEM_LINKS.c.menu_item_id, String).label("key"),
        _ITEM_LINKS.c.tax_rate_id,
    ).where(OneOf(_ITEM_LINKS.c.menu_item_id, "item_ids")),
    select(literal_column("'category'"), _CATEGORY_LINKS.c.category, _CATEGORY_LINKS.c.tax_rate_id),
).subquery("links")
# Built once (writes that price lines read it in their transaction, `transaction_rows`):
# each active rate with each of those assignments, or once with none.
_ACTIVE_RATES_WITH_LINKS = prebuilt(
    select(
        _RATES.c.id,
        _RATES.c.name,
        _RATES.c.rate_ppm,
        _RATES.c.inclusive,
        _RATES.c.is_default,
        raw_column(_RATES.c.dining_options),
        _LINKS.c.kind,
        _LINKS.c.key,
    )
    .select_from(_RATES.outerjoin(_LINKS, _LINKS.c.tax_rate_id == _RATES.c.id))
    .where(_RATES.c.is_active)
)


def tax_rates_read(menu_item_ids: Iterable[int] = ()) -> Read:
    """The read `load_tax_rates` makes for these items (for `prefetch_rows`)."""
    return _ACTIVE_RATES_WITH_LINKS, {"item_ids": sorted(set(menu_item_ids))}


async def load_tax_rates(session: AsyncSession, menu_item_ids: Iterable[int] = ()) -> TaxRates:
    """The rates lines of these menu items (and any category) take: one read."""
    rates: dict[int, TaxSnapshot] = {}
    by_item: dict[int, list[TaxSnapshot]] = {}
    by_category: dict[str, list[TaxSnapshot]] = {}
    defaults: list[TaxSnapshot] = []
    rows = await transaction_rows(session, *tax_rates_read(menu_item_ids))
    for rate_id, name, rate_ppm, inclusive, is_default, dining_options, kind, key in rows:
        rate = rates.get(rate_id)
        if rate is None:
            rate = rates[rate_id] = TaxSnapshot(
                id=rate_id,
                name=name,
                rate_ppm=rate_ppm,
                inclusive=bool(inclusive),
                dining_options=tuple(json_list(dining_options)),
            )
            if is_default:
                defaults.append(rate)
        if kind == "item":
            by_item.setdefault(int(key), []).append(rate)
        elif kind == "category":
            by_category.setdefault(key.lower(), []).append(rate)
    return TaxRates(
        by_item={key: _ordered(value) for key, value in by_item.items()},
        by_category={key: _ordered(value) for key, value in by_category.items()},
        defaults=_ordered(defaults),
    )


def _ordered(rates: Iterable[TaxSnapshot]) -> tuple[TaxSnapshot, ...]:
    return tuple(sorted(rates, key=lambda rate: (rate.name.lower(), rate.id or 0)))


# --- reads for the orders' adjustments (discounts, service charges) -------------------------


async def get_discount_preset(session: AsyncSession, preset_id: int) -> DiscountPreset:
    """An active preset discount (its terms are copied onto the order's discount)."""
    preset = await load_discount_preset(session, preset_id)
    if not preset.is_active:
        raise DiscountPresetNotFound()
    return preset


async def get_service_charge_rule(session: AsyncSession, rule_id: int) -> ServiceChargeRule:
    """An active service-charge rule (its terms are copied onto the order's charge)."""
    rule = await load_service_charge_rule(session, rule_id)
    if not rule.is_active:
        raise ServiceChargeRuleNotFound()
    return rule
