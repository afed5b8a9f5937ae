"""X and Z reports and closing a business day, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest

from restaurant_api.errors import PermissionDenied
from restaurant_api.orders.models import Order, OrderStatus
from restaurant_api.payments import service
from restaurant_api.payments.days import BusinessCalendar, BusinessDayClosed
from restaurant_api.payments.models import BusinessDay, BusinessDayStatus, PaymentStatus, Tender
from restaurant_api.payments.report_model import DayReport, ItemSales
from tests.conftest import gid
from tests.payments.reporting import (
    ALCOHOL,
    CAL,
    SALES,
    C,
    CheckSpec,
    D,
    L,
    add_check,
    add_payment,
    add_refund,
    at,
)

DAY = date(2026, 3, 10)
NEXT = DAY + timedelta(days=1)


async def build_day(db, server, manager):
    """The day of the README example: two checks, a cancelled one, one still open, one
    closed after the cut-off (the next day), payments, a void, a refund."""
    a = await add_check(
        db,
        CheckSpec(
            [L("Burger", 1600, 2, "Mains", (SALES,)), L("Beer", 700, 1, "Drinks", (ALCOHOL,))],
            discounts=[D("percent", 1_000_000, line=1, comp=True, reason="spilled")],
            customers=3,
            placed=at(DAY, 10),
            closed=at(DAY, 15),
        ),
        actor_id=manager.user.id,
    )
    b = await add_check(
        db,
        CheckSpec(
            [L("Salad", 1000, 1, "Starters")],
            discounts=[D("amount", 200, reason="birthday")],
            charges=[C("Service", "amount", 150)],
            customers=2,
            placed=at(DAY, 20),
            closed=at(DAY, 22),  # 02:00 local the next calendar day: still this business date
        ),
    )
    cancelled = await add_check(
        db,
        CheckSpec(
            [L("Wine", 900)],
            placed=at(DAY, 4),
            closed=at(DAY, 5),
            status=OrderStatus.CANCELLED,
            cancel_reason="walked out",
        ),
    )
    late = await add_check(
        db, CheckSpec([L("Soup", 500)], placed=at(DAY, 23), closed=at(DAY, 24.5))
    )
    still_open = await add_check(
        db, CheckSpec([L("Tea", 300)], placed=at(DAY, 3), status=OrderStatus.OPEN)
    )
    await add_payment(db, a.id, day=DAY, amount=2000, tip=300, taken_by=server.user.id)
    await add_payment(
        db, a.id, day=DAY, amount=1484, tender=Tender.CASH, tendered=2000, taken_by=server.user.id
    )
    paid_b = await add_payment(db, b.id, day=DAY, amount=950, tip=100, taken_by=manager.user.id)
    await add_payment(
        db, b.id, day=DAY, amount=500, taken_by=server.user.id, status=PaymentStatus.VOIDED
    )
    await add_payment(db, late.id, day=NEXT, amount=500, tender=Tender.CASH)
    await add_refund(db, paid_b.id, 300, day=DAY, reason="cold", by=manager.user.id)
    await add_refund(db, paid_b.id, 50, day=NEXT, reason="later")
    return a, b, cancelled, late, still_open


async def x_report(db, manager, day=DAY) -> DayReport:
    async with db.session(read_only=True) as session:
        return await service.x_report(session, actor=manager.user, calendar=CAL, day=day)


async def test_the_x_report_counts_the_checks_closed_in_the_day_and_its_ledger(db, server, manager):
    a, b, cancelled, _, still_open = await build_day(db, server, manager)
    report = await x_report(db, manager)
    assert not report.closed
    assert (report.checks, report.covers) == (2, 5)
    assert report.gross_sales_cents == 4900
    assert report.discount_cents == 900
    assert report.service_charge_cents == 150
    assert report.tax_cents == 284
    assert report.total_cents == 3484 + 950 == 4434
    assert report.average_check == Decimal("22.17")
    assert [(i.name, i.category, i.quantity, i.gross_cents) for i in report.items] == [
        ("Beer", "Drinks", 1, 700),
        ("Burger", "Mains", 2, 3200),
        ("Salad", "Starters", 1, 1000),
    ]
    assert [(c.category, c.gross_cents) for c in report.categories] == [
        ("Drinks", 700),
        ("Mains", 3200),
        ("Starters", 1000),
    ]
    assert [(d.order_id, d.is_comp, d.amount_cents, d.reason) for d in report.discounts] == [
        (a.id, True, 700, "spilled"),
        (b.id, False, 200, "birthday"),
    ]
    assert report.discounts[0].approved_by_id == manager.user.id
    assert [(v.order_id, v.kind, v.amount_cents, v.reason) for v in report.voids] == [
        (cancelled.id, "check", 900, "walked out")
    ]
    assert [(s.name, s.count, s.amount_cents) for s in report.service_charges] == [
        ("Service", 1, 150)
    ]
    assert [(t.name, t.amount_cents) for t in report.taxes if t.amount_cents] == [
        ("Sales tax", 284)
    ]
    assert [
        (t.tender, t.count, t.amount_cents, t.tip_cents, t.tendered_cents, t.change_cents)
        for t in report.tenders
    ] == [("card", 2, 2950, 400, 2950, 0), ("cash", 1, 1484, 0, 2000, 516)]
    assert {(t.staff_id, t.count, t.tip_cents) for t in report.tips} == {
        (server.user.id, 2, 300),
        (manager.user.id, 1, 100),
    }
    assert [(r.order_id, r.amount_cents, r.reason) for r in report.refunds] == [(b.id, 300, "cold")]
    assert (report.paid_cents, report.tip_cents, report.refund_cents) == (4434, 400, 300)
    assert report.net_cents == 4534
    assert report.open_checks == (still_open.id,)
    # The next business date has the late check and its payment only.
    following = await x_report(db, manager, NEXT)
    assert (following.checks, following.total_cents, following.paid_cents) == (1, 500, 500)
    assert following.refund_cents == 50


async def test_a_day_refuses_to_close_with_an_open_check_then_closes_and_stays_fixed(
    db, server, manager
):
    _, b, _, _, still_open = await build_day(db, server, manager)
    async with db.session() as session:
        with pytest.raises(service.OpenChecksRemain) as refused:
            await service.close_business_day(session, actor=manager.user, calendar=CAL, day=DAY)
    assert refused.value.order_ids == [still_open.id]
    assert f"1 open check(s): {still_open.id};" in refused.value.message
    async with db.session(read_only=True) as session:
        assert await session.get(BusinessDay, DAY) is None

    # The open check is settled (closed in the day); now the day closes.
    async with db.session() as session:
        order = await session.get(Order, still_open.id)
        order.status = OrderStatus.CLOSED
        order.closed_at = at(DAY, 6)
        session.add(order)
    await add_payment(db, still_open.id, day=DAY, amount=300, tender=Tender.CASH)
    async with db.session() as session:
        with pytest.raises(PermissionDenied):
            await service.close_business_day(session, actor=server.user, calendar=CAL, day=DAY)
    async with db.session() as session:
        z = await service.close_business_day(
            session, actor=manager.user, calendar=CAL, day=DAY, now=at(DAY, 23)
        )
    assert z.closed and (z.checks, z.total_cents, z.paid_cents) == (3, 4734, 4734)
    async with db.session(read_only=True) as session:
        row = await session.get(BusinessDay, DAY)
        assert row.status == BusinessDayStatus.CLOSED
        assert row.closed_by_id == manager.user.id
        stored = await service.z_report(session, actor=manager.user, day=DAY)
    assert stored == z

    # Nothing of the day changes: every ledger change checks the day first.
    async with db.session() as session:
        with pytest.raises(BusinessDayClosed):
            await service.ensure_day_open(session, DAY)
        await service.ensure_day_open(session, NEXT)
        with pytest.raises(service.BusinessDayAlreadyClosed):
            await service.close_business_day(session, actor=manager.user, calendar=CAL, day=DAY)
    # A row slipped in behind the ledger's back changes the X figures, never the Z.
    await add_payment(db, b.id, day=DAY, amount=1, taken_by=server.user.id)
    async with db.session(read_only=True) as session:
        assert await service.z_report(session, actor=manager.user, day=DAY) == z
    assert (await x_report(db, manager)).paid_cents == z.paid_cents + 1


async def test_a_day_with_no_row_has_no_z_report_and_managers_only_read_reports(
    db, server, manager
):
    async with db.session(read_only=True) as session:
        with pytest.raises(service.BusinessDayNotClosed):
            await service.z_report(session, actor=manager.user, day=DAY)
        with pytest.raises(PermissionDenied):
            await service.z_report(session, actor=server.user, day=DAY)
    empty = await x_report(db, manager)
    assert (empty.checks, empty.total_cents, empty.average_check) == (0, 0, Decimal("0.00"))


def test_the_average_check_rounds_half_up_to_the_cent():
    base = DayReport(DAY, False, at(DAY, 1), 2, 2, 0, 0, 0, 0, 0, 1001, 0, 0, 0)
    assert base.average_check == Decimal("5.01")  # 5.005
    three = DayReport(DAY, False, at(DAY, 1), 3, 3, 0, 0, 0, 0, 0, 1000, 0, 0, 0)
    assert three.average_check == Decimal("3.33")
    assert DayReport.from_json(three.to_json()) == three


def test_business_dates_run_cut_off_to_cut_off_in_local_time():
    calendar = BusinessCalendar("America/New_York", 4)
    start, end = calendar.bounds(date(2026, 3, 7))  # the night clocks go forward
    assert start.isoformat() == "2026-03-07T09:00:00+00:00"
    assert end.isoformat() == "2026-03-08T08:00:00+00:00"
    assert calendar.date_of(end - timedelta(seconds=1)) == date(2026, 3, 7)
    assert calendar.date_of(end) == date(2026, 3, 8)


CLOSE = (
    "mutation($d: String!) { closeBusinessDay(businessDate: $d) { __typename "
    "... on CloseBusinessDayPayload { report { businessDate closed checks total { amount } } } "
    "... on Error { code message } } }"
)
X = (
    "query($d: String!) { xReport(businessDate: $d) { businessDate closed checks covers "
    "averageCheck { amount } total { amount } paidTotal { amount } openCheckIds "
    "tenders { tender count amount { amount } } taxes { name rate amount { amount } } } }"
)
Z = "query($d: String!) { zReport(businessDate: $d) { closed checks total { amount } } }"


async def test_graphql_close_business_day_x_and_z(db, gql, server, manager, add_order):
    from tests.factories import Item

    today = BusinessCalendar().today()  # the app's calendar: UTC, cut-off 04:00
    order = await add_order([Item("Steak", 2500)])
    body = await gql(CLOSE, {"d": today.isoformat()}, staff=server)
    assert body["data"]["closeBusinessDay"]["code"] == "PERMISSION_DENIED"
    body = await gql(CLOSE, {"d": today.isoformat()}, staff=manager)
    refused = body["data"]["closeBusinessDay"]
    assert refused["code"] == "CONFLICT" and str(order.id) in refused["message"]
    body = await gql(X, {"d": today.isoformat()}, staff=manager)
    assert body["data"]["xReport"]["openCheckIds"] == [gid("Order", order.id)]
    assert body["data"]["xReport"]["checks"] == 0
    body = await gql(Z, {"d": today.isoformat()}, staff=manager)
    assert body["data"] is None or body["data"]["zReport"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    response = await gql(X, {"d": "2026-02-30"}, staff=manager)
    assert response["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    assert (await gql(X, {"d": today.isoformat()}, staff=server))["errors"][0]["extensions"][
        "code"
    ] == "PERMISSION_DENIED"

    async with db.session() as session:
        row = await session.get(Order, order.id)
        row.status = OrderStatus.CLOSED
        row.closed_at = row.created_at
        session.add(row)
    await add_payment(db, order.id, day=today, amount=2500, tip=400, taken_by=server.user.id)
    body = await gql(X, {"d": today.isoformat()}, staff=manager)
    x = body["data"]["xReport"]
    assert (x["checks"], x["total"]["amount"], x["paidTotal"]["amount"]) == (1, "25.00", "25.00")
    assert x["averageCheck"]["amount"] == "25.00"
    assert x["tenders"] == [{"tender": "card", "count": 1, "amount": {"amount": "25.00"}}]
    body = await gql(CLOSE, {"d": today.isoformat()}, staff=manager)
    closed = body["data"]["closeBusinessDay"]
    assert closed["__typename"] == "CloseBusinessDayPayload"
    assert closed["report"] == {
        "businessDate": today.isoformat(),
        "closed": True,
        "checks": 1,
        "total": {"amount": "25.00"},
    }
    body = await gql(Z, {"d": today.isoformat()}, staff=manager)
    assert body["data"]["zReport"] == {"closed": True, "checks": 1, "total": {"amount": "25.00"}}
    body = await gql(CLOSE, {"d": today.isoformat()}, staff=manager)
    assert body["data"]["closeBusinessDay"]["code"] == "CONFLICT"


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


async def test_the_csv_export_of_a_closed_day(db, client, server, manager):
    _, _, cancelled, _, still_open = await build_day(db, server, manager)
    async with db.session() as session:
        order = await session.get(Order, still_open.id)
        order.status = OrderStatus.CANCELLED
        order.closed_at = at(DAY, 7)
        order.cancel_reason = "no show"
        session.add(order)
    url = f"/api/reports/{DAY.isoformat()}.csv"
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=server.headers)).status_code == 403
    missing = await client.get(url, headers=manager.headers)
    assert missing.status_code == 404 and "not closed" in missing.json()["detail"]
    bad = await client.get("/api/reports/2026-13-01.csv", headers=manager.headers)
    assert bad.status_code == 422 and "detail" in bad.json()

    x = await client.get(url, params={"kind": "x"}, headers=manager.headers)
    assert x.status_code == 200 and x.headers["content-type"].startswith("text/csv")
    assert ["report", "kind", "X", "", ""] in _rows(x.text)

    async with db.session() as session:
        await service.close_business_day(session, actor=manager.user, calendar=CAL, day=DAY)
    response = await client.get(url, headers=manager.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = _rows(response.text)
    assert rows[0] == ["section", "name", "detail", "count", "amount"]
    assert ["report", "kind", "Z", "", ""] in rows
    assert ["totals", "checks", "", "2", ""] in rows
    assert ["totals", "covers", "", "5", ""] in rows
    assert ["totals", "total", "", "2", "44.34"] in rows
    assert ["totals", "average_check", "", "", "22.17"] in rows
    assert ["totals", "refunds", "", "1", "3.00"] in rows
    assert ["totals", "net", "", "", "45.34"] in rows
    assert ["items", "Burger", "Mains", "2", "32.00"] in rows
    assert ["categories", "Starters", "", "1", "10.00"] in rows
    assert ["taxes", "Sales tax", "8.875% exclusive", "", "2.84"] in rows
    assert ["tenders", "cash", "amount", "1", "14.84"] in rows
    assert ["tenders", "cash", "change", "", "5.16"] in rows
    assert ["service_charges", "Service", "", "1", "1.50"] in rows
    voids = sorted(row[2:] for row in rows if row[0] == "voids")
    assert voids == [
        [f"order {cancelled.id}: walked out", "1", "9.00"],
        [f"order {still_open.id}: no show", "1", "3.00"],
    ]
    sections = [row[0] for row in rows[1:]]
    assert sections == sorted(sections, key=SECTION_ORDER.index)


SECTION_ORDER = [
    "report",
    "totals",
    "items",
    "categories",
    "discounts",
    "voids",
    "service_charges",
    "taxes",
    "tenders",
    "tips",
    "refunds",
]


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_text():
    report = DayReport(
        DAY,
        True,
        at(DAY, 1),
        1,
        1,
        500,
        0,
        0,
        0,
        0,
        500,
        0,
        0,
        0,
        items=(ItemSales("=SUM(A1:A9)", "-Mains", 1, 500),),
    )
    rows = _rows(service.report_csv(report))
    assert ["items", "'=SUM(A1:A9)", "'-Mains", "1", "5.00"] in rows


async def test_split_shares_report_the_items_of_the_check_they_were_split_from(db, server, manager):
    from restaurant_api.orders.service import SplitMode, SplitRequest
    from restaurant_api.tables import service as tables_service
    from restaurant_api.tables.models import DiningTable

    day = date(2026, 4, 1)
    order = await add_check(
        db,
        CheckSpec(
            [L("Burger", 1600, 2, "Mains", (SALES,)), L("Beer", 700, 1, "Drinks", (ALCOHOL,))],
            discounts=[D("amount", 300, reason="loyalty")],
            customers=3,
            placed=at(day, 2),
            status=OrderStatus.OPEN,
        ),
    )
    async with db.session() as session:
        table = DiningTable(table_number=7, capacity=4)
        session.add(table)
        await session.flush()
        row = await session.get(Order, order.id)
        await tables_service.occupy_table_for_order(session, table_id=table.id, order=row)
        table_id = table.id
    async with db.session() as session:
        shares = await tables_service.split_bill(
            session,
            actor=server.user,
            table_id=table_id,
            request=SplitRequest(mode=SplitMode.EVEN, ways=3),
        )
        for share in shares:
            share.status = OrderStatus.CLOSED
            share.closed_at = at(day, 3)
            session.add(share)
    report = await x_report(db, manager, day)
    assert report.checks == 3 and report.gross_sales_cents == 3900
    assert [(i.name, i.category, i.quantity, i.gross_cents) for i in report.items] == [
        ("Beer", "Drinks", 1, 700),
        ("Burger", "Mains", 2, 3200),
    ]
    # The check's discount was split with it: carried into the shares.
    assert [(d.order_id, d.name, d.amount_cents) for d in report.discounts] == [
        (None, "Carried from split checks", 300)
    ]
    assert report.open_checks == ()  # the check split off is no longer open


README_QUERY = """query {
  xReport(businessDate: "2026-03-10") {
    checks covers averageCheck { amount } total { amount }
    categories { category quantity gross { amount } }
    taxes { name rate inclusive amount { amount } }
    tenders { tender count amount { amount } tip { amount } change { amount } }
    tips { staffName count tip { amount } }
    refundTotal { amount } netTotal { amount } openCheckIds
  }
}"""


async def test_the_readme_query_runs(db, gql, server, manager):
    a = await add_check(db, CheckSpec([L("Tea", 300, 2, "Drinks", (SALES,))], closed=at(DAY, 9)))
    await add_payment(db, a.id, day=DAY, amount=653, tender=Tender.CASH, tendered=1000)
    body = await gql(README_QUERY, staff=manager)
    assert "errors" not in body, body
    report = body["data"]["xReport"]
    assert (report["checks"], report["total"]["amount"]) == (1, "6.53")
    assert report["tenders"] == [
        {
            "tender": "cash",
            "count": 1,
            "amount": {"amount": "6.53"},
            "tip": {"amount": "0.00"},
            "change": {"amount": "3.47"},
        }
    ]
    assert report["taxes"] == [
        {"name": "Sales tax", "rate": "8.875", "inclusive": False, "amount": {"amount": "0.53"}}
    ]
