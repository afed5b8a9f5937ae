"""The payments ledger through its service, on SQLite and PostgreSQL: several tenders on one
check, cash change, overpayment refused, voids, idempotent retries, checks that close
themselves and free their table, closed business days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from restaurant_api.errors import InvalidInput, PermissionDenied
from restaurant_api.money import format_cents
from restaurant_api.orders import service as orders
from restaurant_api.orders.models import Order, OrderStatus
from restaurant_api.payments import service as payments
from restaurant_api.payments.models import BusinessDay, BusinessDayStatus, Payment
from restaurant_api.tables.models import DiningTable
from tests.conftest import gid
from tests.factories import Item, table_json

CALENDAR = payments.BusinessCalendar("America/New_York", 4)
# 2026-03-14 23:30 in New York; 03:30 UTC next day: still the business date of the 14th.
NOW = datetime(2026, 3, 15, 3, 30, tzinfo=UTC)
DAY = date(2026, 3, 14)


async def _pay(db, staff, order_id, tender, amount, **extra):
    async with db.session() as session:
        return await payments.record_payment(
            session,
            actor=staff.user,
            calendar=CALENDAR,
            order_id=order_id,
            tender=tender,
            amount=amount,
            now=NOW,
            **extra,
        )


async def _payments(db, order_id):
    async with db.session() as session:
        rows = await session.exec(
            select(Payment).where(Payment.order_ref == order_id).order_by(col(Payment.id))
        )
        return rows.all()


async def _order(db, order_id):
    async with db.session() as session:
        return await session.get(Order, order_id)


async def test_two_cards_and_cash_with_change_close_the_check(db, server, add_order, add_table):
    table = await add_table(7)
    order = await add_order([Item("Steak", 6000), Item("Wine", 4000)], table_id=table.id)
    first = await _pay(db, server, order.id, "card", "30.00", tip="5.00", external_reference="T1")
    assert (first.balance_due_cents, first.check_total_cents) == (7000, 10000)
    assert first.order.status == OrderStatus.OPEN
    second = await _pay(db, server, order.id, "card", "25.00", method_label="Visa")
    assert second.balance_due_cents == 4500
    cash = await _pay(db, server, order.id, "cash", "45.00", tendered="50.00", tip="2.00")
    assert cash.balance_due_cents == 0
    assert cash.change_cents == 500
    assert cash.order.status == OrderStatus.CLOSED
    rows = await _payments(db, order.id)
    got = [(p.tender, p.amount_cents, p.tendered_cents, p.change_cents, p.tip_cents) for p in rows]
    assert got == [
        ("card", 3000, 3000, 0, 500),
        ("card", 2500, 2500, 0, 0),
        ("cash", 4500, 5000, 500, 200),
    ]
    assert {p.business_date for p in rows} == {DAY}
    assert {p.taken_by_id for p in rows} == {server.user.id}
    stored = await _order(db, order.id)
    assert stored.status == OrderStatus.CLOSED and stored.closed_at is not None
    assert stored.tip_cents == 700  # old clients read the tips here
    assert stored.payment_method == "card, Visa, cash"
    async with db.session() as session:
        freed = await session.get(DiningTable, table.id)
    assert freed.status == "available" and freed.current_order_id is None


async def test_a_paid_check_cannot_change(db, server, client, add_order):
    order = await add_order([Item("Tea", 250)])
    paid = await _pay(db, server, order.id, "card", "2.50")
    with pytest.raises(orders.OrderNotOpen):
        await _pay(db, server, order.id, "cash", "1.00")
    with pytest.raises(orders.OrderNotOpen):
        async with db.session() as session:
            await payments.void_payment(
                session, actor=server.user, calendar=CALENDAR, payment_id=paid.payment.id,
                reason="oops", now=NOW,
            )  # fmt: skip
    response = await client.put(
        f"/api/orders/{order.id}", json={"customer_count": 3}, headers=server.headers
    )
    assert response.status_code == 409
    assert len(await _payments(db, order.id)) == 1


async def test_overpayment_refused_except_cash_change(db, server, add_order):
    order = await add_order([Item("Pasta", 1800)])
    with pytest.raises(payments.Overpayment) as refused:
        await _pay(db, server, order.id, "card", "18.01")
    assert "18.00" in refused.value.message
    with pytest.raises(payments.Overpayment):
        await _pay(db, server, order.id, "cash", "20.00")  # the amount, not the cash handed
    with pytest.raises(InvalidInput) as card_change:
        await _pay(db, server, order.id, "card", "10.00", tendered="12.00")
    assert card_change.value.field == "tendered"
    for bad in ("0", "-1.00", "1.005"):
        with pytest.raises(InvalidInput):
            await _pay(db, server, order.id, "cash", bad)
    with pytest.raises(InvalidInput):
        await _pay(db, server, order.id, "cash", "5.00", tendered="4.00")
    assert await _payments(db, order.id) == []
    half = await _pay(db, server, order.id, "gift_card", "9.00")
    with pytest.raises(payments.Overpayment) as second:
        await _pay(db, server, order.id, "card", "9.01")
    assert "9.00" in second.value.message
    assert half.balance_due_cents == 900
    assert (await _order(db, order.id)).status == OrderStatus.OPEN


async def test_void_while_open_then_pay_again(db, server, manager, add_order):
    order = await add_order([Item("Pizza", 1500)])
    wrong = await _pay(db, server, order.id, "card", "10.00", tip="1.00")
    async with db.session() as session:
        with pytest.raises(InvalidInput):
            await payments.void_payment(
                session, actor=server.user, calendar=CALENDAR, payment_id=wrong.payment.id,
                reason="  ", now=NOW,
            )  # fmt: skip
    async with db.session() as session:
        voided = await payments.void_payment(
            session, actor=server.user, calendar=CALENDAR, payment_id=wrong.payment.id,
            reason="wrong card", now=NOW,
        )  # fmt: skip
    assert voided.balance_due_cents == 1500
    assert voided.payment.status == payments.PaymentStatus.VOIDED
    async with db.session() as session:
        with pytest.raises(payments.PaymentNotCaptured):
            await payments.void_payment(
                session, actor=manager.user, calendar=CALENDAR, payment_id=wrong.payment.id,
                reason="again", now=NOW,
            )  # fmt: skip
    assert (await _order(db, order.id)).tip_cents == 0  # a voided tip counts for nothing
    paid = await _pay(db, server, order.id, "cash", "15.00", tendered="20.00")
    assert (paid.balance_due_cents, paid.change_cents) == (0, 500)
    rows = await _payments(db, order.id)
    assert [(p.status, p.void_reason, p.voided_by_id) for p in rows] == [
        ("voided", "wrong card", server.user.id),
        ("captured", None, None),
    ]
    assert (await _order(db, order.id)).status == OrderStatus.CLOSED


async def test_idempotent_retry_records_once(db, server, add_order):
    order = await add_order([Item("Soup", 900)])
    first = await _pay(db, server, order.id, "card", "4.00", idempotency_key="k-1")
    again = await _pay(db, server, order.id, "card", "4.00", idempotency_key="k-1")
    assert again.replayed and again.payment.id == first.payment.id
    assert again.balance_due_cents == 500
    with pytest.raises(payments.PaymentIdempotencyMismatch):
        await _pay(db, server, order.id, "card", "4.50", idempotency_key="k-1")
    # The same key on the payment that closes the check: its retry still answers the same.
    last = await _pay(db, server, order.id, "cash", "5.00", idempotency_key="k-2")
    retry = await _pay(db, server, order.id, "cash", "5.00", idempotency_key="k-2")
    assert last.order.status == OrderStatus.CLOSED
    assert retry.payment.id == last.payment.id and retry.balance_due_cents == 0
    assert len(await _payments(db, order.id)) == 2


async def test_payment_on_a_closed_business_day_refused(db, server, add_order):
    order = await add_order([Item("Soup", 900)])
    paid = await _pay(db, server, order.id, "card", "4.00")
    async with db.session() as session:
        session.add(BusinessDay(business_date=DAY, status=BusinessDayStatus.CLOSED))
    with pytest.raises(payments.BusinessDayClosed):
        await _pay(db, server, order.id, "card", "1.00")
    async with db.session() as session:
        with pytest.raises(payments.BusinessDayClosed):
            await payments.void_payment(
                session, actor=server.user, calendar=CALENDAR, payment_id=paid.payment.id,
                reason="late", now=NOW,
            )  # fmt: skip
    # After the cut-off the next business date is open.
    async with db.session() as session:
        later = await payments.record_payment(
            session, actor=server.user, calendar=CALENDAR, order_id=order.id, tender="cash",
            amount="5.00", now=datetime(2026, 3, 15, 8, 0, tzinfo=UTC),
        )  # fmt: skip
    assert later.payment.business_date == date(2026, 3, 15)
    assert [p.status for p in await _payments(db, order.id)] == ["captured", "captured"]


async def test_kitchen_staff_cannot_take_payments(db, kitchen, add_order):
    order = await add_order([Item("Soup", 900)])
    with pytest.raises(PermissionDenied):
        await _pay(db, kitchen, order.id, "cash", "9.00")
    assert await _payments(db, order.id) == []


async def test_split_check_paid_share_by_share(db, client, server, add_order, add_table):
    table = await add_table(3)
    await add_order([Item("Steak", 6000), Item("Wine", 4000)], table_id=table.id)
    response = await client.post(
        f"/api/tables/split-bill/{table.id}", json={"method": "even", "ways": 3},
        headers=server.headers,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    shares = [share["id"] for share in response.json()]
    assert len(shares) == 3
    firsts = []
    for share_id in shares:
        async with db.session() as session:
            check = await orders.price_order(session, await session.get(Order, share_id))
        firsts.append(check.total_cents)
    assert sorted(firsts) == [3333, 3333, 3334]
    for share_id, cents in zip(shares[:2], firsts[:2], strict=True):
        paid = await _pay(db, server, share_id, "card", format_cents(cents))
        assert paid.order.status == OrderStatus.CLOSED
        assert (await table_json(client, server, table.id))["status"] == "occupied"
    last = await _pay(db, server, shares[2], "cash", format_cents(firsts[2]), tendered="40")
    assert last.change_cents == 4000 - firsts[2]
    assert (await table_json(client, server, table.id))["status"] == "available"
    async with db.session() as session:
        grouped = await payments.payments_for_orders(session, shares)
    assert [payments.paid_total(grouped[s]) for s in shares] == firsts


async def test_payments_for_orders_is_one_read(db, server, add_order, count_statements):
    one = await add_order([Item("Soup", 900)])
    two = await add_order([Item("Tea", 300)])
    await _pay(db, server, one.id, "card", "4.00")
    await _pay(db, server, two.id, "cash", "3.00")
    async with db.session() as session:
        with count_statements() as counter:
            grouped = await payments.payments_for_orders(session, [one.id, two.id, 999])
    assert counter.count == 1
    assert [p.amount_cents for p in grouped[one.id]] == [400]
    assert [p.amount_cents for p in grouped[two.id]] == [300]
    assert grouped[999] == []


def test_balance_due_and_tenders_of_method_texts():
    common: dict[str, Any] = {"order_ref": 1, "business_date": DAY}
    captured = Payment(
        **common, tender=payments.Tender.CARD, amount_cents=300, tendered_cents=300,
        tip_cents=100, status=payments.PaymentStatus.CAPTURED,
    )  # fmt: skip
    voided = Payment(
        **common, tender=payments.Tender.CASH, amount_cents=500, tendered_cents=500,
        status=payments.PaymentStatus.VOIDED,
    )  # fmt: skip
    assert payments.balance_due(1000, [captured, voided]) == 700
    assert payments.balance_due(1000, []) == 1000
    cases = {"Cash": "cash", " VISA ": "card", "credit": "card", "Gift Card": "gift_card",
             "gift_card": "gift_card", "cheque": "other", "Amex": "card"}  # fmt: skip
    assert {text: payments.tender_of_method(text) for text in cases} == cases


async def test_a_check_with_payments_is_not_split_merged_or_cancelled(
    db, client, server, manager, add_order, add_table
):
    host, guest = await add_table(1), await add_table(2)
    await add_order([Item("Soup", 900)], table_id=host.id)
    paid = await add_order([Item("Steak", 6000), Item("Wine", 4000)], table_id=guest.id)
    part = await _pay(db, server, paid.id, "card", "10.00")
    split = await client.post(
        f"/api/tables/split-bill/{guest.id}", json={"method": "even", "ways": 2},
        headers=server.headers,
    )  # fmt: skip
    assert split.status_code == 409
    assert "void them before splitting" in split.json()["detail"]
    merge = await client.post(
        f"/api/tables/merge-tables/{host.id}/{guest.id}", headers=server.headers
    )
    assert merge.status_code == 409
    cancel = await client.post(
        f"/api/orders/{paid.id}/cancel", json={"reason": "walked out"}, headers=manager.headers
    )
    assert cancel.status_code == 409
    assert (await _order(db, paid.id)).status == OrderStatus.OPEN
    # Voided, the payment no longer holds the check: it splits.
    async with db.session() as session:
        await payments.void_payment(
            session, actor=server.user, calendar=CALENDAR, payment_id=part.payment.id,
            reason="split instead", now=NOW,
        )  # fmt: skip
    split = await client.post(
        f"/api/tables/split-bill/{guest.id}", json={"method": "even", "ways": 2},
        headers=server.headers,
    )  # fmt: skip
    assert split.status_code == 200, split.text


async def test_no_change_brings_the_total_below_what_was_paid(db, client, gql, server, manager):
    placed = await client.post(
        "/api/orders", headers=server.headers,
        json={"order": [{"name": "Steak", "price": "60", "category": "Mains"},
                        {"name": "Wine", "price": "40", "category": "Drinks"}]},
    )  # fmt: skip
    order_id = placed.json()["id"]
    await _pay(db, server, order_id, "card", "70.00")
    smaller = await client.put(
        f"/api/orders/{order_id}", headers=server.headers,
        json={"order": [{"name": "Steak", "price": "60", "category": "Mains"}]},
    )  # fmt: skip
    assert smaller.status_code == 409
    assert "less than its payments (70.00)" in smaller.json()["detail"]
    discount = await gql(
        """mutation($id: ID!) { applyDiscount(input: {orderId: $id, reason: "regular",
             amount: "30.01"}) { __typename ... on Error { code message } } }""",
        {"id": gid("Order", order_id)}, staff=manager,
    )  # fmt: skip
    assert discount["data"]["applyDiscount"]["code"] == "CONFLICT"
    fits = await gql(
        """mutation($id: ID!) { applyDiscount(input: {orderId: $id, reason: "regular",
             amount: "30.00"}) { __typename } }""",
        {"id": gid("Order", order_id)}, staff=manager,
    )  # fmt: skip
    assert fits["data"]["applyDiscount"]["__typename"] == "DiscountPayload"
    async with db.session() as session:
        check = await orders.price_order(session, await session.get(Order, order_id))
    assert check.total_cents == 7000
