"""Live payments: a subscriber of an order gets its new balance after each payment and the
closed status once the check is paid (both backends)."""

from __future__ import annotations

from tests.conftest import gid
from tests.live.conftest import open_socket

SUBSCRIBE = """
subscription($id: ID) { orderUpdates(orderId: $id) {
  kind orders { id status balanceDue { amount } paidTotal { amount } tipTotal { amount }
                payments { tender amount { amount } } } } }
"""
PAY = """
mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { __typename } }
"""


async def test_a_subscriber_sees_the_balance_fall_and_the_check_close(live_server, gql, server):
    placed = await gql(
        """mutation { placeOrder(input: {lines: [{name: "Pie", price: "20.00",
           category: "Desserts"}]}) { ... on OrderPayload { order { id } } } }""",
        staff=server,
    )
    order_id = placed["data"]["placeOrder"]["order"]["id"]
    socket = await open_socket(live_server, token=server.token)
    await socket.subscribe(SUBSCRIBE, {"id": order_id})
    snapshot = (await socket.next_data())["orderUpdates"]["orders"][0]
    assert snapshot["balanceDue"] == {"amount": "20.00"} and snapshot["payments"] == []

    first = {"orderId": order_id, "tender": "CARD", "amount": "12.50", "tip": "2.00"}
    paid = await gql(PAY, {"input": first}, staff=server)
    assert paid["data"]["recordPayment"]["__typename"] == "PaymentPayload"
    [live] = (await socket.next_data())["orderUpdates"]["orders"]
    assert (live["status"], live["balanceDue"], live["paidTotal"], live["tipTotal"]) == (
        "OPEN", {"amount": "7.50"}, {"amount": "12.50"}, {"amount": "2.00"},
    )  # fmt: skip

    rest = {"orderId": order_id, "tender": "CASH", "amount": "7.50", "tendered": "10"}
    await gql(PAY, {"input": rest}, staff=server)
    [live] = (await socket.next_data())["orderUpdates"]["orders"]
    assert live["status"] == "CLOSED" and live["balanceDue"] == {"amount": "0.00"}
    assert [p["tender"] for p in live["payments"]] == ["CARD", "CASH"]
    await socket.connection.close()


FLOOR = "subscription { tables { kind tables { id status isOccupied currentOrderId } } }"


async def test_the_floor_plan_shows_the_table_free_once_its_check_is_paid(
    live_server, gql, server, add_table
):
    table = await add_table(7)
    placed = await gql(
        """mutation($table: ID!) { placeOrder(input: {tableId: $table, lines: [{name: "Pie",
           price: "20.00", category: "Desserts"}]}) { ... on OrderPayload { order { id } } } }""",
        {"table": gid("Table", table.id)},
        staff=server,
    )
    order_id = placed["data"]["placeOrder"]["order"]["id"]
    socket = await open_socket(live_server, token=server.token)
    await socket.subscribe(FLOOR)
    [seated] = (await socket.next_data())["tables"]["tables"]
    assert (seated["isOccupied"], seated["currentOrderId"]) == (True, order_id)

    card = {"orderId": order_id, "tender": "CARD", "amount": "20.00"}
    paid = await gql(PAY, {"input": card}, staff=server)
    assert paid["data"]["recordPayment"]["__typename"] == "PaymentPayload"
    change = (await socket.next_data())["tables"]
    assert change["kind"] == "CHANGES"
    [freed] = change["tables"]
    assert (freed["isOccupied"], freed["currentOrderId"]) == (False, None)
    await socket.connection.close()
