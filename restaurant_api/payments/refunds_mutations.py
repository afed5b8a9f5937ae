"""GraphQL mutations of tips and refunds: `adjustTip` (floor staff, card payments, until
the payment's business day closes) and `refundPayment` (managers and admins, closed checks)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.graphql import Context, Money, result_union
from restaurant_api.api.mutations import domain_mutation
from restaurant_api.api.node import optional_global_id, to_global_id
from restaurant_api.payments import service
from restaurant_api.payments.refunds_graphql import (
    PaymentIdArgument,
    RefundType,
    TipAdjustmentType,
    payment_id_of,
)


@strawberry.type(description="A card payment after its tip changed.")
class AdjustTipPayload:
    payment_id: strawberry.ID = strawberry.field(description="The payment's global id.")
    order_id: strawberry.ID | None = strawberry.field(
        description="Its check's global id (type Order); null when the order was deleted."
    )
    tip: Money = strawberry.field(description="The payment's tip now.")
    tip_adjustment: TipAdjustmentType | None = strawberry.field(
        description="The change recorded; null when the tip already was this amount."
    )


@strawberry.input(description="A refund of all or part of a closed check's payment.")
class RefundPaymentInput:
    payment_id: strawberry.ID = strawberry.field(description="The payment's global id.")
    amount: Decimal = strawberry.field(
        description='The amount to give back, more than 0, at most two decimals, e.g. "5.00"; '
        "at most the payment's amount and tip less earlier refunds."
    )
    reason: str = strawberry.field(description="Why (1-500 characters, required).")
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="A retry with the same key returns the first refund and records nothing "
        "(the same key with another refund: IDEMPOTENCY_MISMATCH). At most 255 characters.",
    )


@strawberry.type(description="A recorded refund.")
class RefundPaymentPayload:
    refund: RefundType = strawberry.field(description="The refund (the first, on a retry).")
    refundable: Money = strawberry.field(description="What can still be refunded on the payment.")
    replayed: bool = strawberry.field(
        description="True when this was a retry with a known key: nothing new was recorded."
    )


AdjustTipResult = result_union("AdjustTipResult", AdjustTipPayload, "The payment, or why not.")
RefundPaymentResult = result_union(
    "RefundPaymentResult", RefundPaymentPayload, "The refund, or why not."
)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Change a card payment's tip after it was taken (floor staff), until "
        "its business day closes. Cash and other tenders' tips are fixed. The check's "
        "subscribers hear of it."
    )
    @domain_mutation
    async def adjust_tip(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        payment_id: PaymentIdArgument,
        tip: Annotated[
            Decimal,
            strawberry.argument(
                description='The new tip, not negative, at most two decimals, e.g. "4.50".'
            ),
        ],
    ) -> AdjustTipResult:
        settings = info.context.settings
        adjusted = await service.adjust_tip(
            session,
            actor=info.context.user,
            calendar=service.calendar_for(settings),
            payment_id=payment_id_of(payment_id),
            tip=tip,
        )
        payment = adjusted.payment
        return AdjustTipPayload(
            payment_id=to_global_id("Payment", payment.id),
            order_id=optional_global_id("Order", payment.order_id),
            tip=Money.from_cents(payment.tip_cents, settings.currency),
            tip_adjustment=None
            if adjusted.adjustment is None
            else TipAdjustmentType.from_model(adjusted.adjustment, settings.currency),
        )

    @strawberry.mutation(
        description="Refund all or part of a payment of a closed check (managers and admins, "
        "with a reason). It reopens nothing and counts on today's business date. A payment "
        "of an open check is voided instead."
    )
    @domain_mutation
    async def refund_payment(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[RefundPaymentInput, strawberry.argument(description="The refund.")],
    ) -> RefundPaymentResult:
        settings = info.context.settings
        result = await service.refund_payment(
            session,
            actor=info.context.user,
            calendar=service.calendar_for(settings),
            payment_id=payment_id_of(input.payment_id),
            amount=input.amount,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return RefundPaymentPayload(
            refund=RefundType.from_model(result.refund, settings.currency),
            refundable=Money.from_cents(result.refundable_cents, settings.currency),
            replayed=result.replayed,
        )
