"""GraphQL types of the ledger: a payment against a check, its tender and status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from restaurant_api.api.graphql import Context, IsAuthenticated, Money, described_enum
from restaurant_api.api.node import Node, optional_global_id, register_node, to_global_id
from restaurant_api.orders.models import Order
from restaurant_api.payments import loaders
from restaurant_api.payments.models import Payment, PaymentStatus, Tender

if TYPE_CHECKING:
    from restaurant_api.orders.graphql import OrderType

# Orders nest their payments and payloads their order: the type is resolved lazily.
LazyOrderType = Annotated["OrderType", strawberry.lazy("restaurant_api.orders.graphql")]


def order_type_of(order: Order) -> OrderType:
    from restaurant_api.orders.graphql import OrderType

    return OrderType.from_model(order)


TenderType = described_enum(
    Tender,
    description="How a payment was made. Card processing happens outside this API (a "
    "terminal or provider); its transaction id goes in `externalReference`.",
)

PaymentStatusType = described_enum(PaymentStatus, description="Whether a payment counts.")


@strawberry.type(
    name="Payment",
    description="A payment against a check (an order or a split share). Its `amount` is "
    "applied to the balance due; its `tip` is on top.",
)
class PaymentType(Node):
    database_id: int = strawberry.field(description="The integer id REST uses.")
    order_id: strawberry.ID = strawberry.field(
        description="Global id of the order (check or split share) it pays; kept when the "
        "order is deleted."
    )
    tender: TenderType = strawberry.field(description="cash, card, gift card or other.")
    amount: Money = strawberry.field(description="Applied to the balance due (never above it).")
    tendered: Money = strawberry.field(
        description="What the guest handed over: above `amount` only for cash."
    )
    change: Money = strawberry.field(description="Given back: tendered - amount (cash only).")
    tip: Money = strawberry.field(description="Tip, on top of the amount.")
    external_reference: str | None = strawberry.field(
        description="The card terminal's or payment provider's transaction id, if any."
    )
    method_label: str | None = strawberry.field(
        description='Free label of the tender, e.g. "Visa" (the close call\'s paymentMethod).'
    )
    status: PaymentStatusType = strawberry.field(description="captured or voided.")
    voided: bool = strawberry.field(description="Voided: counts for nothing.")
    taken_by_id: strawberry.ID | None = strawberry.field(
        description="Global id of the staff member who took it (User)."
    )
    business_date: str = strawberry.field(
        description='The business date it belongs to, "YYYY-MM-DD" (a day ends at the '
        "cut-off hour, in the restaurant's time zone)."
    )
    created_at: datetime = strawberry.field(description="When it was taken (UTC).")
    voided_at: datetime | None = strawberry.field(description="When it was voided (UTC).")
    voided_by_id: strawberry.ID | None = strawberry.field(
        description="Global id of who voided it (User)."
    )
    void_reason: str | None = strawberry.field(description="Why it was voided.")

    @classmethod
    def from_model(cls, payment: Payment, currency: str) -> PaymentType:
        def money(cents: int) -> Money:
            return Money.from_cents(cents, currency)

        return cls(
            id=to_global_id("Payment", payment.id),
            database_id=payment.id,
            order_id=to_global_id("Order", payment.order_ref),
            tender=TenderType(payment.tender),
            amount=money(payment.amount_cents),
            tendered=money(payment.tendered_cents),
            change=money(payment.change_cents),
            tip=money(payment.tip_cents),
            external_reference=payment.external_reference,
            method_label=payment.method_label,
            status=PaymentStatusType(payment.status),
            voided=payment.status == PaymentStatus.VOIDED,
            taken_by_id=optional_global_id("User", payment.taken_by_id),
            business_date=payment.business_date.isoformat(),
            created_at=payment.created_at,
            voided_at=payment.voided_at,
            voided_by_id=optional_global_id("User", payment.voided_by_id),
            void_reason=payment.void_reason,
        )


async def _load_payments(context: Context, ids: Sequence[int]) -> list[PaymentType | None]:
    rows = await loaders.payment_by_id(context).load_many(ids)
    currency = context.settings.currency
    return [None if row is None else PaymentType.from_model(row, currency) for row in rows]


# Read by every signed-in role, like the orders they pay.
register_node("Payment", _load_payments, permission_classes=[IsAuthenticated])
