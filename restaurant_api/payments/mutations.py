"""GraphQL mutations of the ledger: record a payment against a check, void one."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.graphql import Context, Money, result_union
from restaurant_api.api.mutations import domain_mutation
from restaurant_api.api.node import decode_id
from restaurant_api.payments import service
from restaurant_api.payments.graphql import LazyOrderType, PaymentType, TenderType, order_type_of


@strawberry.input(
    description="A payment against an open check (an order or a split share). Its amount "
    "may not exceed the balance due; only cash may hand over more (`tendered`: the change)."
)
class RecordPaymentInput:
    order_id: strawberry.ID = strawberry.field(
        description="Global id of the order (or split share) paid."
    )
    tender: TenderType = strawberry.field(description="cash, card, gift card or other.")
    amount: Decimal = strawberry.field(
        description='Applied to the balance due, a decimal string, e.g. "25.00"; more than '
        "zero and at most the balance (CONFLICT otherwise)."
    )
    tendered: Decimal | None = strawberry.field(
        default=None,
        description="Cash only: what the guest handed over, at least the amount (default: "
        "the amount); the difference is the change.",
    )
    tip: Decimal = strawberry.field(
        default=Decimal(0), description='Tip on top of the amount, e.g. "3.00".'
    )
    external_reference: str | None = strawberry.field(
        default=None,
        description="The card terminal's or provider's transaction id (at most 200 characters).",
    )
    method_label: str | None = strawberry.field(
        default=None, description='Free label of the tender, e.g. "Visa" (at most 40).'
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Retry safety: the same key on this check again returns the first "
        "payment and records nothing; with a different payment it is IDEMPOTENCY_MISMATCH.",
    )
    version: int | None = strawberry.field(
        default=None, description="The order version you read: a stale one is VERSION_CONFLICT."
    )


@strawberry.type(description="A payment after a change, and its check.")
class PaymentPayload:
    payment: PaymentType = strawberry.field(description="The payment as it is now.")
    order: LazyOrderType = strawberry.field(
        description="The order as it is now (closed once its balance reached zero)."
    )
    balance_due: Money = strawberry.field(description="What is left to pay on the check.")
    change: Money = strawberry.field(description="Cash to give back for this payment.")


PaymentResult = result_union("PaymentResult", PaymentPayload, "The payment, or why not.")


def _payload(info: Info[Context, None], result: service.PaymentResult) -> PaymentPayload:
    currency = info.context.settings.currency
    return PaymentPayload(
        payment=PaymentType.from_model(result.payment, currency),
        order=order_type_of(result.order),
        balance_due=Money.from_cents(result.balance_due_cents, currency),
        change=Money.from_cents(result.change_cents, currency),
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Record a payment against an open check (floor staff). When the balance "
        "due reaches zero the check closes itself and frees its table. Two terminals paying "
        "at once never take more than the balance: the later one gets CONFLICT (amount above "
        "the new balance) or ORDER_CLOSED."
    )
    @domain_mutation
    async def record_payment(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[RecordPaymentInput, strawberry.argument(description="The payment.")],
    ) -> PaymentResult:
        result = await service.record_payment(
            session,
            actor=info.context.user,
            calendar=service.calendar_for(info.context.settings),
            order_id=decode_id(input.order_id, "Order", field="input.orderId"),
            tender=service.Tender(input.tender),
            amount=input.amount,
            tendered=input.tendered,
            tip=input.tip,
            external_reference=input.external_reference,
            method_label=input.method_label,
            idempotency_key=input.idempotency_key,
            version=input.version,
        )
        return _payload(info, result)

    @strawberry.mutation(
        description="Void a payment taken by mistake (floor staff, with a reason): only while "
        "its check is open and its business day too. It then counts for nothing."
    )
    @domain_mutation
    async def void_payment(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        payment_id: Annotated[
            strawberry.ID, strawberry.argument(description="The payment's global id.")
        ],
        reason: Annotated[str, strawberry.argument(description="Why (at most 500 characters).")],
    ) -> PaymentResult:
        result = await service.void_payment(
            session,
            actor=info.context.user,
            calendar=service.calendar_for(info.context.settings),
            payment_id=decode_id(payment_id, "Payment", field="paymentId"),
            reason=reason,
        )
        return _payload(info, result)
