"""GraphQL: a check's receipt as data and as printer text (`Query.receipt`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from restaurant_api.api.graphql import Context, Money, signed_in
from restaurant_api.api.node import decode_id, optional_global_id, to_global_id
from restaurant_api.money import format_rate
from restaurant_api.orders import service as orders_service
from restaurant_api.orders.check_graphql import CheckTaxType
from restaurant_api.payments import receipt_text, receipts
from restaurant_api.payments.days import BusinessCalendar

# Planning size of `Receipt.payments` for the cost check (a check has a few).
PAYMENTS_PER_RECEIPT = 10


@strawberry.type(name="ReceiptOption", description="A modifier option chosen on a line.")
class ReceiptOptionType:
    group: str = strawberry.field(description="Name of its modifier group, e.g. Temperature.")
    name: str = strawberry.field(description="Name of the option as the guest reads it.")
    price_delta: Money = strawberry.field(
        description="What it adds to the line's unit price (negative: a credit)."
    )


@strawberry.type(name="ReceiptDiscount", description="A discount or comp as it applies.")
class ReceiptDiscountType:
    name: str = strawberry.field(
        description="Name of the discount; a split share's part of the original check's "
        'discounts is one line, "Share of check #N".'
    )
    is_comp: bool = strawberry.field(description="A comp (a line given away).")
    amount: Money = strawberry.field(description="What it takes off (positive).")


@strawberry.type(name="ReceiptLine", description="One line of a receipt.")
class ReceiptLineType:
    name: str = strawberry.field(description="Name of the item as ordered.")
    quantity: int = strawberry.field(description="How many.")
    unit_price: Money = strawberry.field(description="Unit price, options included.")
    gross: Money = strawberry.field(description="Unit price x quantity.")
    options: list[ReceiptOptionType] = strawberry.field(description="Options chosen.")
    modifiers: list[str] = strawberry.field(description="Free-text modifiers of the line.")
    seat_number: int | None = strawberry.field(description="Seat of the guest, if any.")
    discounts: list[ReceiptDiscountType] = strawberry.field(
        description="Discounts and comps on this line."
    )


@strawberry.type(name="ReceiptServiceCharge", description="A service charge on a receipt.")
class ReceiptServiceChargeType:
    name: str = strawberry.field(description="Name of the charge.")
    amount: Money = strawberry.field(description="Its amount on the check.")


@strawberry.type(name="ReceiptPayment", description="A captured payment of the check.")
class ReceiptPaymentType:
    tender: str = strawberry.field(description="cash, card, gift_card or other.")
    label: str = strawberry.field(description='What the guest reads, e.g. "Visa" or "Cash".')
    amount: Money = strawberry.field(description="Applied to the check's balance.")
    tendered: Money = strawberry.field(description="Handed over (above amount: cash only).")
    change: Money = strawberry.field(description="Given back: tendered - amount.")
    tip: Money = strawberry.field(description="Tip, on top of the amount.")
    external_reference: str | None = strawberry.field(
        description="The card terminal's or provider's reference, if any."
    )
    taken_at: datetime = strawberry.field(description="When, in the restaurant's time zone.")


@strawberry.type(
    name="Receipt",
    description="The itemized receipt of a check or split share: subtotal - discounts + "
    "service charges + taxes added on top = total; paid (captured payments) + balance due "
    "= total; tips and change on top. Every amount is the check's, exact.",
)
class ReceiptType:
    order_db_id: strawberry.Private[int]
    split_from_db_id: strawberry.Private[int | None]
    data: strawberry.Private[receipts.Receipt]
    order_number: int = strawberry.field(description="The check's number (its database id).")
    status: str = strawberry.field(description="The order's status: open, closed, ...")
    restaurant_name: str | None = strawberry.field(
        description="The restaurant's name (setting RESTAURANT_NAME), if set."
    )
    table_number: int | None = strawberry.field(description="Number of its table, if any.")
    server_name: str | None = strawberry.field(description="Who placed the order.")
    customer_count: int = strawberry.field(description="Guests.")
    timezone: str = strawberry.field(description="The restaurant's time zone (IANA name).")
    opened_at: datetime = strawberry.field(description="Placed, in the restaurant's time zone.")
    closed_at: datetime | None = strawberry.field(description="Closed, if it is.")
    printed_at: datetime = strawberry.field(description="Now, in the restaurant's time zone.")
    lines: list[ReceiptLineType] = strawberry.field(description="The lines, in order.")
    check_discounts: list[ReceiptDiscountType] = strawberry.field(
        description="Discounts on the whole check (line discounts are on their lines)."
    )
    service_charges: list[ReceiptServiceChargeType] = strawberry.field(
        description="Service charges."
    )
    subtotal: Money = strawberry.field(description="Sum of the lines' gross.")
    discount_total: Money = strawberry.field(description="Every discount and comp.")
    service_charge_total: Money = strawberry.field(description="Every service charge.")
    taxes: list[CheckTaxType] = strawberry.field(
        description="Tax per rate; inclusive ones are inside the prices (printed incl.)."
    )
    tax_total: Money = strawberry.field(description="Exclusive taxes, added to the total.")
    inclusive_tax_total: Money = strawberry.field(description="Inclusive taxes (not added).")
    total: Money = strawberry.field(description="What the check charges, before tips.")
    payments: list[ReceiptPaymentType] = strawberry.field(
        description="Captured payments, oldest first (voided ones are not here)."
    )
    paid_total: Money = strawberry.field(description="Sum of the payments' amounts.")
    tip_total: Money = strawberry.field(description="Sum of the payments' tips.")
    change_total: Money = strawberry.field(description="Sum of the change given back.")
    balance_due: Money = strawberry.field(description="total - paidTotal.")

    @strawberry.field(description="Global id of the check (an Order).")
    def order_id(self) -> strawberry.ID:
        return to_global_id("Order", self.order_db_id)

    @strawberry.field(description="Global id of the check this share was split off, if any.")
    def split_from_id(self) -> strawberry.ID | None:
        return optional_global_id("Order", self.split_from_db_id)

    @strawberry.field(
        description="The receipt as plain text for a receipt printer: no line wider than "
        "`width` columns, amounts right-aligned, long names wrapped."
    )
    def text(
        self,
        width: Annotated[
            int,
            strawberry.argument(
                description=f"Columns of the printer: {receipt_text.MIN_WIDTH} to "
                f"{receipt_text.MAX_WIDTH} (48 on 80 mm paper, 32 on 58 mm)."
            ),
        ] = receipt_text.DEFAULT_WIDTH,
    ) -> str:
        return receipt_text.render_text(self.data, width)

    @classmethod
    def of(cls, receipt: receipts.Receipt) -> ReceiptType:
        def money(cents: int) -> Money:
            return Money.from_cents(cents, receipt.currency)

        def discount(item: receipts.ReceiptDiscount) -> ReceiptDiscountType:
            return ReceiptDiscountType(
                name=item.name, is_comp=item.is_comp, amount=money(item.amount_cents)
            )

        return cls(
            order_db_id=receipt.order_id,
            split_from_db_id=receipt.split_from_id,
            data=receipt,
            order_number=receipt.order_id,
            status=receipt.status,
            restaurant_name=receipt.restaurant_name,
            table_number=receipt.table_number,
            server_name=receipt.server_name,
            customer_count=receipt.customer_count,
            timezone=receipt.timezone,
            opened_at=receipt.opened_at,
            closed_at=receipt.closed_at,
            printed_at=receipt.printed_at,
            lines=[
                ReceiptLineType(
                    name=line.name,
                    quantity=line.quantity,
                    unit_price=money(line.unit_price_cents),
                    gross=money(line.gross_cents),
                    options=[
                        ReceiptOptionType(
                            group=option.group,
                            name=option.name,
                            price_delta=money(option.price_delta_cents),
                        )
                        for option in line.options
                    ],
                    modifiers=list(line.modifiers),
                    seat_number=line.seat_number,
                    discounts=[discount(item) for item in line.discounts],
                )
                for line in receipt.lines
            ],
            check_discounts=[discount(item) for item in receipt.check_discounts],
            service_charges=[
                ReceiptServiceChargeType(name=charge.name, amount=money(charge.amount_cents))
                for charge in receipt.service_charges
            ],
            subtotal=money(receipt.subtotal_cents),
            discount_total=money(receipt.discount_cents),
            service_charge_total=money(receipt.service_charge_cents),
            taxes=[
                CheckTaxType(
                    name=tax.name,
                    rate=format_rate(tax.rate_ppm),
                    inclusive=tax.inclusive,
                    amount=money(tax.amount_cents),
                )
                for tax in receipt.taxes
            ],
            tax_total=money(receipt.tax_cents),
            inclusive_tax_total=money(receipt.inclusive_tax_cents),
            total=money(receipt.total_cents),
            payments=[
                ReceiptPaymentType(
                    tender=payment.tender,
                    label=payment.label,
                    amount=money(payment.amount_cents),
                    tendered=money(payment.tendered_cents),
                    change=money(payment.change_cents),
                    tip=money(payment.tip_cents),
                    external_reference=payment.external_reference,
                    taken_at=payment.taken_at,
                )
                for payment in receipt.payments
            ],
            paid_total=money(receipt.paid_cents),
            tip_total=money(receipt.tip_cents),
            change_total=money(receipt.change_cents),
            balance_due=money(receipt.balance_due_cents),
        )


@strawberry.type
class Query:
    @signed_in(
        "The receipt of a check or split share (floor staff), or null when there is no such order."
    )
    async def receipt(
        self,
        info: Info[Context, None],
        order_id: Annotated[
            strawberry.ID, strawberry.argument(description="The check's global id (an Order).")
        ],
    ) -> ReceiptType | None:
        database_id = decode_id(order_id, "Order", field="orderId")
        settings = info.context.settings
        try:
            async with info.context.use_session() as session:
                receipt = await receipts.receipt_for_order(
                    session,
                    actor=info.context.user,
                    order_id=database_id,
                    calendar=BusinessCalendar(
                        settings.restaurant_timezone, settings.business_day_cutoff_hour
                    ),
                    restaurant_name=settings.restaurant_name,
                    currency=settings.currency,
                )
        except orders_service.OrderNotFound:
            return None
        return ReceiptType.of(receipt)
