"""Refunds of a closed check's payments: who, how much, which day, retries and races."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from restaurant_api.orders.models import OrderStatus
from restaurant_api.payments import service as payments_service
from restaurant_api.payments.days import BusinessCalendar, BusinessDayClosed
from restaurant_api.payments.models import PaymentStatus
from restaurant_api.users.models import Role
from tests.conftest import gid
from tests.payments.tipping import (
    REFUND,
    add_payment,
    at,
    close_day,
    order_row,
    paid_order,
    refunds_of,
    set_status,
    today,
)


def _input(payment_id: int, amount: str, reason: str = "Cold food", **extra):
    return {
        "input": {
            "paymentId": gid("Payment", payment_id),
            "amount": amount,
            "reason": reason,
            **extra,
        }
    }


@pytest.fixture
def only_postgres(backend):
    if backend.name != "postgresql":
        pytest.skip("a PostgreSQL race test")


async def test_partial_then_full_refund_after_close(gql, db, add_order, manager):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id, amount_cents=2000, tip_cents=300)
    version = (await order_row(db, order.id)).version

    first = (await gql(REFUND, _input(payment.id, "5.00"), staff=manager))["data"]["refundPayment"]

    assert first["__typename"] == "RefundPaymentPayload", first
    assert first["refund"]["amount"] == {"amount": "5.00"}
    assert first["refund"]["paymentId"] == gid("Payment", payment.id)
    assert first["refund"]["reason"] == "Cold food"
    assert first["refund"]["refundedById"] == gid("User", manager.user.id)
    assert first["refund"]["businessDate"] == today().isoformat()
    assert first["refundable"] == {"amount": "18.00"}  # 20.00 + 3.00 tip - 5.00
    assert first["replayed"] is False

    rest = (await gql(REFUND, _input(payment.id, "18"), staff=manager))["data"]["refundPayment"]
    assert rest["refundable"] == {"amount": "0.00"}
    too_much = (await gql(REFUND, _input(payment.id, "0.01"), staff=manager))["data"]
    assert too_much["refundPayment"]["__typename"] == "ValidationError"
    assert too_much["refundPayment"]["field"] == "amount"

    assert [r.amount_cents for r in await refunds_of(db, payment.id)] == [500, 1800]
    after = await order_row(db, order.id)
    assert after.status == OrderStatus.CLOSED  # reopens nothing
    assert after.version == version + 2  # subscribers heard of each refund
    listed = await gql(
        "query($id: ID!) { refunds(paymentId: $id) { amount { amount } reason } }",
        {"id": gid("Payment", payment.id)},
        staff=manager,
    )
    assert [r["amount"]["amount"] for r in listed["data"]["refunds"]] == ["5.00", "18.00"]


async def test_too_much_at_once_is_refused(gql, db, add_order, admin):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id, amount_cents=1000, tip_cents=150)

    body = await gql(REFUND, _input(payment.id, "11.51"), staff=admin)

    assert body["data"]["refundPayment"]["field"] == "amount"
    assert "1150" in body["data"]["refundPayment"]["message"]
    assert await refunds_of(db, payment.id) == []
    whole = await gql(REFUND, _input(payment.id, "11.50"), staff=admin)
    assert whole["data"]["refundPayment"]["refundable"]["amount"] == "0.00"


async def test_servers_may_not_refund(gql, db, add_order, server, kitchen):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id)

    for staff in (server, kitchen):
        body = await gql(REFUND, _input(payment.id, "1"), staff=staff)
        assert body["data"]["refundPayment"]["__typename"] == "PermissionDeniedError"
    anonymous = await gql(REFUND, _input(payment.id, "1"))
    assert anonymous["data"]["refundPayment"]["__typename"] == "AuthenticationError"
    assert await refunds_of(db, payment.id) == []


async def test_an_open_check_is_not_refunded(gql, db, add_order, manager):
    order = await paid_order(add_order, db, close=False)
    payment = await add_payment(db, order.id)

    body = await gql(REFUND, _input(payment.id, "1"), staff=manager)

    assert body["data"]["refundPayment"]["__typename"] == "ConflictError"
    assert "void" in body["data"]["refundPayment"]["message"]
    assert await refunds_of(db, payment.id) == []
    # Once the check is closed the same refund goes through.
    await set_status(db, order.id, OrderStatus.CLOSED)
    again = await gql(REFUND, _input(payment.id, "1"), staff=manager)
    assert again["data"]["refundPayment"]["__typename"] == "RefundPaymentPayload"


async def test_bad_refunds_are_typed_errors(gql, db, add_order, manager):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id)
    voided = await add_payment(db, order.id, status=PaymentStatus.VOIDED)

    cases = [
        (_input(payment.id, "1", reason="   "), "reason"),
        (_input(payment.id, "1", reason="x" * 501), "reason"),
        (_input(payment.id, "0"), "amount"),
        (_input(payment.id, "-1"), "amount"),
        (_input(payment.id, "1.001"), "amount"),
        (_input(payment.id, "1", idempotencyKey="k" * 256), "idempotencyKey"),
        (
            {"input": {**_input(payment.id, "1")["input"], "paymentId": gid("Order", 1)}},
            "paymentId",
        ),
    ]
    for variables, field in cases:
        body = await gql(REFUND, variables, staff=manager)
        assert body["data"]["refundPayment"]["__typename"] == "ValidationError", variables
        assert body["data"]["refundPayment"]["field"] == field, variables
    missing = await gql(REFUND, _input(99_999, "1"), staff=manager)
    assert missing["data"]["refundPayment"]["__typename"] == "NotFoundError"
    void = await gql(REFUND, _input(voided.id, "1"), staff=manager)
    assert void["data"]["refundPayment"]["__typename"] == "ConflictError"
    assert await refunds_of(db, payment.id) == []


async def test_a_retry_with_the_same_key_refunds_once(gql, db, add_order, manager):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id, amount_cents=1000)
    keyed = _input(payment.id, "4", idempotencyKey="refund-1")

    first = (await gql(REFUND, keyed, staff=manager))["data"]["refundPayment"]
    retry = (await gql(REFUND, keyed, staff=manager))["data"]["refundPayment"]

    assert retry["replayed"] is True
    assert retry["refund"] == first["refund"]
    assert retry["refundable"] == {"amount": "6.00"}
    other = _input(payment.id, "5", idempotencyKey="refund-1")
    mismatch = (await gql(REFUND, other, staff=manager))["data"]["refundPayment"]
    assert mismatch["code"] == "IDEMPOTENCY_MISMATCH"
    assert [r.amount_cents for r in await refunds_of(db, payment.id)] == [400]


async def test_refunds_count_on_the_day_they_happen(db, add_order, make_staff):
    manager = await make_staff(Role.MANAGER)
    calendar = BusinessCalendar(timezone="America/New_York", cutoff_hour=4)
    order = await paid_order(add_order, db)
    saturday = at("2026-03-07T20:00:00-05:00")
    payment = await add_payment(
        db, order.id, amount_cents=3000, business_date=calendar.today(saturday)
    )
    await close_day(db, calendar.today(saturday))  # the payment's day is closed: no matter

    async def refund(now, amount):
        async with db.session() as session:
            return await payments_service.refund_payment(
                session,
                actor=manager.user,
                calendar=calendar,
                payment_id=payment.id,
                amount=amount,
                reason="Overcharged",
                now=now,
            )

    # Sunday 01:30 in New York (06:30 UTC) is still Saturday's business date, closed.
    with pytest.raises(BusinessDayClosed):
        await refund(at("2026-03-08T01:30:00-05:00"), "1")
    sunday = await refund(at("2026-03-08T15:00:00-04:00"), "10")
    # Monday 03:00 belongs to Sunday (cut-off 04:00).
    late = await refund(at("2026-03-09T03:00:00-04:00"), "5")
    monday = await refund(at("2026-03-09T12:00:00-04:00"), "2")

    days = [r.business_date for r in await refunds_of(db, payment.id)]
    assert days == [
        sunday.refund.business_date,
        late.refund.business_date,
        monday.refund.business_date,
    ]
    assert [d.isoformat() for d in days] == ["2026-03-08", "2026-03-08", "2026-03-09"]
    assert monday.refundable_cents == 3000 - 1700


async def test_refund_refused_on_a_closed_today(gql, db, add_order, manager):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id, business_date=today() - timedelta(days=1))
    await close_day(db, today())

    body = await gql(REFUND, _input(payment.id, "1"), staff=manager)

    assert body["data"]["refundPayment"]["__typename"] == "ConflictError"
    assert await refunds_of(db, payment.id) == []


async def test_concurrent_refunds_never_exceed_the_payment(
    only_postgres, gql, db, add_order, manager
):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id, amount_cents=1000, tip_cents=0)

    results = await asyncio.gather(
        *(gql(REFUND, _input(payment.id, "3.00"), staff=manager) for _ in range(20))
    )

    kinds = [result["data"]["refundPayment"]["__typename"] for result in results]
    assert kinds.count("RefundPaymentPayload") == 3
    assert kinds.count("ValidationError") == 17
    rows = await refunds_of(db, payment.id)
    assert [r.amount_cents for r in rows] == [300, 300, 300]
    left = sorted(
        result["data"]["refundPayment"]["refundable"]["amount"]
        for result in results
        if result["data"]["refundPayment"]["__typename"] == "RefundPaymentPayload"
    )
    assert left == ["1.00", "4.00", "7.00"]


async def test_concurrent_retries_of_one_key_refund_once(only_postgres, gql, db, add_order, admin):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id, amount_cents=1000)
    keyed = _input(payment.id, "2.50", idempotencyKey="same")

    results = await asyncio.gather(*(gql(REFUND, keyed, staff=admin) for _ in range(10)))

    refunds = {str(result["data"]["refundPayment"]["refund"]) for result in results}
    assert len(refunds) == 1
    assert sum(result["data"]["refundPayment"]["replayed"] for result in results) == 9
    assert [r.amount_cents for r in await refunds_of(db, payment.id)] == [250]


async def test_a_deleted_checks_payment_can_be_refunded(gql, db, client, add_order, manager):
    order = await paid_order(add_order, db, close=False)
    payment = await add_payment(db, order.id, amount_cents=800)
    deleted = await client.delete(f"/api/orders/{order.id}", headers=manager.headers)
    assert deleted.status_code == 200, deleted.text

    body = await gql(REFUND, _input(payment.id, "8"), staff=manager)

    assert body["data"]["refundPayment"]["refundable"] == {"amount": "0.00"}
    [refund] = await refunds_of(db, payment.id)
    assert refund.amount_cents == 800


async def test_refunds_query_refusals(gql, db, add_order, kitchen, server):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id)
    query = "query($id: ID!) { refunds(paymentId: $id) { id } }"

    denied = await gql(query, {"id": gid("Payment", payment.id)}, staff=kitchen)
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    missing = await gql(query, {"id": gid("Payment", 99_999)}, staff=server)
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await gql(query, {"id": gid("Payment", payment.id)}, staff=server))["data"] == {
        "refunds": []
    }
