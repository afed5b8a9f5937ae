"""Property: over random days of checks (lines, taxes, discounts, comps, service charges,
split shares, cancellations), payments (tenders, tips, change, voids) and refunds, every
figure of the Z report equals the sum of the rows it comes from, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from restaurant_api.orders.checks import price_order
from restaurant_api.orders.models import Order, OrderLine, OrderStatus
from restaurant_api.orders.service import SplitMode, SplitRequest
from restaurant_api.payments import service
from restaurant_api.payments.models import Payment, PaymentStatus, Refund, Tender
from restaurant_api.payments.report_model import DayReport
from restaurant_api.tables import service as tables_service
from restaurant_api.tables.models import DiningTable
from tests.payments.reporting import (
    ALCOHOL,
    CAL,
    SALES,
    VAT,
    C,
    CheckSpec,
    D,
    L,
    add_check,
    add_payment,
    add_refund,
    at,
)

FIRST_DAY = date(2026, 5, 4)
CLOSED_IN, CLOSED_AFTER, CANCELLED, SPLIT = "closed_in", "closed_after", "cancelled", "split"


@dataclass
class PaymentDraw:
    check: int
    tender: Tender
    amount: int
    tip: int
    change: int
    staff: int
    voided: bool
    other_day: bool


@dataclass
class DayDraw:
    checks: list[tuple[CheckSpec, str]]
    payments: list[PaymentDraw] = field(default_factory=list)
    refunds: list[tuple[int, int, bool]] = field(default_factory=list)  # payment, cents, other


line_st = st.builds(
    L,
    name=st.sampled_from(["Burger", "Fries", "Beer", "Soup", "Wine"]),
    cents=st.integers(1, 5000),
    quantity=st.integers(1, 3),
    category=st.sampled_from(["Mains", "Drinks", "Sides"]),
    rates=st.sampled_from([(), (SALES,), (ALCOHOL,), (VAT,), (SALES, ALCOHOL)]),
)


@st.composite
def check_st(draw: st.DrawFn) -> tuple[CheckSpec, str]:
    lines = draw(st.lists(line_st, min_size=1, max_size=4))
    discount = st.one_of(
        st.builds(
            D,
            kind=st.just("percent"),
            value=st.integers(1, 1_000_000),
            line=st.one_of(st.none(), st.integers(0, len(lines) - 1)),
            comp=st.booleans(),
            reason=st.sampled_from(["regular", "late", "cold"]),
        ),
        st.builds(D, kind=st.just("amount"), value=st.integers(1, 3000)),
    )
    charge = st.builds(
        C,
        name=st.sampled_from(["Gratuity", "Service"]),
        kind=st.sampled_from(["percent", "amount"]),
        value=st.integers(1, 200_000),
        taxable=st.booleans(),
    )
    spec = CheckSpec(
        lines,
        discounts=draw(st.lists(discount, max_size=2)),
        charges=draw(st.lists(charge, max_size=1)),
        customers=draw(st.integers(1, 6)),
        voids=draw(st.lists(st.tuples(st.integers(1, 900), st.just("mistake")), max_size=1)),
    )
    return spec, draw(st.sampled_from([CLOSED_IN, CLOSED_IN, CLOSED_AFTER, CANCELLED, SPLIT]))


@st.composite
def day_st(draw: st.DrawFn) -> DayDraw:
    checks = draw(st.lists(check_st(), min_size=1, max_size=5))
    payments = draw(
        st.lists(
            st.builds(
                PaymentDraw,
                check=st.integers(0, len(checks) - 1),
                tender=st.sampled_from(list(Tender)),
                amount=st.integers(1, 6000),
                tip=st.integers(0, 1000),
                change=st.integers(0, 2000),
                staff=st.integers(0, 2),
                voided=st.booleans(),
                other_day=st.booleans(),
            ),
            max_size=6,
        )
    )
    refunds = []
    if payments:
        refunds = draw(
            st.lists(
                st.tuples(st.integers(0, len(payments) - 1), st.integers(1, 500), st.booleans()),
                max_size=3,
            )
        )
    return DayDraw(checks, payments, refunds)


def collect(examples: int, keep: int) -> list[DayDraw]:
    drawn: list[DayDraw] = []

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(day_st())
    def draw(day: DayDraw) -> None:
        drawn.append(day)

    draw()
    # Spread over the run: hypothesis starts with its simplest examples.
    return drawn[:: max(1, len(drawn) // keep)][:keep]


async def build(db, draw: DayDraw, day: date, staff: list, table_numbers) -> None:
    order_ids: list[int] = []
    for spec, fate in draw.checks:
        spec.placed = at(day, 1)
        if fate == CLOSED_IN:
            spec.closed = at(day, 12)
        elif fate == CLOSED_AFTER:
            spec.closed = at(day, 25)
        elif fate == CANCELLED:
            spec.status, spec.closed, spec.cancel_reason = OrderStatus.CANCELLED, at(day, 3), "gone"
        else:
            spec.status = OrderStatus.OPEN
        order = await add_check(db, spec, actor_id=staff[0].user.id)
        order_ids.append(order.id)
        if fate == SPLIT:
            order_ids[-1] = await split_and_close(
                db, staff[0], order, day, next(table_numbers), len(spec.lines)
            )
    payments: list[Payment] = []
    for p in draw.payments:
        cash = p.tender == Tender.CASH
        payments.append(
            await add_payment(
                db,
                order_ids[p.check],
                day=day + timedelta(days=1) if p.other_day else day,
                amount=p.amount,
                tender=p.tender,
                tip=p.tip,
                tendered=p.amount + (p.change if cash else 0),
                taken_by=staff[p.staff].user.id,
                status=PaymentStatus.VOIDED if p.voided else PaymentStatus.CAPTURED,
            )
        )
    for index, cents, other in draw.refunds:
        await add_refund(
            db, payments[index].id, cents, day=day + timedelta(days=1) if other else day
        )


async def split_and_close(db, server, order: Order, day: date, number: int, lines: int) -> int:
    """Split the check (even in two, or by items when it has two lines or more) and close
    every share in the day; the first share's id stands for the check."""
    async with db.session() as session:
        table = DiningTable(table_number=number, capacity=4)
        session.add(table)
        await session.flush()
        row = await session.get(Order, order.id)
        await tables_service.occupy_table_for_order(session, table_id=table.id, order=row)
        table_id = table.id
    request = (
        SplitRequest(mode=SplitMode.EVEN, ways=2)
        if lines < 2
        else SplitRequest(mode=SplitMode.ITEMS, groups=((0,), tuple(range(1, lines))))
    )
    async with db.session() as session:
        shares = await tables_service.split_bill(
            session, actor=server.user, table_id=table_id, request=request
        )
        for share in shares:
            share.status = OrderStatus.CLOSED
            share.closed_at = at(day, 13)
            session.add(share)
        return shares[0].id


async def expected_figures(db, day: date) -> dict[str, object]:
    """The figures summed straight from the rows, without the report's code."""
    start, end = CAL.bounds(day)
    async with db.session(read_only=True) as session:

        async def ended(status: str) -> list[Order]:
            rows = await session.exec(
                select(Order).where(
                    col(Order.status) == status,
                    col(Order.closed_at) >= start,
                    col(Order.closed_at) < end,
                )
            )
            return list(rows.all())

        closed = await ended(OrderStatus.CLOSED)
        cancelled = await ended(OrderStatus.CANCELLED)
        checks = [await price_order(session, order) for order in closed]
        voided = [await price_order(session, order) for order in cancelled]
        lines = (
            await session.exec(
                select(OrderLine).where(col(OrderLine.order_id).in_([o.id for o in closed] or [0]))
            )
        ).all()
        # An even share's units count once, with share 1, as the split check's lines.
        parent = {order.id: order.split_from_id for order in closed}
        firsts = [
            parent[line.order_id]
            for line in lines
            if line.carried and line.category == "Split" and line.name.startswith("Share 1 of")
        ]
        shares = [line for line in lines if line.carried and line.category == "Split"]
        split_units = (
            await session.exec(
                select(OrderLine.quantity).where(col(OrderLine.order_id).in_(firsts or [0]))
            )
        ).all()
        quantities = [line.quantity for line in lines if line not in shares] + list(split_units)
        payments = (
            await session.exec(
                select(Payment).where(
                    col(Payment.business_date) == day, col(Payment.status) == "captured"
                )
            )
        ).all()
        refunds = (await session.exec(select(Refund).where(col(Refund.business_date) == day))).all()
    taxes: Counter[tuple[str, int, bool]] = Counter()
    for check in checks:
        for tax in check.taxes:
            taxes[(tax.key.name, tax.key.rate_ppm, tax.key.inclusive)] += tax.amount_cents
    tenders: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    tips: Counter[int | None] = Counter()
    for payment in payments:
        row = tenders[str(payment.tender)]
        row[0] += 1
        row[1] += payment.amount_cents
        row[2] += payment.tip_cents
        row[3] += payment.tendered_cents
        row[4] += payment.change_cents
        tips[payment.taken_by_id] += payment.tip_cents
    return {
        "checks": len(closed),
        "covers": sum(order.customer_count for order in closed),
        "gross": sum(check.subtotal_cents for check in checks),
        "discounts": sum(check.discount_cents for check in checks),
        "charges": sum(check.service_charge_cents for check in checks),
        "tax": sum(check.tax_cents for check in checks),
        "inclusive": sum(check.inclusive_tax_cents for check in checks),
        "total": sum(check.total_cents for check in checks),
        "quantity": sum(quantities),
        "taxes": {key: cents for key, cents in taxes.items()},
        "cancelled": sorted(check.total_cents for check in voided),
        "tenders": {tender: tuple(row) for tender, row in tenders.items()},
        "tips": dict(tips),
        "refunds": sum(refund.amount_cents for refund in refunds),
        "refund_count": len(refunds),
    }


def figures_of(report: DayReport) -> dict[str, object]:
    taxes: Counter[tuple[str, int, bool]] = Counter()
    for tax in report.taxes:
        taxes[(tax.name, tax.rate_ppm, tax.inclusive)] += tax.amount_cents
    assert sum(item.gross_cents for item in report.items) == report.gross_sales_cents
    assert sum(c.gross_cents for c in report.categories) == report.gross_sales_cents
    assert sum(c.quantity for c in report.categories) == sum(i.quantity for i in report.items)
    assert sum(d.amount_cents for d in report.discounts) == report.discount_cents
    assert sum(s.amount_cents for s in report.service_charges) == report.service_charge_cents
    assert sum(t.amount_cents for t in report.taxes if not t.inclusive) == report.tax_cents
    assert sum(t.tip_cents for t in report.tips) == report.tip_cents
    assert sum(t.amount_cents for t in report.tenders) == report.paid_cents
    assert (
        report.gross_sales_cents
        - report.discount_cents
        + report.service_charge_cents
        + report.tax_cents
        == report.total_cents
    )
    return {
        "checks": report.checks,
        "covers": report.covers,
        "gross": report.gross_sales_cents,
        "discounts": report.discount_cents,
        "charges": report.service_charge_cents,
        "tax": report.tax_cents,
        "inclusive": report.inclusive_tax_cents,
        "total": report.total_cents,
        "quantity": sum(item.quantity for item in report.items),
        "taxes": dict(taxes),
        "cancelled": sorted(v.amount_cents for v in report.voids if v.kind == "check"),
        "tenders": {
            t.tender: (t.count, t.amount_cents, t.tip_cents, t.tendered_cents, t.change_cents)
            for t in report.tenders
        },
        "tips": {t.staff_id: t.tip_cents for t in report.tips},
        "refunds": report.refund_cents,
        "refund_count": len(report.refunds),
    }


async def test_every_figure_of_the_z_report_is_the_sum_of_its_rows(db, server, manager, admin):
    staff = [server, manager, admin]
    table_numbers = iter(range(1, 1000))
    for index, draw in enumerate(collect(40, keep=6)):
        day = FIRST_DAY + timedelta(days=3 * index)
        await build(db, draw, day, staff, table_numbers)
        async with db.session() as session:
            z = await service.close_business_day(session, actor=manager.user, calendar=CAL, day=day)
        expected = await expected_figures(db, day)
        assert figures_of(z) == expected, draw
        # The stored Z is the report returned, and a recomputation agrees with it.
        async with db.session(read_only=True) as session:
            assert await service.z_report(session, actor=manager.user, day=day) == z
            x = await service.x_report(session, actor=manager.user, calendar=CAL, day=day)
        assert figures_of(x) == figures_of(z)
        assert x.items == z.items and x.discounts == z.discounts and x.voids == z.voids
