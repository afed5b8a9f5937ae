"""Live orders carry the check: a subscriber selecting it gets the new amounts after a
change (both backends)."""

from __future__ import annotations

from restaurant_api.orders.events import order_changed
from restaurant_api.orders.models import AdjustmentStatus, Order, OrderDiscount
from tests.live.conftest import open_socket
from tests.orders.test_checks import add_rate

SUBSCRIBE = """
subscription($id: ID) { orderUpdates(orderId: $id) {
  kind orders { id version diningOption
                check { total { amount } discountTotal { amount }
                        taxes { name amount { amount } } } } } }
"""


async def test_a_subscriber_gets_the_new_check_after_a_change(live_server, db, gql, server):
    await add_rate(db, "Sales tax", 100_000, default=True)
    await add_rate(db, "Bag tax", 50_000, default=True, dining_options=["takeout"])
    placed = await gql(
        """mutation { placeOrder(input: {lines: [{name: "Pie", price: "20.00",
           category: "Desserts"}]}) { ... on OrderPayload { order { id databaseId } } } }""",
        staff=server,
    )
    order = placed["data"]["placeOrder"]["order"]
    socket = await open_socket(live_server, token=server.token)
    await socket.subscribe(SUBSCRIBE, {"id": order["id"]})
    snapshot = (await socket.next_data())["orderUpdates"]
    assert snapshot["orders"][0]["check"]["total"] == {"amount": "22.00"}

    changed = await gql(
        """mutation($id: ID!) { updateOrder(orderId: $id, input: {diningOption: TAKEOUT})
           { __typename } }""",
        {"id": order["id"]},
        staff=server,
    )
    assert changed["data"]["updateOrder"]["__typename"] == "OrderPayload"
    [live] = (await socket.next_data())["orderUpdates"]["orders"]
    assert live["diningOption"] == "TAKEOUT"
    assert live["check"]["total"] == {"amount": "23.00"}
    assert [tax["name"] for tax in live["check"]["taxes"]] == ["Sales tax", "Bag tax"]

    # A discount applied (as the adjustments use cases do: a row, then the order's event).
    async with db.session() as session:
        session.add(
            OrderDiscount(
                order_id=order["databaseId"],
                name="Birthday",
                kind="amount",
                amount_cents=500,
                reason="birthday",
                status=AdjustmentStatus.APPLIED,
            )
        )
        row = await session.get(Order, order["databaseId"])
        assert row is not None
        order_changed(session, row)
    [live] = (await socket.next_data())["orderUpdates"]["orders"]
    assert live["check"]["discountTotal"] == {"amount": "5.00"}
    assert live["check"]["total"] == {"amount": "17.25"}  # 15.00 + 1.50 + 0.75
    await socket.connection.close()
