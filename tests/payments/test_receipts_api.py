"""Receipts over GraphQL (`Query.receipt`) and REST (`/api/orders/{id}/receipt`, `.txt`)."""

from __future__ import annotations

from restaurant_api.orders.models import OrderStatus
from restaurant_api.orders.service import (
    SplitMode,
    SplitRequest,
    lock_order,
    order_lines,
    split_order,
)
from restaurant_api.payments.models import PaymentStatus, Tender
from tests.conftest import gid
from tests.factories import place_order
from tests.payments.receipts_helpers import add_full_check, add_payment

RECEIPT = """
query($id: ID!, $width: Int!) {
  receipt(orderId: $id) {
    orderId orderNumber status tableNumber serverName customerCount timezone
    openedAt closedAt splitFromId
    lines { name quantity unitPrice { amount } gross { amount } seatNumber modifiers
            options { group name priceDelta { amount } }
            discounts { name isComp amount { amount } } }
    checkDiscounts { name isComp amount { amount } }
    serviceCharges { name amount { amount } }
    subtotal { amount } discountTotal { amount } serviceChargeTotal { amount }
    taxes { name rate inclusive amount { amount } }
    taxTotal { amount } inclusiveTaxTotal { amount } total { amount currency }
    payments { tender label amount { amount } tendered { amount } change { amount }
               tip { amount } externalReference }
    paidTotal { amount } tipTotal { amount } changeTotal { amount } balanceDue { amount }
    text(width: $width)
  }
}"""


def _amount(value):
    return value["amount"]


async def _paid_check(db, add_table, server):
    full = await add_full_check(db, add_table, server.user.id)
    await add_payment(
        db, full.order_id, tender=Tender.CARD, amount=100, status=PaymentStatus.VOIDED
    )
    await add_payment(db, full.order_id, tender=Tender.CARD, amount=2000, tip=300, label="Visa")
    await add_payment(db, full.order_id, tender=Tender.CASH, amount=1753, tendered=2000)
    return full


async def test_graphql_receipt(db, gql, add_table, server, kitchen, count_statements):
    full = await _paid_check(db, add_table, server)
    order_id = gid("Order", full.order_id)
    with count_statements() as counter:
        body = await gql(RECEIPT, {"id": order_id, "width": 48}, staff=server)
    assert "errors" not in body, body
    # Order, lines, discounts, charges, payments, table, server (+ the caller): constant.
    assert counter.count <= 9, counter.statements
    receipt = body["data"]["receipt"]
    assert (receipt["orderId"], receipt["orderNumber"], receipt["status"]) == (
        order_id,
        full.order_id,
        "closed",
    )
    assert (receipt["tableNumber"], receipt["serverName"], receipt["splitFromId"]) == (
        12,
        "Server User",
        None,
    )
    assert receipt["closedAt"] == "2026-11-27T00:45:00+00:00"  # the default zone is UTC
    burger = receipt["lines"][0]
    assert (burger["quantity"], _amount(burger["unitPrice"]), _amount(burger["gross"])) == (
        2,
        "14.00",
        "28.00",
    )
    assert [(o["name"], _amount(o["priceDelta"])) for o in burger["options"]] == [
        ("Cheddar", "1.00"),
        ("Bacon", "0.50"),
    ]
    assert burger["modifiers"] == ["no onions"]
    assert [(d["name"], _amount(d["amount"])) for d in burger["discounts"]] == [
        ("Happy hour", "2.80")
    ]
    assert receipt["lines"][2]["discounts"][0]["isComp"] is True
    assert [_amount(d["amount"]) for d in receipt["checkDiscounts"]] == ["2.00"]
    assert [(c["name"], _amount(c["amount"])) for c in receipt["serviceCharges"]] == [
        ("Service", "3.22")
    ]
    assert [
        (t["name"], t["rate"], t["inclusive"], _amount(t["amount"])) for t in receipt["taxes"]
    ] == [
        ("Sales tax", "8.875", False, "2.11"),
        ("VAT", "20", True, "1.41"),
    ]
    figures = [
        receipt[key]["amount"]
        for key in (
            "subtotal",
            "discountTotal",
            "serviceChargeTotal",
            "taxTotal",
            "inclusiveTaxTotal",
            "total",
            "paidTotal",
            "tipTotal",
            "changeTotal",
            "balanceDue",
        )
    ]
    assert figures == [
        "41.50",
        "9.30",
        "3.22",
        "2.11",
        "1.41",
        "37.53",
        "37.53",
        "3.00",
        "2.47",
        "0.00",
    ]
    assert receipt["total"]["currency"] == "USD"
    assert [
        (
            p["tender"],
            p["label"],
            _amount(p["amount"]),
            _amount(p["tendered"]),
            _amount(p["change"]),
            _amount(p["tip"]),
        )
        for p in receipt["payments"]
    ] == [
        ("card", "Visa", "20.00", "20.00", "0.00", "3.00"),
        ("cash", "Cash", "17.53", "20.00", "2.47", "0.00"),
    ]
    lines = receipt["text"].splitlines()
    assert all(len(line) <= 48 for line in lines)
    assert "TOTAL USD".ljust(43) + "37.53" in lines

    narrow = await gql(RECEIPT, {"id": order_id, "width": 32}, staff=server)
    assert all(len(line) <= 32 for line in narrow["data"]["receipt"]["text"].splitlines())
    bad_width = await gql(RECEIPT, {"id": order_id, "width": 500}, staff=server)
    assert bad_width["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR", bad_width

    denied = await gql(RECEIPT, {"id": order_id, "width": 48}, staff=kitchen)
    assert denied["data"] is None or denied["data"]["receipt"] is None
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED", denied
    anonymous = await gql(RECEIPT, {"id": order_id, "width": 48})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", anonymous
    missing = await gql(
        RECEIPT, {"id": gid("Order", full.order_id + 99), "width": 48}, staff=server
    )
    assert missing["data"] == {"receipt": None} and "errors" not in missing
    wrong_kind = await gql(RECEIPT, {"id": gid("Table", 1), "width": 48}, staff=server)
    assert wrong_kind["errors"], wrong_kind


async def test_rest_receipt_json_and_text(db, client, add_table, server, kitchen):
    full = await _paid_check(db, add_table, server)
    url = f"/api/orders/{full.order_id}/receipt"
    response = await client.get(url, headers=server.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["order_id"], body["table_number"], body["status"]) == (full.order_id, 12, "closed")
    assert (body["subtotal"], body["discount_total"], body["service_charge_total"]) == (
        41.5,
        9.3,
        3.22,
    )
    assert (body["tax"], body["inclusive_tax"], body["total"]) == (2.11, 1.41, 37.53)
    assert (body["paid_total"], body["tip_total"], body["change_total"], body["balance_due"]) == (
        37.53,
        3.0,
        2.47,
        0.0,
    )
    assert [(t["name"], t["rate"], t["amount"]) for t in body["taxes"]] == [
        ("Sales tax", "8.875", 2.11),
        ("VAT", "20", 1.41),
    ]
    assert [(p["label"], p["amount"], p["tip"], p["change"]) for p in body["payments"]] == [
        ("Visa", 20.0, 3.0, 0.0),
        ("Cash", 17.53, 0.0, 2.47),
    ]
    assert body["lines"][0]["options"][0] == {
        "group": "Cheese",
        "name": "Cheddar",
        "price_delta": 1.0,
    }

    text = await client.get(url + ".txt", headers=server.headers)
    assert text.status_code == 200
    assert text.headers["content-type"].startswith("text/plain")
    lines = text.text.splitlines()
    assert all(len(line) <= 48 for line in lines)
    assert "TOTAL USD".ljust(43) + "37.53" in lines
    assert "Balance due".ljust(44) + "0.00" in lines
    narrow = await client.get(url + ".txt?width=32", headers=server.headers)
    assert "TOTAL USD".ljust(27) + "37.53" in narrow.text.splitlines()

    assert (await client.get(url + ".txt?width=10", headers=server.headers)).status_code == 422
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=kitchen.headers)).status_code == 403
    assert (await client.get(url + ".txt", headers=kitchen.headers)).status_code == 403
    missing = await client.get(f"/api/orders/{full.order_id + 99}/receipt", headers=server.headers)
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Order not found"}


async def test_receipt_of_a_check_closed_by_the_close_call(client, server, kitchen):
    """The close call's method and tip are the check's one payment of its whole balance
    (recorded by the ledger; kept on the order by checks closed before it)."""
    placed = await place_order(
        client,
        server,
        [{"name": "Soup", "price": 6.5, "category": "Starters", "quantity": 2}],
    )
    url = f"/api/orders/{placed['id']}"
    closed = await client.post(
        url + "/close", json={"payment_method": "Visa", "tip": "2.50"}, headers=server.headers
    )
    assert closed.status_code == 200, closed.text
    body = (await client.get(url + "/receipt", headers=server.headers)).json()
    assert (body["status"], body["total"]) == ("closed", 13.0)
    assert [(p["label"], p["amount"], p["tip"]) for p in body["payments"]] == [("Visa", 13.0, 2.5)]
    assert (body["paid_total"], body["tip_total"], body["balance_due"]) == (13.0, 2.5, 0.0)
    text = (await client.get(url + "/receipt.txt", headers=server.headers)).text.splitlines()
    assert "2 x Soup".ljust(43) + "13.00" in text
    assert "Balance due".ljust(44) + "0.00" in text


async def test_cancelled_and_split_checks_owe_nothing(db, client, add_table, server, manager):
    cancelled = await place_order(
        client, server, [{"name": "Tea", "price": 3, "category": "Drinks"}]
    )
    url = f"/api/orders/{cancelled['id']}"
    response = await client.post(url + "/cancel", json={"reason": "left"}, headers=manager.headers)
    assert response.status_code == 200, response.text
    body = (await client.get(url + "/receipt", headers=server.headers)).json()
    assert (body["status"], body["total"], body["balance_due"]) == ("cancelled", 3.0, 0.0)
    assert "CANCELLED" in (await client.get(url + "/receipt.txt", headers=server.headers)).text

    full = await add_full_check(db, add_table, server.user.id, status=OrderStatus.OPEN)
    async with db.session() as session:
        order = await lock_order(session, full.order_id)
        assert order is not None and order.table_id is not None
        shares = await split_order(
            session,
            order=order,
            lines=await order_lines(session, order.id),
            request=SplitRequest(mode=SplitMode.EVEN, ways=2),
            table_id=order.table_id,
            created_by_id=server.user.id,
        )
        share_ids = [share.id for share in shares]
    url = f"/api/orders/{full.order_id}"
    body = (await client.get(url + "/receipt", headers=server.headers)).json()
    assert (body["status"], body["total"], body["balance_due"]) == ("split", 37.53, 0.0)
    text = (await client.get(url + "/receipt.txt", headers=server.headers)).text
    assert "SPLIT: paid on its shares' checks" in text.splitlines()
    dues = [
        (await client.get(f"/api/orders/{i}/receipt", headers=server.headers)).json()["balance_due"]
        for i in share_ids
    ]
    assert dues == [18.77, 18.76]
