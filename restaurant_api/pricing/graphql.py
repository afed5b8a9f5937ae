"""GraphQL types of the pricing domain."""

from __future__ import annotations

from restaurant_api.api.graphql import described_enum
from restaurant_api.pricing.models import AdjustmentKind, DiningOption, DiscountScope

DiningOptionType = described_enum(
    DiningOption,
    name="DiningOption",
    description="How the guest eats the order: taxes and service charges can depend on it.",
    values={
        DiningOption.DINE_IN: "At a table (or the counter) in the restaurant.",
        DiningOption.TAKEOUT: "Picked up and eaten elsewhere; no table.",
        DiningOption.DELIVERY: "Delivered to the guest; no table.",
    },
)

AdjustmentKindType = described_enum(
    AdjustmentKind,
    name="AdjustmentKind",
    description="How a discount or a service charge is expressed.",
    values={
        AdjustmentKind.PERCENT: "A percentage (`rate`) of the amount it applies to.",
        AdjustmentKind.AMOUNT: "A fixed `amount`.",
    },
)

DiscountScopeType = described_enum(
    DiscountScope,
    name="DiscountScope",
    description="What a preset discount applies to.",
    values={
        DiscountScope.LINE: "One line of a check.",
        DiscountScope.CHECK: "The whole check.",
    },
)
