"""GraphQL types of an order's adjustments: discounts and comps, service charges, and the
audit trail of every change to what the check charges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry

from restaurant_api.api.graphql import Context, IsAuthenticated, Money, described_enum, from_row
from restaurant_api.api.node import Node, optional_global_id, register_node, to_global_id
from restaurant_api.api.pagination import connection_type
from restaurant_api.money import format_rate
from restaurant_api.orders import loaders
from restaurant_api.orders.models import (
    AdjustmentStatus,
    OrderAuditEntry,
    OrderDiscount,
    OrderServiceCharge,
)
from restaurant_api.pricing.graphql import AdjustmentKindType

AdjustmentStatusType = described_enum(
    AdjustmentStatus, description="Where a discount or service charge of an order stands."
)


def _terms(adjustment: OrderDiscount | OrderServiceCharge, currency: str) -> dict[str, Any]:
    """The kind of an adjustment, and its rate (percent) or its amount (amount)."""
    percent = adjustment.kind == AdjustmentKindType.PERCENT
    return {
        "kind": AdjustmentKindType(adjustment.kind),
        "rate": format_rate(adjustment.rate_ppm) if percent else None,
        "amount": None if percent else Money.from_cents(adjustment.amount_cents, currency),
    }


@strawberry.type(
    name="OrderDiscount",
    description="A discount or comp on one line or on the whole check; its terms are copied "
    "from the preset when it is requested.",
)
class OrderDiscountType(Node):
    database_id: int = strawberry.field(description="The integer id.")
    name: str = strawberry.field(description="Preset name, 'Comp', or the name typed in.")
    kind: AdjustmentKindType = strawberry.field(description="percent or amount.")
    rate: str | None = strawberry.field(
        description='Percentage for the percent kind, exact (e.g. "12.5"); null otherwise.'
    )
    amount: Money | None = strawberry.field(
        description="Amount for the amount kind; null otherwise (what it takes off after the "
        "caps is in the check)."
    )
    is_comp: bool = strawberry.field(description="A comp: 100% of one line.")
    reason: str = strawberry.field(description="Why it was asked for.")
    status: AdjustmentStatusType = strawberry.field(
        description="pending, applied, denied or removed."
    )
    line_id: strawberry.ID | None = strawberry.field(
        description="Global id of the line it is on; null for the whole check."
    )
    preset_id: strawberry.ID | None = strawberry.field(
        description="Global id of the preset it was copied from (DiscountPreset), if any."
    )
    requested_by_id: strawberry.ID | None = strawberry.field(description="Who asked (User).")
    approved_by_id: strawberry.ID | None = strawberry.field(
        description="The manager who applied, approved or denied it, when one had to (User)."
    )
    removed_by_id: strawberry.ID | None = strawberry.field(description="Who removed it (User).")
    remove_reason: str | None = strawberry.field(description="Why it was denied or removed.")
    created_at: datetime = strawberry.field(description="When it was asked for (UTC).")
    decided_at: datetime | None = strawberry.field(description="When a manager decided (UTC).")
    removed_at: datetime | None = strawberry.field(description="When it was removed (UTC).")

    @classmethod
    def from_model(cls, discount: OrderDiscount, currency: str) -> OrderDiscountType:
        return from_row(
            cls,
            discount,
            **_terms(discount, currency),
            status=AdjustmentStatusType(discount.status),
            line_id=optional_global_id("OrderLine", discount.line_id),
            preset_id=optional_global_id("DiscountPreset", discount.preset_id),
            requested_by_id=optional_global_id("User", discount.requested_by_id),
            approved_by_id=optional_global_id("User", discount.approved_by_id),
            removed_by_id=optional_global_id("User", discount.removed_by_id),
        )


@strawberry.type(
    name="OrderServiceCharge",
    description="A service charge on a check, added by hand or automatically by a rule.",
)
class OrderServiceChargeType(Node):
    database_id: int = strawberry.field(description="The integer id.")
    name: str = strawberry.field(description="Rule name or the name typed in.")
    kind: AdjustmentKindType = strawberry.field(description="percent or amount.")
    rate: str | None = strawberry.field(
        description='Percentage of the discounted subtotal, exact (e.g. "18"); null for amounts.'
    )
    amount: Money | None = strawberry.field(description="Amount; null for percentages.")
    taxable: bool = strawberry.field(description="Taxed at the default rates when added.")
    automatic: bool = strawberry.field(description="Added by a rule for the party's size.")
    status: AdjustmentStatusType = strawberry.field(description="applied or removed.")
    rule_id: strawberry.ID | None = strawberry.field(
        description="Global id of its rule (ServiceChargeRule), if any."
    )
    added_by_id: strawberry.ID | None = strawberry.field(
        description="Who added it by hand (User); null for automatic charges."
    )
    removed_by_id: strawberry.ID | None = strawberry.field(
        description="The manager who removed it (User); null when it was removed "
        "automatically (the party got smaller)."
    )
    remove_reason: str | None = strawberry.field(description="Why it was removed.")
    created_at: datetime = strawberry.field(description="When it was added (UTC).")
    removed_at: datetime | None = strawberry.field(description="When it was removed (UTC).")

    @classmethod
    def from_model(cls, charge: OrderServiceCharge, currency: str) -> OrderServiceChargeType:
        return from_row(
            cls,
            charge,
            **_terms(charge, currency),
            status=AdjustmentStatusType(charge.status),
            rule_id=optional_global_id("ServiceChargeRule", charge.rule_id),
            added_by_id=optional_global_id("User", charge.added_by_id),
            removed_by_id=optional_global_id("User", charge.removed_by_id),
        )


@strawberry.type(
    name="OrderAuditEntry",
    description="One change to what a check charges: who, when, why, the approver, and the "
    "check's total before and after.",
)
class OrderAuditEntryType:
    id: strawberry.ID = strawberry.field(description="Global id of the entry.")
    database_id: int = strawberry.field(description="The integer id.")
    action: str = strawberry.field(
        description="discount_requested, discount_applied, discount_approved, "
        "discount_denied, discount_removed, comp_applied, line_voided, service_charge_added "
        "or service_charge_removed."
    )
    discount_id: strawberry.ID | None = strawberry.field(
        description="Global id of the discount (OrderDiscount) it is about, if any."
    )
    service_charge_id: strawberry.ID | None = strawberry.field(
        description="Global id of the service charge (OrderServiceCharge) it is about, if any."
    )
    line_id: strawberry.ID | None = strawberry.field(
        description="Global id of the line it is about, while the line exists."
    )
    actor_id: strawberry.ID | None = strawberry.field(description="Who made the change (User).")
    approver_id: strawberry.ID | None = strawberry.field(
        description="The manager who approved it (User), when one had to."
    )
    reason: str | None = strawberry.field(description="Why (a voided line: what it was).")
    total_before: Money = strawberry.field(description="The check's total before the change.")
    total_after: Money = strawberry.field(description="The check's total after the change.")
    created_at: datetime = strawberry.field(description="When (UTC).")

    @classmethod
    def from_model(cls, entry: OrderAuditEntry, currency: str) -> OrderAuditEntryType:
        return cls(
            id=to_global_id("OrderAuditEntry", entry.id),
            database_id=entry.id,
            action=entry.action,
            discount_id=optional_global_id("OrderDiscount", entry.discount_id),
            service_charge_id=optional_global_id("OrderServiceCharge", entry.service_charge_id),
            line_id=optional_global_id("OrderLine", entry.line_id),
            actor_id=optional_global_id("User", entry.actor_id),
            approver_id=optional_global_id("User", entry.approver_id),
            reason=entry.reason,
            total_before=Money.from_cents(entry.total_before_cents, currency),
            total_after=Money.from_cents(entry.total_after_cents, currency),
            created_at=entry.created_at,
        )


async def _load_discounts(context: Context, ids: Sequence[int]) -> list[OrderDiscountType | None]:
    rows = await loaders.discount_by_id(context).load_many(ids)
    currency = context.settings.currency
    return [None if row is None else OrderDiscountType.from_model(row, currency) for row in rows]


async def _load_charges(
    context: Context, ids: Sequence[int]
) -> list[OrderServiceChargeType | None]:
    rows = await loaders.service_charge_by_id(context).load_many(ids)
    currency = context.settings.currency
    return [
        None if row is None else OrderServiceChargeType.from_model(row, currency) for row in rows
    ]


# Read by every signed-in role, like the orders they are on.
register_node("OrderDiscount", _load_discounts, permission_classes=[IsAuthenticated])
register_node("OrderServiceCharge", _load_charges, permission_classes=[IsAuthenticated])


OrderAuditConnection = connection_type(
    OrderAuditEntryType,
    "OrderAuditEntry",
    noun="audit entries",
    item="An audit entry in a connection.",
    node="The entry.",
    description="A page of an order's audit trail, oldest first.",
)
