"""Live order updates carry discounts and service charges as they change."""

from __future__ import annotations

from tests.live.conftest import open_socket
from tests.orders.adjusting import APPLY

SUBSCRIPTION = """
subscription($id: ID) { orderUpdates(orderId: $id) { kind orders {
  version discounts { name status amount { amount } } serviceCharges { name status } } } }
"""


async def test_a_subscriber_sees_a_discount_applied(live_server, gql, server, manager):
    placed = await gql(
        """mutation { placeOrder(input: {lines: [{name: "Tea", price: "2.00", category: "Drinks"}]})
           { ... on OrderPayload { order { id } } } }""",
        staff=server,
    )
    order_id = placed["data"]["placeOrder"]["order"]["id"]
    socket = await open_socket(live_server, token=server.token)
    await socket.subscribe(SUBSCRIPTION, {"id": order_id})
    snapshot = (await socket.next_data())["orderUpdates"]
    assert snapshot["orders"] == [{"version": 1, "discounts": [], "serviceCharges": []}]

    body = await gql(
        APPLY, {"input": {"orderId": order_id, "amount": "0.50", "reason": "x"}}, staff=manager
    )
    assert body["data"]["applyDiscount"]["__typename"] == "DiscountPayload", body
    change = (await socket.next_data())["orderUpdates"]
    assert change["kind"] == "CHANGES"
    assert change["orders"] == [
        {
            "version": 2,
            "discounts": [{"name": "Discount", "status": "APPLIED", "amount": {"amount": "0.50"}}],
            "serviceCharges": [],
        }
    ]
    await socket.connection.close()
