"""GraphQL types of a check: what an order, a quote or a split share charges, line by line."""

from __future__ import annotations

import strawberry

from restaurant_api.api.graphql import Money
from restaurant_api.api.node import optional_global_id
from restaurant_api.money import format_rate
from restaurant_api.pricing import service as pricing


@strawberry.type(name="CheckTax", description="The tax of one rate on a check.")
class CheckTaxType:
    name: str = strawberry.field(description="Name of the rate, as the lines copied it.")
    rate: str = strawberry.field(description='Exact percentage, e.g. "8.875".')
    inclusive: bool = strawberry.field(
        description="True: already inside the prices (shown for the record); false: added on top."
    )
    amount: Money = strawberry.field(
        description="Tax of this rate on the check (or on a share: its part of it); rounded "
        "half-up once per rate per check."
    )

    @classmethod
    def of(cls, tax: pricing.TaxAmount, currency: str) -> CheckTaxType:
        return cls(
            name=tax.key.name,
            rate=format_rate(tax.key.rate_ppm),
            inclusive=tax.key.inclusive,
            amount=Money.from_cents(tax.amount_cents, currency),
        )


@strawberry.type(name="CheckDiscount", description="A discount or comp as it applies now.")
class CheckDiscountType:
    name: str = strawberry.field(description="Name of the discount (or of its preset).")
    is_comp: bool = strawberry.field(description="A comp: 100% of one line.")
    amount: Money = strawberry.field(
        description="What it takes off, after the cap (never below zero)."
    )
    line_db_id: strawberry.Private[int | None]

    @strawberry.field(description="Global id of the line it is on; null for the whole check.")
    def line_id(self) -> strawberry.ID | None:
        return optional_global_id("OrderLine", self.line_db_id)


@strawberry.type(name="CheckServiceCharge", description="A service charge on a check.")
class CheckServiceChargeType:
    name: str = strawberry.field(description="Name of the charge (or of its rule).")
    taxable: bool = strawberry.field(description="Taxed at the default rates.")
    amount: Money = strawberry.field(description="Its amount on the check.")


@strawberry.type(
    name="CheckLine",
    description="One line's part of every column of the check: each column of the lines "
    "adds up to the check's.",
)
class CheckLineType:
    index: int = strawberry.field(description="Place of the line on the check, from 0.")
    gross: Money = strawberry.field(description="Unit price (options included) x quantity.")
    line_discount: Money = strawberry.field(description="Discounts and comps on this line.")
    check_discount: Money = strawberry.field(
        description="Its part of the check discounts (by what is left of each line)."
    )
    service_charge: Money = strawberry.field(description="Its part of the service charges.")
    tax: Money = strawberry.field(description="Its part of the exclusive taxes (added).")
    inclusive_tax: Money = strawberry.field(description="Its part of the inclusive taxes.")
    total: Money = strawberry.field(
        description="gross - lineDiscount - checkDiscount + serviceCharge + tax."
    )
    line_db_id: strawberry.Private[int | None]

    @strawberry.field(description="Global id of the order line; null on a quote.")
    def line_id(self) -> strawberry.ID | None:
        return optional_global_id("OrderLine", self.line_db_id)


@strawberry.type(
    name="Check",
    description="What a check charges, exact, from the one pricing function shared by "
    "orders, quotes and splits: subtotal - discounts + service charges + taxes = total.",
)
class CheckType:
    subtotal: Money = strawberry.field(description="Sum of the lines (the order's `total`).")
    discount_total: Money = strawberry.field(description="Every discount and comp applied.")
    service_charge_total: Money = strawberry.field(description="Every service charge.")
    tax_total: Money = strawberry.field(description="Exclusive taxes, added to the total.")
    inclusive_tax_total: Money = strawberry.field(
        description="Inclusive taxes, already inside the prices (not added again)."
    )
    total: Money = strawberry.field(description="What the guest pays (before any tip).")
    taxes: list[CheckTaxType] = strawberry.field(description="Tax per rate.")
    discounts: list[CheckDiscountType] = strawberry.field(
        description="Applied discounts and comps (pending or denied ones are not here)."
    )
    service_charges: list[CheckServiceChargeType] = strawberry.field(
        description="Applied service charges."
    )
    lines: list[CheckLineType] = strawberry.field(
        description="The check line by line (the lines of a split share's original are "
        "not repeated)."
    )

    @classmethod
    def from_check(cls, check: pricing.Check, currency: str, *, keyed_by_id: bool) -> CheckType:
        """`keyed_by_id`: the check's line keys are order line ids (a quote's are indexes)."""

        def money(cents: int) -> Money:
            return Money.from_cents(cents, currency)

        def line_id(key: int | None) -> int | None:
            return key if keyed_by_id else None

        return cls(
            subtotal=money(check.subtotal_cents),
            discount_total=money(check.discount_cents),
            service_charge_total=money(check.service_charge_cents),
            tax_total=money(check.tax_cents),
            inclusive_tax_total=money(check.inclusive_tax_cents),
            total=money(check.total_cents),
            taxes=[CheckTaxType.of(tax, currency) for tax in check.taxes],
            discounts=[
                CheckDiscountType(
                    name=discount.name,
                    is_comp=discount.is_comp,
                    amount=money(discount.amount_cents),
                    line_db_id=line_id(discount.line_key),
                )
                for discount in check.discounts
            ],
            service_charges=[
                CheckServiceChargeType(
                    name=charge.name, taxable=charge.taxable, amount=money(charge.amount_cents)
                )
                for charge in check.service_charges
            ],
            lines=[
                CheckLineType(
                    index=index,
                    gross=money(line.gross_cents),
                    line_discount=money(line.line_discount_cents),
                    check_discount=money(line.check_discount_cents),
                    service_charge=money(line.service_charge_cents),
                    tax=money(line.amounts.tax_cents),
                    inclusive_tax=money(line.amounts.inclusive_tax_cents),
                    total=money(line.total_cents),
                    line_db_id=line_id(line.key),
                )
                for index, line in enumerate(check.lines)
            ],
        )
