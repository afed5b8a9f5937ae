"""Live order updates carry a card tip adjusted after the check closed."""

from __future__ import annotations

from tests.conftest import gid
from tests.live.conftest import open_socket
from tests.payments.tipping import ADJUST, add_payment, paid_order

SUBSCRIPTION = """
subscription($id: ID) { orderUpdates(orderId: $id) {
  kind orders { version status tip { amount } } } }
"""


async def test_a_subscriber_sees_a_tip_adjusted(live_server, gql, db, add_order, server):
    order = await paid_order(add_order, db)
    payment = await add_payment(db, order.id, tip_cents=200)
    socket = await open_socket(live_server, token=server.token)
    await socket.subscribe(SUBSCRIPTION, {"id": gid("Order", order.id)})
    snapshot = (await socket.next_data())["orderUpdates"]
    [before] = snapshot["orders"]

    body = await gql(ADJUST, {"id": gid("Payment", payment.id), "tip": "3.25"}, staff=server)
    assert body["data"]["adjustTip"]["__typename"] == "AdjustTipPayload", body

    change = (await socket.next_data())["orderUpdates"]
    assert change["kind"] == "CHANGES"
    assert change["orders"] == [
        {"version": before["version"] + 1, "status": "CLOSED", "tip": {"amount": "3.25"}}
    ]
    await socket.connection.close()
