"""The ledger over GraphQL and REST's close call, on SQLite and PostgreSQL; the race of 20
terminals paying one check at once on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import col, func, select

from restaurant_api.payments.models import Payment
from tests.conftest import gid
from tests.factories import Item, place_order, table_json

RECORD = """
mutation($input: RecordPaymentInput!) {
  recordPayment(input: $input) {
    __typename
    ... on PaymentPayload {
      payment { id databaseId orderId tender amount { amount } tendered { amount }
                change { amount } tip { amount } externalReference methodLabel status voided
                takenById businessDate }
      order { status balanceDue { amount } paidTotal { amount } tipTotal { amount } }
      balanceDue { amount }
      change { amount }
    }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""

VOID = """
mutation($id: ID!, $reason: String!) {
  voidPayment(paymentId: $id, reason: $reason) {
    __typename
    ... on PaymentPayload { payment { status voided voidReason voidedById }
                            balanceDue { amount } order { status } }
    ... on Error { code message }
  }
}"""

ORDER = """
query($id: ID!) {
  node(id: $id) {
    ... on Order { status tip { amount } paymentMethod check { total { amount } }
      balanceDue { amount } paidTotal { amount } tipTotal { amount }
      payments { tender amount { amount } tip { amount } status } }
  }
}"""


def _input(order_id, tender, amount, **extra):
    return {"input": {"orderId": gid("Order", order_id), "tender": tender, "amount": amount,
                      **extra}}  # fmt: skip


async def _count(db, order_id=None):
    async with db.session() as session:
        query = select(func.count()).select_from(Payment)
        if order_id is not None:
            query = query.where(col(Payment.order_ref) == order_id)
        return (await session.exec(query)).one()


async def test_two_cards_and_cash_with_change_over_graphql(gql, db, server, add_order, add_table):
    table = await add_table(5)
    order = await add_order([Item("Steak", 6000), Item("Wine", 4000)], table_id=table.id)
    first = await gql(RECORD, _input(order.id, "CARD", "30.00", tip="5.00",
                                     externalReference="term-1/0042"), staff=server)  # fmt: skip
    paid = first["data"]["recordPayment"]
    assert paid["__typename"] == "PaymentPayload", paid
    assert paid["payment"]["tender"] == "CARD"
    assert paid["payment"]["externalReference"] == "term-1/0042"
    assert paid["payment"]["takenById"] == gid("User", server.user.id)
    assert paid["balanceDue"] == {"amount": "70.00"}
    assert paid["order"] == {
        "status": "OPEN", "balanceDue": {"amount": "70.00"},
        "paidTotal": {"amount": "30.00"}, "tipTotal": {"amount": "5.00"},
    }  # fmt: skip
    over = await gql(RECORD, _input(order.id, "CARD", "70.01"), staff=server)
    assert over["data"]["recordPayment"]["code"] == "CONFLICT"
    assert over["data"]["recordPayment"]["message"].startswith(
        "Amount exceeds the balance due (70.00);"
    )
    second = await gql(RECORD, _input(order.id, "CARD", "25.00", methodLabel="Visa"), staff=server)
    assert second["data"]["recordPayment"]["balanceDue"] == {"amount": "45.00"}
    cash = await gql(RECORD, _input(order.id, "CASH", "45.00", tendered="50.00"), staff=server)
    last = cash["data"]["recordPayment"]
    assert last["change"] == {"amount": "5.00"}
    assert last["payment"]["tendered"] == {"amount": "50.00"}
    assert last["order"]["status"] == "CLOSED"
    assert last["order"]["balanceDue"] == {"amount": "0.00"}
    assert last["order"]["paidTotal"] == {"amount": "100.00"}
    read = (await gql(ORDER, {"id": gid("Order", order.id)}, staff=server))["data"]["node"]
    assert read["tip"] == {"amount": "5.00"} and read["tipTotal"] == {"amount": "5.00"}
    assert read["paymentMethod"] == "card, Visa, cash"
    assert [(p["tender"], p["amount"]["amount"], p["tip"]["amount"]) for p in read["payments"]] == [
        ("CARD", "30.00", "5.00"), ("CARD", "25.00", "0.00"), ("CASH", "45.00", "0.00"),
    ]  # fmt: skip
    assert read["check"]["total"] == {"amount": "100.00"}


async def test_typed_errors(gql, db, server, kitchen, add_order):
    order = await add_order([Item("Soup", 900)])
    over = await gql(RECORD, _input(order.id, "CARD", "9.01"), staff=server)
    assert over["data"]["recordPayment"]["code"] == "CONFLICT"
    assert "9.00" in over["data"]["recordPayment"]["message"]
    change = await gql(RECORD, _input(order.id, "CARD", "5.00", tendered="6.00"), staff=server)
    assert change["data"]["recordPayment"]["field"] == "tendered"
    for amount in ("0", "-1", "1.001"):
        bad = await gql(RECORD, _input(order.id, "CASH", amount), staff=server)
        assert bad["data"]["recordPayment"]["__typename"] == "ValidationError", amount
    not_a_number = await gql(RECORD, _input(order.id, "CASH", "NaN"), staff=server)
    assert not_a_number["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    denied = await gql(RECORD, _input(order.id, "CASH", "1.00"), staff=kitchen)
    assert denied["data"]["recordPayment"]["code"] == "PERMISSION_DENIED"
    missing = await gql(RECORD, _input(987_654, "CASH", "1.00"), staff=server)
    assert missing["data"]["recordPayment"]["code"] == "NOT_FOUND"
    unknown = await gql(VOID, {"id": gid("Payment", 987_654), "reason": "x"}, staff=server)
    assert unknown["data"]["voidPayment"]["code"] == "NOT_FOUND"
    assert await _count(db) == 0


async def test_void_then_pay_again_and_idempotent_retry(gql, db, server, add_order):
    order = await add_order([Item("Pizza", 1500)])
    keyed = _input(order.id, "CARD", "15.00", idempotencyKey="t1-77")
    wrong = (await gql(RECORD, keyed, staff=server))["data"]["recordPayment"]
    assert wrong["order"]["status"] == "CLOSED"
    again = (await gql(RECORD, keyed, staff=server))["data"]["recordPayment"]
    assert again["payment"]["id"] == wrong["payment"]["id"]
    assert again["balanceDue"] == {"amount": "0.00"}
    other = _input(order.id, "CARD", "14.00", idempotencyKey="t1-77")
    mismatch = (await gql(RECORD, other, staff=server))["data"]["recordPayment"]
    assert mismatch["code"] == "IDEMPOTENCY_MISMATCH"
    closed = await gql(VOID, {"id": wrong["payment"]["id"], "reason": "wrong"}, staff=server)
    assert closed["data"]["voidPayment"]["code"] == "ORDER_CLOSED"
    assert await _count(db, order.id) == 1

    second = await add_order([Item("Pizza", 1500)])
    part = (await gql(RECORD, _input(second.id, "CARD", "10.00"), staff=server))["data"]
    voided = await gql(VOID, {"id": part["recordPayment"]["payment"]["id"],
                              "reason": "wrong table"}, staff=server)  # fmt: skip
    assert voided["data"]["voidPayment"]["payment"] == {
        "status": "VOIDED", "voided": True, "voidReason": "wrong table",
        "voidedById": gid("User", server.user.id),
    }  # fmt: skip
    assert voided["data"]["voidPayment"]["balanceDue"] == {"amount": "15.00"}
    paid = await gql(RECORD, _input(second.id, "CASH", "15.00", tendered="20"), staff=server)
    assert paid["data"]["recordPayment"]["change"] == {"amount": "5.00"}
    assert paid["data"]["recordPayment"]["order"]["status"] == "CLOSED"


async def test_rest_close_records_one_payment_of_the_balance(client, db, server, add_table):
    table = await add_table(9)
    placed = await place_order(
        client, server, [{"name": "Fish", "price": "18.50", "category": "Mains"}],
        table_id=table.id,
    )  # fmt: skip
    closed = await client.post(
        f"/api/orders/{placed['id']}/close",
        json={"payment_method": "Visa", "tip": "2.50"},
        headers=server.headers,
    )
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert (body["status"], body["payment_method"], body["tip"]) == ("closed", "Visa", 2.5)
    async with db.session() as session:
        rows = (await session.exec(select(Payment))).all()
    got = [(p.order_ref, p.tender, p.method_label, p.amount_cents, p.tip_cents, p.taken_by_id)
           for p in rows]  # fmt: skip
    assert got == [(placed["id"], "card", "Visa", 1850, 250, server.user.id)]
    assert (await table_json(client, server, table.id))["status"] == "available"


async def test_rest_close_pays_what_is_left(gql, client, db, server, add_order):
    order = await add_order([Item("Steak", 3000)])
    await gql(RECORD, _input(order.id, "CARD", "10.00"), staff=server)
    closed = await client.post(
        f"/api/orders/{order.id}/close", json={"payment_method": "cash"}, headers=server.headers
    )
    assert closed.status_code == 200, closed.text
    async with db.session() as session:
        rows = (await session.exec(select(Payment).order_by(col(Payment.id)))).all()
    assert [(p.tender, p.amount_cents) for p in rows] == [("card", 1000), ("cash", 2000)]
    # The GraphQL close call does the same with a gift card.
    other = await add_order([Item("Cake", 700)])
    query = """mutation($id: ID!) { closeOrder(orderId: $id, paymentMethod: "Gift Card") {
      __typename ... on OrderPayload { order { status paymentMethod payments { tender } } } } }"""
    result = (await gql(query, {"id": gid("Order", other.id)}, staff=server))["data"]
    assert result["closeOrder"]["order"] == {
        "status": "CLOSED",
        "paymentMethod": "Gift Card",
        "payments": [{"tender": "GIFT_CARD"}],
    }


@pytest.fixture
def only_postgres(backend):
    if backend.name != "postgresql":
        pytest.skip("a PostgreSQL race test")


async def test_twenty_concurrent_full_payments_record_one(only_postgres, gql, client, db, server):
    placed = await place_order(client, server, [
        {"name": "Steak", "price": "42.00", "category": "Mains"},
        {"name": "Wine", "price": "18.00", "category": "Drinks"},
    ])  # fmt: skip
    variables = _input(placed["id"], "CARD", "60.00")
    results = await asyncio.gather(*(gql(RECORD, variables, staff=server) for _ in range(20)))
    outcomes = [result["data"]["recordPayment"] for result in results]
    winners = [o for o in outcomes if o["__typename"] == "PaymentPayload"]
    assert len(winners) == 1
    assert winners[0]["order"]["status"] == "CLOSED"
    losers = [o for o in outcomes if o["__typename"] != "PaymentPayload"]
    assert len(losers) == 19
    assert {o["code"] for o in losers} <= {"ORDER_CLOSED", "CONFLICT"}
    assert await _count(db, placed["id"]) == 1
    async with db.session() as session:
        amounts = (await session.exec(select(func.sum(Payment.amount_cents)))).one()
    assert amounts == 6000


async def test_twenty_concurrent_partial_payments_never_exceed(only_postgres, gql, client, db,
                                                              server):  # fmt: skip
    placed = await place_order(client, server, [{"name": "Set", "price": "50", "category": "M"}])
    variables = _input(placed["id"], "CASH", "7.00")
    results = await asyncio.gather(*(gql(RECORD, variables, staff=server) for _ in range(20)))
    outcomes = [result["data"]["recordPayment"]["__typename"] for result in results]
    assert outcomes.count("PaymentPayload") == 7  # 7 x 7.00 <= 50.00 < 8 x 7.00
    async with db.session() as session:
        amounts = (await session.exec(select(func.sum(Payment.amount_cents)))).one()
    assert amounts == 4900


async def test_twenty_concurrent_retries_of_one_key_record_one(only_postgres, gql, client, db,
                                                              server):  # fmt: skip
    placed = await place_order(client, server, [{"name": "Set", "price": "50", "category": "M"}])
    variables = _input(placed["id"], "CARD", "20.00", idempotencyKey="terminal-7/123")
    results = await asyncio.gather(*(gql(RECORD, variables, staff=server) for _ in range(20)))
    outcomes = [result["data"]["recordPayment"] for result in results]
    assert {o["__typename"] for o in outcomes} == {"PaymentPayload"}
    assert len({o["payment"]["id"] for o in outcomes}) == 1
    assert {o["balanceDue"]["amount"] for o in outcomes} == {"30.00"}
    assert await _count(db, placed["id"]) == 1


async def test_rest_close_of_a_free_check_records_no_payment(client, db, server, add_order):
    order = await add_order([Item("Water", 0)])
    closed = await client.post(
        f"/api/orders/{order.id}/close", json={"payment_method": "cash"}, headers=server.headers
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert await _count(db, order.id) == 0


async def test_nothing_is_due_on_a_cancelled_check(gql, client, server, manager, add_order):
    order = await add_order([Item("Soup", 900)])
    before = (await gql(ORDER, {"id": gid("Order", order.id)}, staff=server))["data"]["node"]
    assert before["balanceDue"] == {"amount": "9.00"}
    cancelled = await client.post(
        f"/api/orders/{order.id}/cancel", json={"reason": "walked out"}, headers=manager.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    after = (await gql(ORDER, {"id": gid("Order", order.id)}, staff=server))["data"]["node"]
    assert (after["status"], after["balanceDue"]) == ("CANCELLED", {"amount": "0.00"})
    assert after["check"]["total"] == {"amount": "9.00"}
    listed = await client.get(f"/api/orders/{order.id}/payments", headers=server.headers)
    assert (listed.json()["total"], listed.json()["balance_due"]) == (9, 0)
