"""GraphQL types and queries of tips and refunds: `Refund`, `TipAdjustment`, `StaffTips`,
and the queries `refunds`, `tipAdjustments`, `tipsByStaff` (mutations:
`payments/refunds_mutations.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from restaurant_api.api.graphql import Context, Money, signed_in
from restaurant_api.api.node import decode_id, optional_global_id, to_global_id
from restaurant_api.payments import service

BUSINESS_DATE = (
    'A business date as "YYYY-MM-DD": the restaurant\'s day, which ends at the cut-off hour '
    "(setting BUSINESS_DAY_CUTOFF_HOUR) in its time zone, often after midnight."
)


def payment_id_of(value: str, field: str = "paymentId") -> int:
    return decode_id(value, "Payment", field=field)


@strawberry.type(
    name="Refund",
    description="Money given back on a closed check's payment (managers and admins). It "
    "reopens nothing and changes no balance; it counts on the business date it happened.",
)
class RefundType:
    id: strawberry.ID = strawberry.field(description="Global id (type Refund).")
    database_id: int = strawberry.field(description="The integer id.")
    payment_id: strawberry.ID = strawberry.field(description="The refunded payment's global id.")
    amount: Money = strawberry.field(description="The amount given back.")
    reason: str = strawberry.field(description="Why, as the manager wrote it.")
    refunded_by_id: strawberry.ID | None = strawberry.field(
        description="Global id of the staff member who refunded it (null: account deleted)."
    )
    business_date: str = strawberry.field(
        description="The business date it counts on (YYYY-MM-DD): the day it happened, "
        "not the payment's."
    )
    created_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def from_model(cls, refund: service.Refund, currency: str) -> RefundType:
        return cls(
            id=to_global_id("Refund", refund.id),
            database_id=refund.id,
            payment_id=to_global_id("Payment", refund.payment_id),
            amount=Money.from_cents(refund.amount_cents, currency),
            reason=refund.reason,
            refunded_by_id=optional_global_id("User", refund.refunded_by_id),
            business_date=refund.business_date.isoformat(),
            created_at=refund.created_at,
        )


@strawberry.type(
    name="TipAdjustment",
    description="A card payment's tip changed after it was taken (the guest wrote it on "
    "the slip); allowed until the payment's business day closes.",
)
class TipAdjustmentType:
    id: strawberry.ID = strawberry.field(description="Global id (type TipAdjustment).")
    database_id: int = strawberry.field(description="The integer id.")
    payment_id: strawberry.ID = strawberry.field(description="The payment's global id.")
    tip_before: Money = strawberry.field(description="The tip before the change.")
    tip_after: Money = strawberry.field(description="The tip after the change.")
    adjusted_by_id: strawberry.ID | None = strawberry.field(
        description="Global id of the staff member who changed it (null: account deleted)."
    )
    created_at: datetime = strawberry.field(description="When it was changed.")

    @classmethod
    def from_model(cls, row: service.TipAdjustment, currency: str) -> TipAdjustmentType:
        return cls(
            id=to_global_id("TipAdjustment", row.id),
            database_id=row.id,
            payment_id=to_global_id("Payment", row.payment_id),
            tip_before=Money.from_cents(row.tip_before_cents, currency),
            tip_after=Money.from_cents(row.tip_after_cents, currency),
            adjusted_by_id=optional_global_id("User", row.adjusted_by_id),
            created_at=row.created_at,
        )


@strawberry.type(
    name="StaffTips",
    description="One staff member's tips of a business date: the tips (as adjusted) of "
    "the captured payments they took; voided payments count for nothing.",
)
class StaffTipsType:
    staff_id: strawberry.ID | None = strawberry.field(
        description="The staff member's global id (type User); null: payments whose taker's "
        "account was deleted, or taken by no one (legacy)."
    )
    staff_name: str | None = strawberry.field(description="Their name, when known.")
    tips: Money = strawberry.field(description="Sum of the tips.")
    payment_count: int = strawberry.field(description="How many payments they took.")
    amount: Money = strawberry.field(description="Sum of those payments' amounts (no tips).")

    @classmethod
    def from_line(cls, line: service.StaffTips, currency: str) -> StaffTipsType:
        return cls(
            staff_id=optional_global_id("User", line.staff_id),
            staff_name=line.staff_name,
            tips=Money.from_cents(line.tip_cents, currency),
            payment_count=line.payment_count,
            amount=Money.from_cents(line.amount_cents, currency),
        )


PaymentIdArgument = Annotated[
    strawberry.ID, strawberry.argument(description="The payment's global id (type Payment).")
]


@strawberry.type
class Query:
    @signed_in(
        "Tips per staff member for a business date (default: today's), by name. "
        "Managers and admins see everyone; a server sees only their own line."
    )
    async def tips_by_staff(
        self,
        info: Info[Context, None],
        business_date: Annotated[
            str | None, strawberry.argument(description=BUSINESS_DATE + " Default: today.")
        ] = None,
    ) -> list[StaffTipsType] | None:
        settings = info.context.settings
        day = (
            service.calendar_for(settings).today()
            if business_date is None
            else service.parse_business_date(business_date, "businessDate")
        )
        async with info.context.use_session() as session:
            lines = await service.tips_by_staff(session, actor=info.context.user, day=day)
        return [StaffTipsType.from_line(line, settings.currency) for line in lines]

    @signed_in("A payment's refunds, oldest first (at most 20). Floor staff.")
    async def refunds(
        self, info: Info[Context, None], payment_id: PaymentIdArgument
    ) -> list[RefundType] | None:
        payment = payment_id_of(payment_id)
        async with info.context.use_session() as session:
            rows = await service.refunds_of(session, actor=info.context.user, payment_id=payment)
        currency = info.context.settings.currency
        return [RefundType.from_model(row, currency) for row in rows]

    @signed_in("A payment's tip adjustments, oldest first (at most 20). Floor staff.")
    async def tip_adjustments(
        self, info: Info[Context, None], payment_id: PaymentIdArgument
    ) -> list[TipAdjustmentType] | None:
        payment = payment_id_of(payment_id)
        async with info.context.use_session() as session:
            rows = await service.tip_adjustments_of(
                session, actor=info.context.user, payment_id=payment
            )
        currency = info.context.settings.currency
        return [TipAdjustmentType.from_model(row, currency) for row in rows]
