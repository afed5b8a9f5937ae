"""GraphQL of the business day: X and Z reports, closing a day (managers and admins)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.graphql import Context, Money, result_union, signed_in
from restaurant_api.api.mutations import domain_mutation
from restaurant_api.api.node import optional_global_id, to_global_id
from restaurant_api.money import format_rate
from restaurant_api.payments import service
from restaurant_api.payments.report_model import DayReport

# Planning sizes of a report's lists for the cost check (a day has no cap on them).
REPORT_ROWS = 50


@strawberry.type(description="Gross sales of one menu item name in one category.")
class ItemSales:
    name: str = strawberry.field(description="The item's name on the checks.")
    category: str = strawberry.field(description="Its category.")
    quantity: int = strawberry.field(description="Units sold.")
    gross: Money = strawberry.field(description="Unit price x quantity, before discounts.")


@strawberry.type(description="Gross sales of one category.")
class CategorySales:
    category: str = strawberry.field(description="The category.")
    quantity: int = strawberry.field(description="Units sold.")
    gross: Money = strawberry.field(description="Gross sales, before discounts.")


@strawberry.type(description="A discount or comp applied on a check of the day.")
class ReportDiscount:
    order_id: strawberry.ID | None = strawberry.field(
        description="The check's global id; null for the part carried into split shares."
    )
    name: str = strawberry.field(description="The discount's name.")
    is_comp: bool = strawberry.field(description="True for a comp.")
    amount: Money = strawberry.field(description="What it took off the check.")
    reason: str | None = strawberry.field(description="Why.")
    requested_by_id: strawberry.ID | None = strawberry.field(description="Who applied it.")
    approved_by_id: strawberry.ID | None = strawberry.field(description="Who approved it.")


@strawberry.type(description="A line voided on a check of the day, or a cancelled check.")
class ReportVoid:
    order_id: strawberry.ID = strawberry.field(description="The check's global id.")
    kind: str = strawberry.field(description='"line" (a voided line) or "check" (cancelled).')
    amount: Money = strawberry.field(description="What the check lost (its total if cancelled).")
    reason: str | None = strawberry.field(description="Why.")
    by_id: strawberry.ID | None = strawberry.field(description="Who (null if not recorded).")


@strawberry.type(description="A service charge's total over the day's checks.")
class ReportServiceCharge:
    name: str = strawberry.field(description="Its name.")
    count: int = strawberry.field(description="Checks it was on.")
    amount: Money = strawberry.field(description="Its total.")


@strawberry.type(description="One tax rate's total over the day's checks.")
class ReportTax:
    name: str = strawberry.field(description="The rate's name.")
    rate: Decimal = strawberry.field(description='The percentage, e.g. "8.875".')
    inclusive: bool = strawberry.field(description="True: inside the prices.")
    amount: Money = strawberry.field(description="Tax collected at this rate.")


@strawberry.type(description="The captured payments of the day by one tender.")
class ReportTender:
    tender: str = strawberry.field(description="cash, card, gift_card or other.")
    count: int = strawberry.field(description="Payments.")
    amount: Money = strawberry.field(description="Applied to checks.")
    tip: Money = strawberry.field(description="Tips on them.")
    tendered: Money = strawberry.field(description="Handed over (cash: more than amount).")
    change: Money = strawberry.field(description="Change given back.")


@strawberry.type(description="Tips of the day's captured payments taken by one staff member.")
class ReportTips:
    staff_id: strawberry.ID | None = strawberry.field(description="The staff member's id.")
    staff_name: str | None = strawberry.field(description="Their name.")
    count: int = strawberry.field(description="Payments they took.")
    tip: Money = strawberry.field(description="Tips on them (after adjustments).")


@strawberry.type(description="A refund recorded in the day.")
class ReportRefund:
    refund_id: strawberry.ID = strawberry.field(description="The refund's global id.")
    payment_id: strawberry.ID = strawberry.field(description="The refunded payment's global id.")
    order_id: strawberry.ID = strawberry.field(description="The check's global id.")
    tender: str = strawberry.field(description="The payment's tender.")
    amount: Money = strawberry.field(description="Given back.")
    reason: str = strawberry.field(description="Why.")
    by_id: strawberry.ID | None = strawberry.field(description="Who refunded it.")


@strawberry.type(
    name="DayReport",
    description="The figures of a business date: an X report (the day so far) or a Z "
    "report (the closed day, as stored when it closed).",
)
class DayReportType:
    business_date: str = strawberry.field(description="The business date, YYYY-MM-DD.")
    closed: bool = strawberry.field(description="True for a Z report.")
    generated_at: datetime = strawberry.field(description="When it was computed (UTC).")
    checks: int = strawberry.field(description="Checks closed in the day.")
    covers: int = strawberry.field(description="Guests of those checks.")
    average_check: Money = strawberry.field(description="Total / checks, half-up.")
    gross_sales: Money = strawberry.field(description="Lines' gross, before discounts.")
    discount_total: Money = strawberry.field(description="Discounts and comps.")
    service_charge_total: Money = strawberry.field(description="Service charges.")
    tax_total: Money = strawberry.field(description="Exclusive taxes (added on top).")
    inclusive_tax_total: Money = strawberry.field(description="Inclusive taxes (in prices).")
    total: Money = strawberry.field(description="The checks' totals.")
    void_total: Money = strawberry.field(description="Voided lines and cancelled checks.")
    paid_total: Money = strawberry.field(description="Captured payments' amounts.")
    tip_total: Money = strawberry.field(description="Tips on them.")
    refund_total: Money = strawberry.field(description="Refunds of the day.")
    net_total: Money = strawberry.field(description="Payments + tips - refunds.")
    items: list[ItemSales] = strawberry.field(description="Sales by item.")
    categories: list[CategorySales] = strawberry.field(description="Sales by category.")
    discounts: list[ReportDiscount] = strawberry.field(description="Discounts and comps.")
    voids: list[ReportVoid] = strawberry.field(description="Voids.")
    service_charges: list[ReportServiceCharge] = strawberry.field(
        description="Service charges by name."
    )
    taxes: list[ReportTax] = strawberry.field(description="Taxes per rate.")
    tenders: list[ReportTender] = strawberry.field(description="Payments by tender.")
    tips: list[ReportTips] = strawberry.field(description="Tips per staff member.")
    refunds: list[ReportRefund] = strawberry.field(description="Refunds.")
    open_check_ids: list[strawberry.ID] = strawberry.field(
        description="X report: checks placed in the day still open (empty in a Z report)."
    )

    @classmethod
    def from_report(cls, report: DayReport, currency: str) -> DayReportType:
        def money(cents: int) -> Money:
            return Money.from_cents(cents, currency)

        def order(order_id: int) -> strawberry.ID:
            return to_global_id("Order", order_id)

        return cls(
            business_date=report.business_date.isoformat(),
            closed=report.closed,
            generated_at=report.generated_at,
            checks=report.checks,
            covers=report.covers,
            average_check=Money.from_cents(int(report.average_check * 100), currency),
            gross_sales=money(report.gross_sales_cents),
            discount_total=money(report.discount_cents),
            service_charge_total=money(report.service_charge_cents),
            tax_total=money(report.tax_cents),
            inclusive_tax_total=money(report.inclusive_tax_cents),
            total=money(report.total_cents),
            void_total=money(report.void_cents),
            paid_total=money(report.paid_cents),
            tip_total=money(report.tip_cents),
            refund_total=money(report.refund_cents),
            net_total=money(report.net_cents),
            items=[
                ItemSales(
                    name=i.name,
                    category=i.category,
                    quantity=i.quantity,
                    gross=money(i.gross_cents),
                )
                for i in report.items
            ],
            categories=[
                CategorySales(category=c.category, quantity=c.quantity, gross=money(c.gross_cents))
                for c in report.categories
            ],
            discounts=[
                ReportDiscount(
                    order_id=None if d.order_id is None else order(d.order_id),
                    name=d.name,
                    is_comp=d.is_comp,
                    amount=money(d.amount_cents),
                    reason=d.reason,
                    requested_by_id=optional_global_id("User", d.requested_by_id),
                    approved_by_id=optional_global_id("User", d.approved_by_id),
                )
                for d in report.discounts
            ],
            voids=[
                ReportVoid(
                    order_id=order(v.order_id),
                    kind=v.kind,
                    amount=money(v.amount_cents),
                    reason=v.reason,
                    by_id=optional_global_id("User", v.by_id),
                )
                for v in report.voids
            ],
            service_charges=[
                ReportServiceCharge(name=s.name, count=s.count, amount=money(s.amount_cents))
                for s in report.service_charges
            ],
            taxes=[
                ReportTax(
                    name=t.name,
                    rate=Decimal(format_rate(t.rate_ppm)),
                    inclusive=t.inclusive,
                    amount=money(t.amount_cents),
                )
                for t in report.taxes
            ],
            tenders=[
                ReportTender(
                    tender=t.tender,
                    count=t.count,
                    amount=money(t.amount_cents),
                    tip=money(t.tip_cents),
                    tendered=money(t.tendered_cents),
                    change=money(t.change_cents),
                )
                for t in report.tenders
            ],
            tips=[
                ReportTips(
                    staff_id=optional_global_id("User", t.staff_id),
                    staff_name=t.staff_name,
                    count=t.count,
                    tip=money(t.tip_cents),
                )
                for t in report.tips
            ],
            refunds=[
                ReportRefund(
                    refund_id=to_global_id("Refund", r.refund_id),
                    payment_id=to_global_id("Payment", r.payment_id),
                    order_id=order(r.order_id),
                    tender=r.tender,
                    amount=money(r.amount_cents),
                    reason=r.reason,
                    by_id=optional_global_id("User", r.by_id),
                )
                for r in report.refunds
            ],
            open_check_ids=[order(order_id) for order_id in report.open_checks],
        )


BusinessDateArgument = Annotated[
    str, strawberry.argument(description="The business date, YYYY-MM-DD.")
]


@strawberry.type
class Query:
    @signed_in("The X report of a business date: the day so far, any time (managers and admins).")
    async def x_report(
        self, info: Info[Context, None], business_date: BusinessDateArgument
    ) -> DayReportType:
        day = service.parse_business_date(business_date)
        settings = info.context.settings
        async with info.context.use_session() as session:
            report = await service.x_report(
                session, actor=info.context.user, calendar=service.calendar_for(settings), day=day
            )
        return DayReportType.from_report(report, settings.currency)

    @signed_in(
        "The Z report of a closed business date, as stored when it closed "
        "(managers and admins); a NOT_FOUND error while the day is open."
    )
    async def z_report(
        self, info: Info[Context, None], business_date: BusinessDateArgument
    ) -> DayReportType:
        day = service.parse_business_date(business_date)
        async with info.context.use_session() as session:
            report = await service.z_report(session, actor=info.context.user, day=day)
        return DayReportType.from_report(report, info.context.settings.currency)


@strawberry.type(description="A business day after it closed.")
class CloseBusinessDayPayload:
    report: DayReportType = strawberry.field(description="Its Z report.")


CloseBusinessDayResult = result_union(
    "CloseBusinessDayResult", CloseBusinessDayPayload, "The Z report, or why not."
)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Close a business date (managers and admins): refused (CONFLICT, the "
        "open checks' ids in the message) while checks placed in it are open, or when it is "
        "closed already. Then no payment, tip or refund of that date changes."
    )
    @domain_mutation
    async def close_business_day(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        business_date: BusinessDateArgument,
    ) -> CloseBusinessDayResult:
        day = service.parse_business_date(business_date)
        settings = info.context.settings
        report = await service.close_business_day(
            session, actor=info.context.user, calendar=service.calendar_for(settings), day=day
        )
        return CloseBusinessDayPayload(report=DayReportType.from_report(report, settings.currency))
