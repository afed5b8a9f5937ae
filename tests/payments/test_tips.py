"""Card tip adjustments (until the business day closes) and tips per staff member."""

from __future__ import annotations

from datetime import timedelta

import pytest

from restaurant_api.payments import service as payments_service
from restaurant_api.payments.days import BusinessCalendar, BusinessDayClosed
from restaurant_api.payments.models import PaymentStatus, Tender
from restaurant_api.users.models import Role
from tests.conftest import gid
from tests.payments.tipping import (
    ADJUST,
    REFUND,
    add_payment,
    adjustments_of,
    at,
    close_day,
    order_row,
    paid_order,
    payment_row,
    today,
)

TIPS = """
query($day: String) {
  tipsByStaff(businessDate: $day) {
    staffId staffName tips { amount cents } paymentCount amount { amount }
  }
}"""


async def test_card_tip_adjusted_after_payment(gql, db, add_order, server):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id, tip_cents=200, taken_by_id=server.user.id)
    await add_payment(db, order.id, tip_cents=100, tender=Tender.CASH)
    await add_payment(db, order.id, tip_cents=900, status=PaymentStatus.VOIDED)
    version = (await order_row(db, order.id)).version

    body = await gql(ADJUST, {"id": gid("Payment", payment.id), "tip": "5.50"}, staff=server)

    result = body["data"]["adjustTip"]
    assert result["__typename"] == "AdjustTipPayload", result
    assert result["tip"] == {"amount": "5.50", "cents": 550}
    assert result["orderId"] == gid("Order", order.id)
    assert result["tipAdjustment"]["tipBefore"] == {"amount": "2.00"}
    assert result["tipAdjustment"]["tipAfter"] == {"amount": "5.50"}
    assert result["tipAdjustment"]["adjustedById"] == gid("User", server.user.id)
    assert (await payment_row(db, payment.id)).tip_cents == 550
    rows = await adjustments_of(db, payment.id)
    assert [(r.tip_before_cents, r.tip_after_cents, r.adjusted_by_id) for r in rows] == [
        (200, 550, server.user.id)
    ]
    # The check's subscribers and caches hear of it: a new version.
    after = await order_row(db, order.id)
    assert after.version == version + 1
    assert after.status == "closed"
    # Old clients' `tip` of the order: its captured payments' tips, as adjusted.
    assert after.tip_cents == 550 + 100

    listed = await gql(
        "query($id: ID!) { tipAdjustments(paymentId: $id) { tipAfter { amount } } }",
        {"id": gid("Payment", payment.id)},
        staff=server,
    )
    assert listed["data"]["tipAdjustments"] == [{"tipAfter": {"amount": "5.50"}}]


async def test_the_same_tip_again_records_nothing(gql, db, add_order, server):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id, tip_cents=300)

    body = await gql(ADJUST, {"id": gid("Payment", payment.id), "tip": "3"}, staff=server)

    assert body["data"]["adjustTip"]["tipAdjustment"] is None
    assert body["data"]["adjustTip"]["tip"]["cents"] == 300
    assert await adjustments_of(db, payment.id) == []


async def test_tip_adjustment_refused_once_the_day_is_closed(gql, db, add_order, server):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id, tip_cents=100)
    await close_day(db, today())

    body = await gql(ADJUST, {"id": gid("Payment", payment.id), "tip": "9.00"}, staff=server)

    result = body["data"]["adjustTip"]
    assert result["__typename"] == "ConflictError"
    assert "closed" in result["message"]
    assert (await payment_row(db, payment.id)).tip_cents == 100
    assert await adjustments_of(db, payment.id) == []


async def test_a_payment_of_a_closed_day_keeps_its_tip_while_today_is_open(
    db, add_order, make_staff
):
    staff = await make_staff(Role.SERVER)
    calendar = BusinessCalendar(timezone="Europe/Paris", cutoff_hour=4)
    order = await paid_order(add_order, db)
    monday = at("2026-03-02T21:00:00+01:00")
    payment = await add_payment(db, order.id, tip_cents=100, business_date=calendar.today(monday))
    await close_day(db, calendar.today(monday))
    tuesday = monday + timedelta(days=1)

    with pytest.raises(BusinessDayClosed):
        async with db.session() as session:
            await payments_service.adjust_tip(
                session,
                actor=staff.user,
                calendar=calendar,
                payment_id=payment.id,
                tip="4",
                now=tuesday,
            )
    assert (await payment_row(db, payment.id)).tip_cents == 100

    # 02:00 the next night still belongs to Tuesday's business date (cut-off 04:00).
    late = at("2026-03-04T02:00:00+01:00")
    other = await add_payment(db, order.id, tip_cents=0, business_date=calendar.today(tuesday))
    await close_day(db, calendar.today(late) + timedelta(days=1))  # Wednesday: not this one
    async with db.session() as session:
        adjusted = await payments_service.adjust_tip(
            session, actor=staff.user, calendar=calendar, payment_id=other.id, tip="4", now=late
        )
    assert adjusted.adjustment is not None
    assert (await payment_row(db, other.id)).tip_cents == 400


@pytest.mark.parametrize(
    ("tender", "status"),
    [
        (Tender.CASH, PaymentStatus.CAPTURED),
        (Tender.GIFT_CARD, PaymentStatus.CAPTURED),
        (Tender.OTHER, PaymentStatus.CAPTURED),
        (Tender.CARD, PaymentStatus.VOIDED),
    ],
)
async def test_only_a_captured_card_payment_has_its_tip_adjusted(
    gql, db, add_order, server, tender, status
):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id, tip_cents=100, tender=tender, status=status)

    body = await gql(ADJUST, {"id": gid("Payment", payment.id), "tip": "2"}, staff=server)

    assert body["data"]["adjustTip"]["__typename"] == "ConflictError"
    assert (await payment_row(db, payment.id)).tip_cents == 100


async def test_bad_tip_adjustments_are_typed_errors(gql, db, add_order, server, kitchen):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id, tip_cents=100)
    payment_id = gid("Payment", payment.id)

    negative = await gql(ADJUST, {"id": payment_id, "tip": "-1"}, staff=server)
    assert negative["data"]["adjustTip"]["field"] == "tip"
    fraction = await gql(ADJUST, {"id": payment_id, "tip": "1.005"}, staff=server)
    assert fraction["data"]["adjustTip"]["field"] == "tip"
    wrong_type = await gql(ADJUST, {"id": gid("Order", order.id), "tip": "1"}, staff=server)
    assert wrong_type["data"]["adjustTip"]["field"] == "paymentId"
    missing = await gql(ADJUST, {"id": gid("Payment", 99_999), "tip": "1"}, staff=server)
    assert missing["data"]["adjustTip"]["__typename"] == "NotFoundError"
    denied = await gql(ADJUST, {"id": payment_id, "tip": "1"}, staff=kitchen)
    assert denied["data"]["adjustTip"]["__typename"] == "PermissionDeniedError"
    anonymous = await gql(ADJUST, {"id": payment_id, "tip": "1"})
    assert anonymous["data"]["adjustTip"]["__typename"] == "AuthenticationError"
    assert (await payment_row(db, payment.id)).tip_cents == 100


async def test_tips_per_staff_member(gql, db, add_order, make_staff, manager):
    ann = await make_staff(Role.SERVER)
    bob = await make_staff(Role.SERVER)
    order = await paid_order(add_order, db)
    await add_payment(db, order.id, tip_cents=300, taken_by_id=ann.user.id, amount_cents=1000)
    await add_payment(
        db, order.id, tip_cents=100, taken_by_id=ann.user.id, tender=Tender.CASH, amount_cents=500
    )
    await add_payment(
        db, order.id, tip_cents=900, taken_by_id=ann.user.id, status=PaymentStatus.VOIDED
    )
    await add_payment(
        db, order.id, tip_cents=700, taken_by_id=ann.user.id, business_date=today() - timedelta(1)
    )
    bobs = await add_payment(db, order.id, tip_cents=250, taken_by_id=bob.user.id)
    adjusted = await gql(ADJUST, {"id": gid("Payment", bobs.id), "tip": "4.00"}, staff=bob)
    assert adjusted["data"]["adjustTip"]["tip"]["cents"] == 400

    everyone = await gql(TIPS, {"day": today().isoformat()}, staff=manager)
    lines = {line["staffId"]: line for line in everyone["data"]["tipsByStaff"]}
    assert set(lines) == {gid("User", ann.user.id), gid("User", bob.user.id)}
    ann_line = lines[gid("User", ann.user.id)]
    assert ann_line["tips"] == {"amount": "4.00", "cents": 400}
    assert ann_line["paymentCount"] == 2
    assert ann_line["amount"] == {"amount": "15.00"}
    assert lines[gid("User", bob.user.id)]["tips"]["cents"] == 400
    # Today is the default.
    assert (await gql(TIPS, staff=manager))["data"] == everyone["data"]

    own = await gql(TIPS, {"day": today().isoformat()}, staff=ann)
    assert [line["staffId"] for line in own["data"]["tipsByStaff"]] == [gid("User", ann.user.id)]
    yesterday = await gql(TIPS, {"day": (today() - timedelta(1)).isoformat()}, staff=ann)
    assert [line["tips"]["cents"] for line in yesterday["data"]["tipsByStaff"]] == [700]


async def test_tips_per_staff_member_refusals(gql, kitchen, manager):
    denied = await gql(TIPS, {"day": today().isoformat()}, staff=kitchen)
    assert denied["data"]["tipsByStaff"] is None
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    for bad in ("2026-13-01", "2026-1-01", "20260101", "2026-01-01T00:00"):
        body = await gql(TIPS, {"day": bad}, staff=manager)
        assert body["data"]["tipsByStaff"] is None, bad
        assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR", bad


async def test_a_tip_cannot_go_below_what_was_refunded(gql, db, add_order, server, manager):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id, amount_cents=2000, tip_cents=500)
    refund = {
        "input": {"paymentId": gid("Payment", payment.id), "amount": "23.00", "reason": "Spill"}
    }
    refunded = await gql(REFUND, refund, staff=manager)
    assert refunded["data"]["refundPayment"]["refundable"] == {"amount": "2.00"}

    lower = await gql(ADJUST, {"id": gid("Payment", payment.id), "tip": "2.99"}, staff=server)
    assert lower["data"]["adjustTip"]["field"] == "tip"
    assert (await payment_row(db, payment.id)).tip_cents == 500
    enough = await gql(ADJUST, {"id": gid("Payment", payment.id), "tip": "3.00"}, staff=server)
    assert enough["data"]["adjustTip"]["tip"]["cents"] == 300


async def test_tips_per_staff_take_constant_statements(
    gql, db, add_order, make_staff, manager, count_statements
):
    order = await paid_order(add_order, db)
    servers = [await make_staff(Role.SERVER) for _ in range(4)]
    await add_payment(db, order.id, tip_cents=100, taken_by_id=servers[0].user.id)
    with count_statements() as few:
        one = await gql(TIPS, staff=manager)
    for staff in servers[1:]:
        await add_payment(db, order.id, tip_cents=100, taken_by_id=staff.user.id)
    with count_statements() as many:
        four = await gql(TIPS, staff=manager)
    assert len(one["data"]["tipsByStaff"]) == 1
    assert len(four["data"]["tipsByStaff"]) == 4
    assert many.count == few.count


async def test_tip_adjustments_query_refusals(gql, db, add_order, kitchen, server):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id)
    query = "query($id: ID!) { tipAdjustments(paymentId: $id) { id } }"

    denied = await gql(query, {"id": gid("Payment", payment.id)}, staff=kitchen)
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    missing = await gql(query, {"id": gid("Payment", 99_999)}, staff=server)
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    wrong = await gql(query, {"id": gid("Order", order.id)}, staff=server)
    assert wrong["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    empty = await gql(query, {"id": gid("Payment", payment.id)}, staff=server)
    assert empty["data"]["tipAdjustments"] == []
